"""The routes' dependencies: the checker, the request's time, the caller, and their `Annotated` aliases.

The routers import these; nothing here imports the app, so `app.py` can import its routers at the top.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from grader.auth import Caller, TokenExpired, TokenInvalid, identify
from grader.lti.tool import Tool
from grader.service.checking import Checker
from grader.service.errors import ServiceError
from grader.service.settings import ServiceSettings

__all__ = [
    "TOKEN_COOKIE",
    "CallerDep",
    "CheckerDep",
    "NowDep",
    "StaffDep",
    "acting_student",
    "caller_of",
    "checker_of",
    "identify_token",
    "lti_tool",
    "now_of",
    "request_checker",
    "request_time",
    "settings_of",
    "staff_of",
    "token_of",
]

#: The answer page keeps the student's token in this cookie (HttpOnly, SameSite=Strict).
TOKEN_COOKIE = "grader_token"


def settings_of(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


def request_checker(request: Request) -> Checker:
    checker: Checker = request.app.state.checker
    return checker


def request_time(request: Request) -> datetime:
    """The time from the settings' clock (read once per request by `now_of`)."""
    return settings_of(request).clock()


# Each dependency is cheap and never blocks, so it is `async`: FastAPI would run a plain `def`
# dependency in the thread pool, one thread hop per dependency per request.


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
    settings = settings_of(request)
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


def lti_tool(request: Request) -> Tool:
    """The LTI tool of this process; lti_not_configured when the server has no key file for it."""
    tool: Tool | None = request.app.state.lti
    if tool is None:
        raise ServiceError(
            "lti_not_configured", "LTI is off: start the server with --lti-keys FILE (see docs/lti.md)"
        )
    return tool


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


CheckerDep = Annotated[Checker, Depends(checker_of)]
CallerDep = Annotated[Caller, Depends(caller_of)]
StaffDep = Annotated[Caller, Depends(staff_of)]
NowDep = Annotated[datetime, Depends(now_of)]
