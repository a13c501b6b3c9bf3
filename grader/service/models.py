"""What the API sends and receives: frozen models, which also make the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from grader.parse.errors import MAX_ANSWER_CHARS

__all__ = [
    "MAX_ANSWER_ITEMS",
    "AnswerValue",
    "AnswerBody",
    "ChoiceView",
    "ProblemSummary",
    "ProblemView",
    "SubmissionOutcome",
    "SubmissionRecord",
    "KeyView",
    "ErrorBody",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


#: How long a list answer may be: no LSTM homework has this many time steps.
MAX_ANSWER_ITEMS = 1000

#: What a student may type: text as on the page, or JSON (a list of numbers, of lists, of ids).
AnswerValue = Union[
    Annotated[str, Field(max_length=MAX_ANSWER_CHARS)],
    Annotated[list[Union[float, str, list[float]]], Field(max_length=MAX_ANSWER_ITEMS)],
]


class AnswerBody(_Model):
    """POST /api/problems/{id}/submissions."""

    answer: AnswerValue = Field(
        description='`"[1, 0, -1]"` as text or `[1, 0, -1]` as JSON; `"a, c"` or `["a", "c"]`'
    )


class ChoiceView(_Model):
    """A choice as students see it: no `correct`, no `property`."""

    id: str
    text: str


class ProblemSummary(_Model):
    """A problem in the list: what it asks, not its answer."""

    id: str
    title: str
    points: float
    statement: str
    due: datetime | None
    max_attempts: int | None


class ProblemView(_Model):
    """One problem as the caller sees it: their own variant, attempts, due date, and what is revealed."""

    id: str
    title: str
    points: float
    statement: str
    student: str
    inputs: list[Any] | None
    answer_kind: Literal["sequence", "outputs", "gradient", "choice"]
    multiple: bool
    choices: list[ChoiceView] | None
    due: datetime | None
    late_policy: str
    accepting: bool
    max_attempts: int | None
    attempts_used: int
    attempts_left: int | None
    reveal: str
    #: The canonical answer, only once the reveal policy reaches `solution`.
    solution: str | None
    #: The engine's worked solution (every gate, every step) as a text table, at `solution` too.
    worked_solution: str | None


class SubmissionOutcome(_Model):
    """The answer to a submission."""

    #: None for an unreadable answer past the cap on stored ones: checked, not stored.
    id: int | None
    problem: str
    student: str
    submitted_at: datetime
    status: str
    score: float
    max_score: float
    feedback: str
    counted: bool
    attempts_used: int
    max_attempts: int | None
    attempts_left: int | None
    days_late: int
    reveal: str
    solution: str | None


class SubmissionRecord(_Model):
    """A stored submission, as staff (or its own student) read it."""

    id: int
    student: str
    problem: str
    submitted_at: datetime
    source: str
    raw: str
    parsed: Any
    status: str
    score: float
    max_score: float
    feedback: str
    counted: bool
    attempt: int | None
    days_late: int


class KeyView(_Model):
    """Staff only: the canonical answer of a problem (of one student's variant)."""

    problem: str
    student: str | None
    inputs: list[Any] | None
    key: Any
    text: str


class _ErrorDetail(_Model):
    code: str
    message: str


class ErrorBody(_Model):
    """Every error: a stable code (see docs/service.md) and a sentence for people."""

    error: _ErrorDetail

