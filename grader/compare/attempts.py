"""Which of a student's attempts at a problem count, one attempt at a time (so input can stream).

The rules, applied in submission order:
- an `invalid` answer uses no attempt (as in edX and PrairieLearn); it is shown only when the
  student has no valid attempt;
- an attempt after `due` under `late: reject` is not accepted: it uses no attempt and is noted;
- a valid attempt beyond `max_attempts` is ignored and noted;
- under `late: penalty` the attempt's score is multiplied by the factor of `policy.lateness`;
- `counts: last` keeps the last accepted attempt, `counts: best` the highest score (the earliest
  of equal scores).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime

from grader.compare.policy import lateness
from grader.compare.results import ProblemResult, Status
from grader.spec.models import Problem

__all__ = ["Counted", "AttemptTally"]


@dataclass(frozen=True)
class Counted:
    """The attempt that counts so far: its graded result, late factor and answer identity (for
    re-grading at the final reveal level)."""

    result: ProblemResult
    factor: float
    answer: Hashable  # the answer's identity (`grading.answer_identity`)

    @property
    def score(self) -> float:
        return self.result.score * self.factor


@dataclass
class AttemptTally:
    """One student's attempts at one problem, folded as they arrive: O(1) memory per pair."""

    used: int = 0
    counted: Counted | None = None
    invalid: ProblemResult | None = None
    notes: list[str] = field(default_factory=list)
    seen: int = 0

    def record(
        self,
        problem: Problem,
        result: ProblemResult,
        answer: Hashable,
        submitted_at: datetime | None = None,
    ) -> None:
        """Fold in one graded attempt (`result` as `grade_answer` returned it)."""
        self.seen += 1
        if result.status is Status.INVALID:
            if self.invalid is None or self.counted is None:
                self.invalid = result
            return
        late = lateness(problem, submitted_at)
        if not late.accepted:
            assert problem.due is not None and submitted_at is not None
            self.notes.append(
                f"attempt {self.seen} at {submitted_at.isoformat()} not accepted: "
                f"{late.days_late} day(s) after the due date {problem.due.isoformat()}"
            )
            return
        if problem.max_attempts is not None and self.used >= problem.max_attempts:
            self.notes.append(
                f"attempt {self.seen} ignored: only {problem.max_attempts} attempt(s) allowed"
            )
            return
        self.used += 1
        if late.late:
            consequence = f"score × {late.factor:g}" if late.factor < 1.0 else "accepted"
            self.notes.append(f"attempt {self.seen} was {late.days_late} day(s) late: {consequence}")
        candidate = Counted(result, late.factor, answer)
        if (
            self.counted is None
            or problem.counts == "last"
            or candidate.score > self.counted.score
        ):
            self.counted = candidate
