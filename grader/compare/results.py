"""What grading produces: a status, score and feedback per (student, problem), and the report."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict

__all__ = ["Status", "ProblemResult", "StudentReport", "InputIssue", "Report"]


class Status(str, Enum):
    """The outcome of one (student, problem)."""

    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    INVALID = "invalid"  # not a well-formed answer: uses no attempt, never "incorrect"
    MISSING = "missing"  # nothing submitted


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProblemResult(_Result):
    """One student's result on one problem."""

    problem: str
    status: Status
    score: float
    max_score: float
    feedback: str
    #: Attempts that counted against `max_attempts` (invalid ones do not).
    attempts_used: int = 0
    max_attempts: int | None = None
    #: Notes for staff about this result (ignored or late attempts); never shown as feedback.
    notes: list[str] = []


class StudentReport(_Result):
    """One student's results on every problem, in the problem set's order."""

    student: str
    score: float
    max_score: float
    results: list[ProblemResult]


class InputIssue(_Result):
    """A submission file or row that could not be read (the rest was still graded)."""

    file: str
    line: int | None = None
    field: str | None = None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class Report(_Result):
    """A graded class: the JSON report's shape."""

    problems: list[str]
    students: list[StudentReport]
    errors: list[InputIssue] = []
    #: Problem id → the content hash of the spec that graded it (`ProblemSet.content_hash`):
    #: what `grade regrade --previous` compares with the specs it regrades with.
    specs: dict[str, str] = {}
