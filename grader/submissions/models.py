"""A student's submission as read from any input format.

Both are named tuples rather than frozen dataclasses: a class-wide export creates one Submission
and a few Attempts per line, and a tuple is built much faster (docs/course-operations.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

__all__ = ["Attempt", "Submission", "SubmissionBlock"]


class Attempt(NamedTuple):
    """One answer to one problem, as typed, with when it was submitted (if known)."""

    answer: Any
    submitted_at: datetime | None = None
    #: Where it came from, for messages: file and 1-based line.
    file: str | None = None
    line: int | None = None


class Submission(NamedTuple):
    """What one student submitted, or one row of it: attempts per problem id, in submission order."""

    student: str
    attempts: dict[str, list[Attempt]]
    source: str | None = None
    #: True for a whole-student file (a second one for the same student is an error); False for
    #: a row of a JSONL or CSV export, where a student's attempts may span many rows.
    whole: bool = True


class SubmissionBlock(NamedTuple):
    """Consecutive lines of a class-wide export in its most common form, kept as parsed.

    Each line is `{"student": ..., "answers": {problem id: answer}}` with a valid student id and
    one untimed answer per problem (no attempt lists): what `Submission(student, {problem:
    [Attempt(answer, None, file, line)]}, file, whole=False)` would hold, without building those
    objects for every line (`grading.ClassGrader` grades a block column by column).
    """

    file: str
    lines: list[int]
    students: list[str]
    answers: list[dict[str, Any]]

    @property
    def size(self) -> int:
        """How many lines (submissions) the block holds."""
        return len(self.students)

