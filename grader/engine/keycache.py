"""A course's graded-answer table kept between runs: what `grading.columnar` reads instead of
loading the specs, importing numpy and computing keys, when nothing it depends on has changed.

Where: `$GRADER_CACHE_DIR`, else `$XDG_CACHE_HOME/grader`, else `~/.cache/grader`; one file per
problems path (`columnar-<hash of the path>.marshal`). `GRADER_CACHE_DIR=off` turns it off.

A table is used only when its fingerprint matches: SHA-256 of every file under the problems path
(names and bytes: the specs, course.yaml and its salt; for a spec file given on its own, it and
the course.yaml beside it), of this package's source files (names,
sizes, modification times: a changed grader may grade differently) and of the Python version
(marshal's format). Anything else is a miss, and a changed course overwrites the file. Writes go
to a private temporary file that replaces the old one (`os.replace`), so concurrent runs each
read a whole table (an old or a new one) and the last writer wins; a table that cannot be read
is a miss, one that cannot be written is skipped: the cache costs time, never a grade.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["cache_directory", "fingerprint", "load_table", "save_table"]

#: The course settings beside a spec file given on its own (`spec.loader.COURSE_FILE`, whose
#: module loads the models: this one must not).
COURSE_FILE = "course.yaml"
#: The format of a table; a new layout needs a new number.
TABLE_VERSION = 2
_PACKAGE = Path(__file__).resolve().parent.parent


def cache_directory() -> Path | None:
    """Where tables are kept (None: caching turned off with GRADER_CACHE_DIR=off)."""
    chosen = os.environ.get("GRADER_CACHE_DIR")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grader"


def fingerprint(problems: Path) -> str:
    """What a table for `problems` depends on, hashed: the specs' bytes, the grader, Python."""
    digest = hashlib.sha256(f"v{TABLE_VERSION}\0{sys.version}\0".encode())
    for source in sorted(_PACKAGE.rglob("*.py")):
        status = source.stat()
        digest.update(f"{source.relative_to(_PACKAGE)}\0{status.st_size}\0{status.st_mtime_ns}\0".encode())
    if problems.is_file():  # a spec given on its own is graded with the course.yaml beside it
        base = problems.parent
        files = [path for path in (problems, base / COURSE_FILE) if path.is_file()]
    else:
        base = problems
        files = sorted(path for path in problems.rglob("*") if path.is_file())
    for spec in files:
        digest.update(f"{spec.relative_to(base)}\0".encode())
        digest.update(hashlib.sha256(spec.read_bytes()).digest())
    return digest.hexdigest()


def _table_path(directory: Path, problems: Path) -> Path:
    name = hashlib.sha256(str(problems.resolve()).encode()).hexdigest()[:32]
    return directory / f"columnar-{name}.marshal"


def load_table(problems: Path, print_: str) -> dict[str, Any] | None:
    """The table kept for `problems` when its fingerprint is `print_`, else None."""
    directory = cache_directory()
    if directory is None:
        return None
    try:
        table = marshal.loads(_table_path(directory, problems).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if type(table) is not dict or table.get("fingerprint") != print_:
        return None
    return table


def save_table(problems: Path, table: dict[str, Any]) -> None:
    """Keep `table` (with its "fingerprint") for `problems`, atomically; silently not when unwritable."""
    directory = cache_directory()
    if directory is None:
        return
    import tempfile  # only when a table is written: a warm run reads one

    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".columnar-", dir=directory)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(marshal.dumps(table))
            os.replace(temporary, _table_path(directory, problems))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return
