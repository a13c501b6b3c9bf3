"""Submission input formats, picked by what the path is; adding one is one entry in READERS."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Literal, overload

from grader.errors import SubmissionError, UsageError
from grader.submissions.blocks import read_jsonl_blocks
from grader.submissions.csv_blocks import read_csv_blocks
from grader.submissions.files import (
    SUBMISSION_SUFFIXES,
    read_submission_directory,
    read_submission_file,
)
from grader.submissions.models import Submission, SubmissionBlock
from grader.submissions.rows import read_csv, read_jsonl

__all__ = ["BLOCK_READERS", "READERS", "read_submissions"]

Reader = Callable[[Path], Iterator[Submission | SubmissionError]]
#: (path, the class's problem ids) → blocks of common lines, the others one by one.
BlockReader = Callable[[Path, Collection[str]], Iterator[SubmissionBlock | Submission | SubmissionError]]


def _single_file(path: Path) -> Iterator[Submission | SubmissionError]:
    try:
        yield read_submission_file(path)
    except SubmissionError as error:
        yield error


#: file suffix (or "directory") → reader yielding submissions and, in place, unreadable items.
READERS: dict[str, Reader] = {
    "directory": read_submission_directory,
    **{suffix: _single_file for suffix in SUBMISSION_SUFFIXES},
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    # student,problem,answer[,submitted_at], or an Open edX problem response report (by header)
    ".csv": read_csv,
}


def _jsonl_blocks(
    path: Path, _problem_ids: Collection[str]
) -> Iterator[SubmissionBlock | Submission | SubmissionError]:
    return read_jsonl_blocks(path)


#: Formats that can also be read in blocks of parsed lines (`ClassGrader` grades those faster).
BLOCK_READERS: dict[str, BlockReader] = {
    ".jsonl": _jsonl_blocks,
    ".ndjson": _jsonl_blocks,
    ".csv": read_csv_blocks,
}


@overload
def read_submissions(
    path: Path, *, blocks: Literal[False] = False, problem_ids: Collection[str] = ()
) -> Iterator[Submission | SubmissionError]: ...


@overload
def read_submissions(
    path: Path, *, blocks: bool, problem_ids: Collection[str] = ()
) -> Iterator[SubmissionBlock | Submission | SubmissionError]: ...


def read_submissions(
    path: Path, *, blocks: bool = False, problem_ids: Collection[str] = ()
) -> Iterator[SubmissionBlock | Submission | SubmissionError]:
    """Submissions from a directory of per-student files or a file in a known format.

    With `blocks`, formats in BLOCK_READERS yield runs of common lines as SubmissionBlocks
    (for `ClassGrader.add`); without, every item is a Submission or a SubmissionError.
    `problem_ids`: the ids of the class's problems, with which a CSV export's block gathers a
    student's consecutive rows into one entry (`csv_blocks`); the grades are the same without.
    """
    if path.is_dir():
        return READERS["directory"](path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    if blocks and suffix in BLOCK_READERS:
        return BLOCK_READERS[suffix](path, problem_ids)
    reader = READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(k for k in READERS if k != "directory"))
        raise UsageError(
            f"{path}: unknown submission format {path.suffix!r}; expected a directory or {known}"
        )
    return reader(path)
