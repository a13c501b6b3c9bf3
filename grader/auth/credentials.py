"""Reading the staff token and the signing secret: from an environment variable or a file, never a default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from grader.errors import UsageError

__all__ = ["MIN_LENGTH", "SECRET_ENV", "STAFF_TOKEN_ENV", "read_secret", "read_staff_token"]

#: The key student tokens are signed with; every server process of a course shares it.
SECRET_ENV = "GRADER_SECRET"
#: The bearer token of course staff.
STAFF_TOKEN_ENV = "GRADER_STAFF_TOKEN"
#: Shorter values are refused: a guessable secret is no secret.
MIN_LENGTH = 16


def _read(name: str, option: str, file: Path | None, environ: Mapping[str, str]) -> str:
    if file is not None:
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise UsageError(f"{option} {file}: cannot read: {error.strerror}") from None
        where = f"{option} {file}"
    else:
        value = environ.get(name, "").strip()
        where = name
        if not value:
            raise UsageError(
                f"no {name}: set the environment variable {name} or pass {option} FILE "
                f"(at least {MIN_LENGTH} characters, e.g. from `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)"
            )
    if len(value) < MIN_LENGTH:
        raise UsageError(f"{where}: too short ({len(value)} characters; at least {MIN_LENGTH})")
    return value


def read_secret(file: Path | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The signing secret from `file`, else from $GRADER_SECRET."""
    return _read(SECRET_ENV, "--secret-file", file, os.environ if environ is None else environ)


def read_staff_token(file: Path | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The staff token from `file`, else from $GRADER_STAFF_TOKEN."""
    return _read(STAFF_TOKEN_ENV, "--staff-token-file", file, os.environ if environ is None else environ)
