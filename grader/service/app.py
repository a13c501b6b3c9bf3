"""The FastAPI application: the routers, the error handlers and the middleware, put together.

The routes (`routes/`) are thin: read the request, call `Checker`, return its model. They take
what they need from `deps.py`; nothing but the server and the CLI imports this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from grader import __version__
from grader.lti.tool import Tool
from grader.service.checking import Checker
from grader.service.errors import install_error_handlers
from grader.service.middleware import BodySizeLimit, InternalErrors, SecurityHeaders
from grader.service.routes import api, docs, lti, pages, stats, xqueue
from grader.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]


def create_app(settings: ServiceSettings) -> FastAPI:
    """The service for these problems and this database."""
    checker = Checker(settings.problems, settings.storage, settings.limits)
    tool = None
    if settings.lti_keys is not None:
        tool = Tool(
            settings.lti_keys, settings.storage.engine, secret=settings.secret, score_of=checker.lti_score,
            clock=settings.clock, poll_seconds=settings.lti_poll_seconds, retry_base=settings.lti_retry_base,
        )
        settings.storage.on_score_due.append(tool.sender.wake.set)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # each worker process sends the LTI scores due (the outbox is shared in the database)
        if tool is not None:
            tool.start()
        try:
            yield
        finally:
            if tool is not None:
                tool.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="grader: the answer-checking service",
        version=__version__,
        description="Submit answers to the course's problems and read feedback. Errors are "
        '`{"error": {"code", "message"}}` with a stable code (see docs/service.md).',
        docs_url=None,  # routes/docs.py serves Swagger UI without inline script
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.checker = checker
    app.state.lti = tool
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(stats.router)
    app.include_router(xqueue.router)
    app.include_router(docs.router)
    app.include_router(pages.router)
    app.include_router(lti.router)
    pages.mount_static(app)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    app.add_middleware(InternalErrors)  # outside the body limit, whose own exception it must not see
    app.add_middleware(
        SecurityHeaders,
        frame_ancestors=settings.frame_ancestors,
        more_ancestors=None if tool is None else tool.origins,
    )
    return app
