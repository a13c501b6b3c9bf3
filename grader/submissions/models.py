"""A student's submission as read from any input format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Attempt", "Submission"]


@dataclass(frozen=True)
class Attempt:
    """One answer to one problem, as typed, with when it was submitted (if known)."""

    answer: Any
    submitted_at: datetime | None = None
    #: Where it came from, for messages: file and 1-based line.
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Submission:
    """Everything one student submitted: attempts per problem id, in submission order."""

    student: str
    attempts: dict[str, list[Attempt]] = field(default_factory=dict)
    source: str | None = None
    #: True for a whole-student file (a second one for the same student is an error); False for
    #: a row of a JSONL or CSV export, where a student's attempts may span many rows.
    whole: bool = True
