"""Which of a student's attempts at a problem count, in the order they were made.

Attempts arrive in input order, which need not be the order they were made: an export may list
the 10:00 attempt on line 2 and the 09:00 one on line 5. So a tally records them as they arrive
and folds them in time order when read:

- timed attempts are ordered by `submitted_at`; equal times keep their input order;
- an attempt without a time is taken to have been made right after the attempt before it in the
  input (before every timed attempt, if it comes first): untimed attempts keep their input order,
  and all-untimed input is folded exactly as given.

The rules, applied in that order:
- an `invalid` answer uses no attempt (as in edX and PrairieLearn); it is shown only when the
  student has no valid attempt;
- an attempt after `due` under `late: reject` is not accepted: it uses no attempt and is noted;
- a valid attempt beyond `max_attempts` is ignored and noted;
- under `late: penalty` the attempt's score is multiplied by the factor of `policy.lateness`;
- `counts: last` keeps the last accepted attempt, `counts: best` the highest score (the earliest
  of equal scores).

Notes number attempts in that order: "attempt 2" is the student's second attempt in time.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from grader.compare.policy import lateness
from grader.compare.results import ProblemResult, Status
from grader.spec.models import Problem

__all__ = ["Counted", "AttemptTally", "beyond_the_limit", "in_time_order"]

#: One recorded attempt: its graded result, its answer's identity and its time (if known).
_Recorded = tuple[ProblemResult, Hashable, "datetime | None"]


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
class _Fold:
    """The outcome of folding a student's attempts at a problem."""

    used: int = 0
    counted: Counted | None = None
    invalid: ProblemResult | None = None
    notes: list[str] = field(default_factory=list)


def in_time_order(times: Sequence[datetime | None]) -> list[int]:
    """Input positions in the order the attempts were made (the module's rule for untimed ones)."""
    keys: list[tuple[int, datetime | None, int]] = []
    previous: datetime | None = None  # the time of the attempt before, which an untimed one takes
    for position, at in enumerate(times):
        if at is not None:
            previous = at
        keys.append((0, None, position) if previous is None else (1, previous, position))
    # None is only ever compared with None (under the same leading 0), which tuples skip as equal
    return [key[2] for key in sorted(keys)]


def beyond_the_limit(number: int, max_attempts: int) -> str:
    """The note for a valid attempt ignored because `max_attempts` were used before it."""
    return f"attempt {number} ignored: only {max_attempts} attempt(s) allowed"


def _fold(problem: Problem, attempts: Sequence[_Recorded]) -> _Fold:
    """Apply the rules to attempts in the order they were made."""
    fold = _Fold()
    for number, (result, answer, submitted_at) in enumerate(attempts, start=1):
        if result.status is Status.INVALID:
            if fold.invalid is None or fold.counted is None:
                fold.invalid = result
            continue
        late = lateness(problem, submitted_at)
        if not late.accepted:
            assert problem.due is not None and submitted_at is not None
            fold.notes.append(
                f"attempt {number} at {submitted_at.isoformat()} not accepted: "
                f"{late.days_late} day(s) after the due date {problem.due.isoformat()}"
            )
            continue
        if problem.max_attempts is not None and fold.used >= problem.max_attempts:
            fold.notes.append(beyond_the_limit(number, problem.max_attempts))
            continue
        fold.used += 1
        if late.late:
            consequence = f"score × {late.factor:g}" if late.factor < 1.0 else "accepted"
            fold.notes.append(f"attempt {number} was {late.days_late} day(s) late: {consequence}")
        candidate = Counted(result, late.factor, answer)
        if fold.counted is None or problem.counts == "last" or candidate.score > fold.counted.score:
            fold.counted = candidate
    return fold


class AttemptTally:
    """One student's attempts at one problem: recorded as they arrive (in any order), folded in
    time order when `counted`, `used`, `invalid` or `notes` is read (and again after a new one)."""

    __slots__ = ("_attempts", "_fold", "_problem")

    def __init__(self) -> None:
        self._problem: Problem | None = None
        self._attempts: list[_Recorded] = []
        self._fold: _Fold | None = None

    def record(
        self,
        problem: Problem,
        result: ProblemResult,
        answer: Hashable,
        submitted_at: datetime | None = None,
    ) -> None:
        """Add one graded attempt (`result` as `grade_answer` returned it)."""
        self._problem = problem
        self._attempts.append((result, answer, submitted_at))
        self._fold = None

    def _folded(self) -> _Fold:
        if self._fold is None:
            if self._problem is None:
                self._fold = _Fold()
            else:
                attempts = self._attempts
                if any(at is not None for _, _, at in attempts):
                    attempts = [attempts[i] for i in in_time_order([at for _, _, at in attempts])]
                self._fold = _fold(self._problem, attempts)
        return self._fold

    @property
    def counted(self) -> Counted | None:
        """The attempt that counts (None: no valid, accepted attempt)."""
        return self._folded().counted

    @property
    def used(self) -> int:
        """Valid, accepted attempts within `max_attempts`."""
        return self._folded().used

    @property
    def invalid(self) -> ProblemResult | None:
        """An invalid answer, shown when no attempt counts (then the student's last one)."""
        return self._folded().invalid

    @property
    def notes(self) -> list[str]:
        """What staff are told: attempts not accepted, ignored or penalised."""
        return self._folded().notes
