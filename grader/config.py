"""Where a command finds its database: `--db`, `--db-url-file` or $GRADER_DATABASE_URL.

Free of the server's dependencies, so that `grade SUBMISSIONS` reads its options in the core
install; `grader.auth` re-exports it for the service's callers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from grader.errors import UsageError

__all__ = ["DATABASE_URL_ENV", "read_database_url"]

#: The database URL (it may carry a password), when `--db` is not given.
DATABASE_URL_ENV = "GRADER_DATABASE_URL"


def read_database_url(
    given: str | None, file: Path | None, default: str, environ: Mapping[str, str] | None = None
) -> str:
    """The database: `--db` as given, else the first line of `--db-url-file`, else
    $GRADER_DATABASE_URL, else `default`."""
    if given is not None and file is not None:
        raise UsageError("--db and --db-url-file: give one of them")
    if given is not None:
        return given
    if file is not None:
        try:
            value = file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise UsageError(f"--db-url-file {file}: cannot read: {reason}") from None
        if not value:
            raise UsageError(f"--db-url-file {file}: empty")
        return value
    value = (os.environ if environ is None else environ).get(DATABASE_URL_ENV, "").strip()
    return value or default
