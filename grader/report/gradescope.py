"""Gradescope autograder results: one `results.json` per student, in Gradescope's documented schema.

    {"score": 2.0, "output": "...", "tests": [
        {"name": "LSTM states 1", "number": "lstm-states-1", "score": 1.0, "max_score": 1.0,
         "status": "passed", "output": "Correct.", "visibility": "visible"}, ...]}

written as DIR/<student>/results.json. The whole directory is built beside the target and swapped
into place in one step (Linux's renameat2 RENAME_EXCHANGE; elsewhere two renames, between which
DIR is briefly absent), so an interrupted run leaves the previous results (or none), never some
of each.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from grader.compare.results import ProblemResult, Report, Status, StudentReport
from grader.errors import UsageError
from grader.report.files import keep_mode, staging_beside, unwritable
from grader.spec.loader import ProblemSet

__all__ = ["RESULTS_FILE", "results_json", "student_directory", "write_gradescope"]

RESULTS_FILE = "results.json"


def _test(result: ProblemResult, title: str) -> dict[str, Any]:
    output = result.feedback
    if result.notes:
        output += "\n" + "\n".join(result.notes)
    return {
        "name": title,
        "number": result.problem,
        "score": result.score,
        "max_score": result.max_score,
        "status": "passed" if result.status is Status.CORRECT else "failed",
        "output": output,
        "visibility": "visible",
    }


def results_json(student: StudentReport, titles: dict[str, str] | None = None) -> dict[str, Any]:
    """One student's report as Gradescope's results.json data."""
    titles = titles or {}
    return {
        "score": student.score,
        "tests": [_test(result, titles.get(result.problem, result.problem)) for result in student.results],
    }


def student_directory(student: str) -> str:
    """A directory name for a student id that cannot escape DIR (`/`, `..`, a leading dot)."""
    name = quote(student, safe="@-_.+")
    return "%2E" + name[1:] if name.startswith(".") else name


def write_gradescope(report: Report, directory: Path, problems: ProblemSet | None = None) -> None:
    """Write DIR/<student>/results.json for every student, replacing DIR as a whole.

    A DIR that cannot be written (a file already there, a parent that is a file, a read-only
    parent) is a UsageError naming it, and nothing there changes.
    """
    if os.path.lexists(directory) and not directory.is_dir():  # a file, or a link to none
        raise UsageError(
            f"cannot write {directory}: it exists and is not a directory (gradescope output is a directory)"
        )
    titles = {p.id: p.title for p in problems} if problems is not None else {}
    parent = directory.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging, _ = staging_beside(parent / directory.name, directory=True)
    except OSError as error:
        raise unwritable(directory, error) from None
    try:
        for student in report.students:
            folder = staging / student_directory(student.student)
            folder.mkdir()
            data = orjson.dumps(results_json(student, titles), option=orjson.OPT_INDENT_2)
            (folder / RESULTS_FILE).write_bytes(data + b"\n")
        keep_mode(directory, staging)
        _swap_into_place(staging, directory)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise unwritable(directory, error) from None
        raise


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux renameat2 with RENAME_EXCHANGE, 3.15+).

    False where that is not available (another system, an older kernel or C library, or a
    filesystem that does not support it); an OSError for any other failure.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _swap_into_place(staging: Path, directory: Path) -> None:
    if not directory.exists():
        os.replace(staging, directory)
        return
    if exchange(staging, directory):  # one step: the old directory or the new, at every instant
        shutil.rmtree(staging, ignore_errors=True)  # which now holds the previous results
        return
    # no atomic exchange here (not Linux, or a filesystem without it): two renames, in between
    # which DIR is briefly absent (never half-written), the previous results kept until the end
    retired = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".old", dir=staging.parent))
    os.replace(directory, retired / "previous")
    try:
        os.replace(staging, directory)
    except BaseException:
        os.replace(retired / "previous", directory)
        raise
    shutil.rmtree(retired, ignore_errors=True)
