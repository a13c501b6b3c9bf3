"""Who may do what: the staff token, and per-student tokens signed with the server's secret."""

from grader.auth.credentials import SECRET_ENV, STAFF_TOKEN_ENV, read_secret, read_staff_token
from grader.auth.tokens import (
    Caller,
    TokenError,
    TokenExpired,
    TokenInvalid,
    identify,
    issue_student_token,
    verify_student_token,
)

__all__ = [
    "SECRET_ENV",
    "STAFF_TOKEN_ENV",
    "Caller",
    "TokenError",
    "TokenExpired",
    "TokenInvalid",
    "identify",
    "issue_student_token",
    "read_secret",
    "read_staff_token",
    "verify_student_token",
]
