"""The service's errors: one class, a stable code per kind, the HTTP status and meaning in ERROR_CODES.

Also how they are answered: `error_response`, the OpenAPI `responses` of a route
(`error_responses`) and the app's exception handlers (`install_error_handlers`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from grader.errors import GraderError
from grader.service.models import ErrorBody
from grader.storage import DatabaseUnavailable, is_unavailable
from grader.storage.engines import PoolTimeout

__all__ = [
    "ERROR_CODES",
    "RETRY_AFTER_SECONDS",
    "ServiceError",
    "error_response",
    "error_responses",
    "install_error_handlers",
]

log = logging.getLogger("grader.service")

#: Seconds a client should wait before retrying when the database is unavailable.
RETRY_AFTER_SECONDS = 2

#: code → (HTTP status, when it happens). Clients match on the code; it never changes meaning.
#: docs/service.md lists this table; a test checks every code is documented.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "malformed_json": (400, "the request body is not valid JSON"),
    "invalid_request": (422, "the body or a query parameter does not match the API schema"),
    "answer_too_long": (422, "the answer is longer than the limit (10,000 characters)"),
    "unknown_format": (422, "a gradebook format that does not exist"),
    "body_too_large": (413, "the request body is over the size limit (64 KiB)"),
    "missing_token": (401, "no token: send `Authorization: Bearer TOKEN` (or sign in on the page)"),
    "invalid_token": (401, "a token this server did not sign: forged, altered, or from another secret"),
    "token_expired": (401, "a genuine student token past its expiry: ask staff for a new one"),
    "staff_only": (403, "a staff route called with a student token"),
    "not_yourself": (403, "a student asked to act as or read another student"),
    "cross_site": (403, "a form posted from another site"),
    "past_due": (403, "submitted after the due date of a problem whose late policy is `reject`"),
    "unknown_problem": (404, "no problem with that id"),
    "not_found": (404, "no such path"),
    "method_not_allowed": (405, "the path exists but not with that method"),
    "no_attempts_left": (409, "every allowed attempt is used (invalid answers use none)"),
    "delivery_conflict": (409, "an XQueue submission_id already answered for another learner or problem"),
    "rate_limited": (429, "too many submissions in the rate limit's window; retry after Retry-After seconds"),
    "lti_not_configured": (404, "an LTI route on a server started without the tool's key file"),
    "lti_bad_state": (400, "an LTI launch whose state does not match this browser's login cookie"),
    "lti_unknown_platform": (400, "an LTI login or launch from an unknown issuer, client id or deployment"),
    "lti_invalid_token": (
        401,
        "an LTI id_token that does not verify: signature, kid, alg, aud, azp, exp, iat, nonce or version",
    ),
    "lti_nonce_replayed": (401, "an LTI launch sent again (its nonce was used before)"),
    "lti_unsupported_message": (400, "an LTI message type the tool does not handle"),
    "lti_platform_unavailable": (502, "the platform's public keys could not be fetched"),
    "database_unavailable": (503, "the database did not answer; retry after the Retry-After seconds"),
    "internal_error": (500, "a bug: reported to the server log; never expected"),
}


class ServiceError(GraderError):
    """An error the service answers with `{"error": {"code", "message"}}` and the code's status."""

    def __init__(self, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unregistered error code {code!r}")
        self.code = code
        self.message = message
        self.headers = headers or {}
        super().__init__(message)

    @property
    def status(self) -> int:
        return ERROR_CODES[self.code][0]

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


def error_response(error: ServiceError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers or None)


def error_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error codes (grouped by status)."""
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        status, meaning = ERROR_CODES[code]
        entry = responses.setdefault(status, {"model": ErrorBody, "description": ""})
        entry["description"] = "; ".join(filter(None, [entry["description"], f"`{code}`: {meaning}"]))
    return responses


def _unavailable(error: DatabaseUnavailable) -> ServiceError:
    log.warning("database unavailable: %s", error)
    return ServiceError(
        "database_unavailable",
        "the database is not answering; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


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


def _http_error(exc: StarletteHTTPException) -> ServiceError:
    if exc.status_code == 405:
        return ServiceError("method_not_allowed", "this path does not take that method")
    if exc.status_code == 404:
        return ServiceError("not_found", "no such path; the API is described at /docs")
    if exc.status_code == 400:  # FastAPI: the body could not be read as the declared type
        return ServiceError("malformed_json", f"the request body could not be read: {exc.detail}")
    log.error("unexpected HTTP error %s: %s", exc.status_code, exc.detail)
    return ServiceError("internal_error", "internal error")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as `{"error": {"code", "message"}}`; anything unexpected is logged as a bug."""

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(DatabaseUnavailable)
    async def _database(_request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return error_response(_unavailable(exc))

    # A driver's error raised outside Storage (the LTI tool's own tables, say) is the same outage
    # Storage reports as DatabaseUnavailable: a 503 with Retry-After, not a bug's 500.
    @app.exception_handler(DBAPIError)
    async def _driver(_request: Request, exc: DBAPIError) -> JSONResponse:
        if not is_unavailable(exc):
            raise exc  # a statement that is wrong: InternalErrors logs it and answers 500
        return error_response(_unavailable(DatabaseUnavailable(str(exc.orig or exc).splitlines()[0])))

    @app.exception_handler(PoolTimeout)
    async def _no_connection(_request: Request, exc: PoolTimeout) -> JSONResponse:
        return error_response(_unavailable(DatabaseUnavailable(f"no free connection: {exc}")))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(_validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(_http_error(exc))

    # an unexpected exception is answered by middleware.InternalErrors, inside the security headers
