"""The service's errors: one class, a stable code per kind, the HTTP status and meaning in ERROR_CODES."""

from __future__ import annotations

from grader.errors import GraderError

__all__ = ["ERROR_CODES", "ServiceError"]

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
