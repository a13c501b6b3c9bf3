"""Student tokens: `{student, expires}` signed with HMAC-SHA256 (itsdangerous), so no password table.

Expiry is checked against the `now` the caller passes in, never the clock.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer

from grader.errors import GraderError

__all__ = [
    "TOKEN_PREFIX",
    "Caller",
    "TokenError",
    "TokenExpired",
    "TokenInvalid",
    "identify",
    "issue_student_token",
    "verify_student_token",
]

#: Distinguishes student tokens from the staff token at a glance (and in logs).
TOKEN_PREFIX = "st."
_SALT = "grader.student-token.v1"


class TokenError(GraderError):
    """A token that does not let its bearer in."""


class TokenInvalid(TokenError):
    """Not a token this server signed (forged, altered, or signed with another secret)."""


class TokenExpired(TokenError):
    """A genuine student token past its expiry time."""


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: staff, or one student."""

    role: Literal["staff", "student"]
    student: str | None = None


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def issue_student_token(secret: str, student: str, *, now: datetime, valid_for: timedelta) -> str:
    """A token that lets its bearer act as `student` until now + valid_for."""
    expires = int((now + valid_for).timestamp())
    return TOKEN_PREFIX + str(_serializer(secret).dumps({"student": student, "expires": expires}))


def verify_student_token(secret: str, token: str, *, now: datetime) -> str:
    """The student a token names; TokenInvalid or TokenExpired otherwise."""
    if not token.startswith(TOKEN_PREFIX):
        raise TokenInvalid("not a student token")
    try:
        payload = _serializer(secret).loads(token[len(TOKEN_PREFIX):])
    except BadSignature:
        raise TokenInvalid(
            "the token's signature does not match (forged, altered or from another server)"
        ) from None
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("student"), str)
        and isinstance(payload.get("expires"), int)
    ):
        raise TokenInvalid("the token's contents are not a student token")
    expires = datetime.fromtimestamp(payload["expires"], tz=timezone.utc)
    if now >= expires:
        raise TokenExpired(f"the token expired at {expires.isoformat()}; ask course staff for a new one")
    student: str = payload["student"]
    return student


def identify(token: str, *, secret: str, staff_token: str, now: datetime) -> Caller:
    """Staff if the token is the staff token (compared in constant time), else the student it names."""
    if hmac.compare_digest(token.encode(), staff_token.encode()):
        return Caller("staff")
    return Caller("student", verify_student_token(secret, token, now=now))
