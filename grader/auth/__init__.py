"""Who may do what: the staff token, and per-student tokens signed with the server's secret."""

from grader.auth.credentials import (
    DATABASE_URL_ENV,
    SECRET_ENV,
    STAFF_TOKEN_ENV,
    read_database_url,
    read_secret,
    read_staff_token,
    secret_warnings,
)
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
    "DATABASE_URL_ENV",
    "SECRET_ENV",
    "STAFF_TOKEN_ENV",
    "Caller",
    "TokenError",
    "TokenExpired",
    "TokenInvalid",
    "identify",
    "issue_student_token",
    "read_database_url",
    "read_secret",
    "read_staff_token",
    "secret_warnings",
    "verify_student_token",
]
