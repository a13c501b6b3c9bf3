"""The FastAPI application: settings, authentication, error handling, the body-size limit.

The routes (`routes/`) are thin: read the request, call `Checker`, return its model.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader import __version__
from grader.auth import Caller, TokenExpired, TokenInvalid, identify
from grader.service.checking import Checker
from grader.service.errors import ServiceError
from grader.spec.loader import ProblemSet
from grader.storage import DatabaseUnavailable, Limits, RateLimit, Storage

__all__ = [
    "DEFAULT_LIMITS",
    "TOKEN_COOKIE",
    "ServiceSettings",
    "caller_of",
    "checker_of",
    "create_app",
    "now_of",
    "request_checker",
    "request_time",
]

log = logging.getLogger("grader.service")

#: The answer page keeps the student's token in this cookie (HttpOnly, SameSite=Strict).
TOKEN_COOKIE = "grader_token"
#: Seconds a client should wait before retrying when the database is unavailable.
RETRY_AFTER_SECONDS = 2


#: The per-student limits of `grade serve` (docs/service.md; --rate-limit, --max-unreadable).
DEFAULT_LIMITS = Limits(rate=RateLimit(submissions=60, window=timedelta(minutes=10)), max_unreadable=100)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ServiceSettings:
    """Everything a server needs; the clock is a setting so tests can pass the time in."""

    problems: ProblemSet
    storage: Storage
    secret: str
    staff_token: str
    max_body_bytes: int = 64 * 1024
    #: Per-student rate limit and cap on stored unreadable answers, kept in the database.
    limits: Limits = DEFAULT_LIMITS
    clock: Callable[[], datetime] = field(default=utc_now)


def error_response(error: ServiceError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers or None)


def _unavailable(error: DatabaseUnavailable) -> ServiceError:
    log.warning("database unavailable: %s", error)
    return ServiceError(
        "database_unavailable",
        "the database is not answering; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# -- dependencies (read by the routes) ---------------------------------------------------------
# Each is cheap and never blocks, so it is `async`: FastAPI would run a plain `def` dependency in
# the thread pool, one thread hop per dependency per request.


def request_checker(request: Request) -> Checker:
    checker: Checker = request.app.state.checker
    return checker


def request_time(request: Request) -> datetime:
    """The time from the settings' clock (read once per request by `now_of`)."""
    settings: ServiceSettings = request.app.state.settings
    return settings.clock()


async def checker_of(request: Request) -> Checker:
    return request_checker(request)


async def now_of(request: Request) -> datetime:
    """The request's time, read once per request from the settings' clock."""
    return request_time(request)


def token_of(request: Request) -> str | None:
    """A bearer token (Authorization: Bearer, or HTTP Basic with the token as password), else the cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "\0invalid"
        return decoded.partition(":")[2]
    return request.cookies.get(TOKEN_COOKIE) or None


def identify_token(request: Request, token: str) -> Caller:
    settings: ServiceSettings = request.app.state.settings
    try:
        return identify(token, secret=settings.secret, staff_token=settings.staff_token, now=settings.clock())
    except TokenExpired as error:
        raise ServiceError("token_expired", str(error)) from None
    except TokenInvalid as error:
        raise ServiceError("invalid_token", str(error)) from None


async def caller_of(request: Request) -> Caller:
    """The authenticated caller; missing_token, invalid_token or token_expired otherwise."""
    token = token_of(request)
    if token is None:
        raise ServiceError(
            "missing_token", "send `Authorization: Bearer TOKEN` (from `grade token --student ID`)"
        )
    return identify_token(request, token)


async def staff_of(request: Request) -> Caller:
    caller = await caller_of(request)
    if caller.role != "staff":
        raise ServiceError("staff_only", "this route is for course staff")
    return caller


def acting_student(caller: Caller, student: str | None) -> str:
    """The student a request is about: a student is always themselves; staff name one."""
    if caller.role == "student":
        assert caller.student is not None
        if student is not None and student != caller.student:
            raise ServiceError("not_yourself", "a student token reads and submits only as its own student")
        return caller.student
    if not student:
        raise ServiceError("invalid_request", "staff: name the student with ?student=ID")
    return student


# -- the body-size limit --------------------------------------------------------------------------


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse bodies over `limit` bytes with 413 body_too_large, by Content-Length or as they stream."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        error = ServiceError("body_too_large", f"the request body is over {self.limit} bytes")
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = int(value) > self.limit
                except ValueError:
                    too_large = False
                if too_large:
                    await error_response(error)(scope, receive, send)
                    return
        received = 0
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # once the body went over the limit, whatever the app answers is replaced by the 413
            if not exceeded:
                await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if exceeded:
            await error_response(error)(scope, receive, send)


# -- the application ------------------------------------------------------------------------------


def _validation_error(exc: RequestValidationError) -> ServiceError:
    errors: list[Any] = list(exc.errors())
    first = errors[0] if errors else {}
    kind = first.get("type", "")
    location = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    if kind == "json_invalid":
        return ServiceError("malformed_json", "the request body is not valid JSON")
    if tuple(first.get("loc", ())) == ("body",):
        return ServiceError(
            "invalid_request", 'the body must be a JSON object like {"answer": "[1, -1, 0]"}'
        )
    for error in errors:  # a union reports each member: any "too long" of the answer decides
        if error.get("type") in ("string_too_long", "too_long") and "answer" in error.get("loc", ()):
            return ServiceError("answer_too_long", f"answer: {error.get('msg', 'too long')}")
    message = first.get("msg", "does not match the schema")
    return ServiceError("invalid_request", f"{location}: {message}" if location else message)


def create_app(settings: ServiceSettings) -> FastAPI:
    """The service for these problems and this database."""
    from grader.service.routes import api, pages, xqueue

    app = FastAPI(
        title="grader: the answer-checking service",
        version=__version__,
        description="Submit answers to the course's problems and read feedback. Errors are "
        '`{"error": {"code", "message"}}` with a stable code (see docs/service.md).',
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.checker = Checker(settings.problems, settings.storage, settings.limits)

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(DatabaseUnavailable)
    async def _database(_request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return error_response(_unavailable(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(_validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return error_response(ServiceError("method_not_allowed", "this path does not take that method"))
        if exc.status_code == 404:
            return error_response(ServiceError("not_found", "no such path; the API is described at /docs"))
        if exc.status_code == 400:  # FastAPI: the body could not be read as the declared type
            message = f"the request body could not be read: {exc.detail}"
            return error_response(ServiceError("malformed_json", message))
        log.error("unexpected HTTP error %s: %s", exc.status_code, exc.detail)
        return error_response(ServiceError("internal_error", "internal error"))

    @app.exception_handler(Exception)
    async def _bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)
        return error_response(ServiceError("internal_error", "internal error (logged on the server)"))

    app.include_router(api.router)
    app.include_router(xqueue.router)
    app.include_router(pages.router)
    pages.mount_static(app)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    return app
