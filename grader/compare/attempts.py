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

`fold_attempts` is the one home of these rules and of the notes' wording: the batch grader
(through `AttemptTally`), the service's gradebook and `grade --db` all call it, and
`folded_result` turns its outcome into the result reported, so the gradebooks agree.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from grader.compare.policy import Lateness, lateness
from grader.compare.results import ProblemResult, Status
from grader.compare.scoring import status_of
from grader.feedback.messages import MISSING_FEEDBACK
from grader.spec.models import Problem

__all__ = [
    "AttemptTally",
    "Counted",
    "Fold",
    "Made",
    "beyond_the_limit",
    "fold_attempts",
    "folded_result",
    "in_time_order",
    "late_score",
    "missing_result",
]

#: One recorded attempt: its graded result, its answer's identity and its time (if known).
_Recorded = tuple[ProblemResult, Hashable, "datetime | None"]


def late_score(score: float, late: Lateness) -> float:
    """What an attempt graded `score` is worth under its late factor (what is stored and folded)."""
    return score if late.factor == 1.0 else round(score * late.factor, 6)


class Made(NamedTuple):
    """One attempt as the fold reads it."""

    valid: bool  # False: an unreadable answer, which uses no attempt
    score: float  # what it is worth: its graded score under its late factor (`late_score`)
    late: Lateness
    submitted_at: datetime | None


@dataclass(frozen=True)
class Fold:
    """The outcome of folding one student's attempts at one problem; positions are input ones."""

    used: int = 0
    counted: int | None = None  # the attempt that counts
    invalid: int | None = None  # the unreadable answer shown when none counts
    notes: tuple[str, ...] = ()
    score: float = 0.0  # what the counted attempt is worth (`Made.score`)
    factor: float = 1.0  # its late factor


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


def fold_attempts(problem: Problem, attempts: Sequence[Made]) -> Fold:
    """Apply the rules to a student's attempts at `problem`, given in input order."""
    if any(made.submitted_at is not None for made in attempts):
        order: Iterable[int] = in_time_order([made.submitted_at for made in attempts])
    else:
        order = range(len(attempts))
    used = 0
    counted: int | None = None
    invalid: int | None = None
    notes: list[str] = []
    for number, position in enumerate(order, start=1):
        made = attempts[position]
        if not made.valid:
            if invalid is None or counted is None:
                invalid = position
            continue
        late = made.late
        if not late.accepted:
            assert problem.due is not None and made.submitted_at is not None
            notes.append(
                f"attempt {number} at {made.submitted_at.isoformat()} not accepted: "
                f"{late.days_late} day(s) after the due date {problem.due.isoformat()}"
            )
            continue
        if problem.max_attempts is not None and used >= problem.max_attempts:
            notes.append(beyond_the_limit(number, problem.max_attempts))
            continue
        used += 1
        if late.late:
            consequence = f"score × {late.factor:g}" if late.factor < 1.0 else "accepted"
            notes.append(f"attempt {number} was {late.days_late} day(s) late: {consequence}")
        if counted is None or problem.counts == "last" or made.score > attempts[counted].score:
            counted = position
    if counted is None:
        return Fold(used, None, invalid, tuple(notes))
    chosen = attempts[counted]
    return Fold(used, counted, invalid, tuple(notes), chosen.score, chosen.late.factor)


def missing_result(problem: Problem, notes: Iterable[str] = ()) -> ProblemResult:
    """The result for a problem a student did not answer (or whose attempts were all refused)."""
    notes = list(notes)
    return ProblemResult(
        problem=problem.id,
        status=Status.MISSING,
        score=0.0,
        max_score=problem.points,
        feedback=MISSING_FEEDBACK if not notes else "No attempt was accepted (see the due date).",
        max_attempts=problem.max_attempts,
        notes=notes,
    )


def folded_result(
    problem: Problem, fold: Fold, counted: ProblemResult | None, invalid: ProblemResult | None
) -> ProblemResult:
    """The result reported for a fold: `counted` is the counted attempt as graded (at the reveal
    level its feedback is shown at), before its late factor; `invalid` the invalid one's result."""
    notes = list(fold.notes)
    if fold.counted is None or counted is None:
        if invalid is None:
            return missing_result(problem, notes)
        return invalid if not notes else invalid.model_copy(update={"notes": notes})
    update: dict[str, Any] = {}
    if counted.attempts_used != fold.used:
        update["attempts_used"] = fold.used
    if counted.notes != notes:
        update["notes"] = notes
    if fold.factor != 1.0:
        update["score"] = fold.score
        update["status"] = status_of(fold.score / problem.points)
    return counted.model_copy(update=update) if update else counted


@dataclass(frozen=True)
class Counted:
    """The attempt that counts: its graded result, late factor and answer identity (for
    re-grading at the final reveal level)."""

    result: ProblemResult
    factor: float
    answer: Hashable  # the answer's identity (`grading.answer_identity`)


class AttemptTally:
    """One student's attempts at one problem in the batch grader: recorded as they arrive (in any
    order), folded by `fold_attempts` when read (and again after a new one)."""

    __slots__ = ("_attempts", "_fold", "_problem")

    def __init__(self) -> None:
        self._problem: Problem | None = None
        self._attempts: list[_Recorded] = []
        self._fold: Fold | None = None

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

    @property
    def fold(self) -> Fold:
        """The attempts folded (positions in the order recorded)."""
        if self._fold is None:
            problem = self._problem
            if problem is None:
                self._fold = Fold()
            else:
                # made here, when read, rather than kept per attempt: a class's gradebook holds
                # every timed attempt until the report is written
                made = []
                for result, _, submitted_at in self._attempts:
                    late = lateness(problem, submitted_at)
                    valid = result.status is not Status.INVALID
                    made.append(Made(valid, late_score(result.score, late), late, submitted_at))
                self._fold = fold_attempts(problem, made)
        return self._fold

    @property
    def recorded(self) -> tuple[tuple[ProblemResult, Hashable, datetime | None], ...]:
        """Every attempt as recorded, in the order it arrived: (result, answer identity, time)."""
        return tuple(self._attempts)

    @property
    def counted(self) -> Counted | None:
        """The attempt that counts (None: no valid, accepted attempt)."""
        fold = self.fold
        if fold.counted is None:
            return None
        result, answer, _ = self._attempts[fold.counted]
        return Counted(result, fold.factor, answer)

    @property
    def used(self) -> int:
        """Valid, accepted attempts within `max_attempts`."""
        return self.fold.used

    @property
    def invalid(self) -> ProblemResult | None:
        """An invalid answer, shown when no attempt counts (then the student's last one)."""
        position = self.fold.invalid
        return None if position is None else self._attempts[position][0]

    @property
    def notes(self) -> list[str]:
        """What staff are told: attempts not accepted, ignored or penalised."""
        return list(self.fold.notes)

    def result(self, problem: Problem, counted: ProblemResult | None) -> ProblemResult:
        """The result reported: `counted` is the counted attempt graded at its final reveal level."""
        return folded_result(problem, self.fold, counted, self.invalid)
