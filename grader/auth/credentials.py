"""Reading the staff token, the signing secret and the database URL: from an environment variable
or a file, never from the command line (where `ps` shows it to every user), and for the secrets
never a default. Secrets that others can read or guess are warned about."""

from __future__ import annotations

import hmac
import math
import os
import stat
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from grader.config import DATABASE_URL_ENV, read_database_url
from grader.errors import UsageError

__all__ = [
    "DATABASE_URL_ENV",
    "MIN_BITS",
    "MIN_LENGTH",
    "SECRET_ENV",
    "STAFF_TOKEN_ENV",
    "estimated_bits",
    "read_database_url",
    "read_secret",
    "read_staff_token",
    "secret_warnings",
]

#: The key student tokens are signed with; every server process of a course shares it.
SECRET_ENV = "GRADER_SECRET"
#: The bearer token of course staff.
STAFF_TOKEN_ENV = "GRADER_STAFF_TOKEN"
#: Shorter values are refused: a guessable secret is no secret.
MIN_LENGTH = 16
#: Below this estimate a secret is warned about: `secrets.token_urlsafe(32)` scores about 200.
MIN_BITS = 64


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


def estimated_bits(value: str) -> float:
    """A rough upper bound of a secret's entropy: its length times the entropy of its characters'
    frequencies. `aaaa…` scores 0, a word repeated little; it cannot see a well-known phrase."""
    if not value:
        return 0.0
    counts = Counter(value)
    per_character = sum(n / len(value) * math.log2(len(value) / n) for n in counts.values())
    return per_character * len(value)


def _readable_by_others(file: Path) -> str | None:
    try:
        mode = stat.S_IMODE(file.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return f"readable by other users (mode {mode:04o}): chmod 600 {file}"
    return None


def secret_warnings(
    secret: str, staff_token: str, secret_file: Path | None = None, staff_token_file: Path | None = None
) -> list[str]:
    """What is weak about the secrets `grade serve` was given (files others may read, values
    that look guessable, one value used for both), as one line each; none refuses the start."""
    found: list[str] = []
    for option, file, env, value in (
        ("--secret-file", secret_file, SECRET_ENV, secret),
        ("--staff-token-file", staff_token_file, STAFF_TOKEN_ENV, staff_token),
    ):
        where = env if file is None else f"{option} {file}"
        if file is not None and (readable := _readable_by_others(file)):
            found.append(f"{where}: {readable}")
        if estimated_bits(value) < MIN_BITS:
            found.append(
                f"{where}: looks guessable (about {estimated_bits(value):.0f} bits by its characters; "
                "make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
    if hmac.compare_digest(secret.encode(), staff_token.encode()):
        found.append(
            f"{SECRET_ENV} and {STAFF_TOKEN_ENV} are the same value: whoever holds the staff token "
            "can sign any student's token; use two different values"
        )
    return found
