"""A student's submission as read from any input format.

Both are named tuples rather than frozen dataclasses: a class-wide export creates one Submission
and a few Attempts per line, and a tuple is built in a third of the time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

__all__ = ["Attempt", "Submission"]


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
