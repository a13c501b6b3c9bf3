"""ASGI middleware: the request-body limit, the answer to a bug, and the security headers every
response carries."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.errors import UsageError
from grader.service.errors import ServiceError, error_response

__all__ = [
    "DEFAULT_FRAME_ANCESTORS",
    "BodySizeLimit",
    "InternalErrors",
    "SecurityHeaders",
    "content_security_policy",
    "check_frame_ancestors",
]


log = logging.getLogger("grader.service")


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


# -- security headers -----------------------------------------------------------------------------

#: Who may show the pages in a frame unless `grade serve --frame-ancestors` says otherwise.
DEFAULT_FRAME_ANCESTORS = ("'self'",)

#: A CSP source an LMS is named by: 'self', 'none', a scheme (https:) or an origin with an optional
#: `*.` in the host and an optional port (https://lms.example.edu, https://*.instructure.com:443).
_ANCESTOR = re.compile(
    r"'self'|'none'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?",
    re.IGNORECASE,
)

#: Swagger UI at /docs loads its script and style from this CDN (FastAPI's default); every other
#: page loads nothing from anywhere but this server.
_DOCS_CDN = "https://cdn.jsdelivr.net"


def check_frame_ancestors(sources: Iterable[str]) -> tuple[str, ...]:
    """The `frame-ancestors` sources, checked; UsageError naming the first that is not one."""
    checked = tuple(sources)
    for source in checked:
        if not _ANCESTOR.fullmatch(source):
            raise UsageError(
                f"--frame-ancestors: {source!r} is not a CSP source; expected 'self', 'none', "
                "a scheme like https: or an origin like https://lms.example.edu"
            )
    if not checked or ("'none'" in checked and len(checked) > 1):
        raise UsageError("--frame-ancestors: 'none' alone, or one or more other sources")
    return checked


def content_security_policy(
    ancestors: Iterable[str], *, docs: bool = False, form_action: Iterable[str] = ()
) -> str:
    """The Content-Security-Policy: scripts, styles and images from this server only, no inline script.

    `docs` is the policy of the Swagger UI page, which also loads from its CDN; `form_action`, the
    origins besides this server a page's form may post to (an LTI deep-linking response goes back
    to the platform).
    """
    cdn = f" {_DOCS_CDN}" if docs else ""
    targets = "".join(f" {origin}" for origin in check_frame_ancestors(form_action)) if form_action else ""
    framing = " ".join(check_frame_ancestors(ancestors))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self'{cdn}",
            f"style-src 'self'{cdn}",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action 'self'{targets}",
            f"frame-ancestors {framing}",
        ]
    )


class InternalErrors:
    """Answer an unexpected exception with 500 internal_error (logged) inside the other middleware.

    Starlette's own handler of last resort sits outside every added middleware, so its answer would
    carry none of the security headers; this one answers before the headers are added.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception:
            log.exception("internal error")
            if started:  # half an answer was sent: nothing sound can follow it
                raise
            bug = ServiceError("internal_error", "internal error (logged on the server)")
            await error_response(bug)(scope, receive, send)


class SecurityHeaders:
    """Add the CSP, nosniff, a referrer policy and, except on static files, `Cache-Control: no-store`.

    Pages and API answers can carry a student's answer, feedback or a revealed solution: no
    browser or proxy cache may keep them. Static files hold none and may be cached.

    `more_ancestors` (the LTI platforms registered, which frame launched pages) is asked on each
    response and must not block; a response that sets its own CSP keeps it (only the LTI
    deep-linking response does, to post back to the platform).
    """

    def __init__(
        self,
        app: ASGIApp,
        frame_ancestors: Iterable[str] = DEFAULT_FRAME_ANCESTORS,
        more_ancestors: Callable[[], tuple[str, ...]] | None = None,
    ) -> None:
        self.app = app
        self.sources = tuple(frame_ancestors)
        self.more_ancestors = more_ancestors
        self._policies: dict[tuple[str, ...], tuple[str, str]] = {}
        self._policies_of(self.sources)

    def _policies_of(self, sources: tuple[str, ...]) -> tuple[str, str]:
        policies = self._policies.get(sources)
        if policies is None:
            if len(self._policies) > 64:  # a memo of the few sets of platforms seen
                self._policies.clear()
            policies = (content_security_policy(sources), content_security_policy(sources, docs=True))
            self._policies[sources] = policies
        return policies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        more = self.more_ancestors() if self.more_ancestors is not None else ()
        sources = self.sources if not more or self.sources == ("'none'",) else (*self.sources, *more)
        page_policy, docs_policy = self._policies_of(sources)
        policy = docs_policy if path == "/docs" else page_policy
        cacheable = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = policy
                headers["X-Content-Type-Options"] = "nosniff"
                # not no-referrer: Chromium would then send `Origin: null` with the answer form, which
                # the cross-site check refuses
                headers["Referrer-Policy"] = "same-origin"
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
