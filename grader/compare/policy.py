"""Course policy for one attempt: is it late, what is it worth, how much may feedback reveal.

Pure functions of the spec, the attempt's time and the attempts used; the clock is passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from grader.spec.models import REVEAL_LEVELS, Problem

__all__ = [
    "Lateness",
    "lateness",
    "late_by",
    "attempts_left",
    "reveals",
    "reveal_level",
    "levels_before_last_attempt",
    "DAY",
]

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Lateness:
    """Whether an attempt is accepted and the factor its score is multiplied by."""

    accepted: bool
    factor: float
    days_late: int = 0

    @property
    def late(self) -> bool:
        return self.days_late > 0


def lateness(problem: Problem, submitted_at: datetime | None) -> Lateness:
    """The late policy applied to an attempt; an attempt without a time counts as on time.

    `penalty` deducts `per_day` of the score for each started day after `due`, floored at 0:
    factor = max(0, 1 − per_day · ceil((submitted_at − due) / 1 day)).
    """
    if problem.due is None or submitted_at is None or submitted_at <= problem.due:
        return Lateness(True, 1.0)
    return late_by(problem, math.ceil((submitted_at - problem.due) / DAY))


def late_by(problem: Problem, days: int) -> Lateness:
    """The late policy applied to an attempt `days` started days after `due` (0: on time); how a
    recorded attempt's lateness is read back from the days stored with it."""
    if days <= 0:
        return Lateness(True, 1.0)
    policy = problem.late
    if policy.policy == "reject":
        return Lateness(False, 0.0, days)
    if policy.policy == "accept":
        return Lateness(True, 1.0, days)
    return Lateness(True, max(0.0, 1.0 - policy.per_day * days), days)


def attempts_left(problem: Problem, attempts_used: int) -> int | None:
    """Attempts still allowed (None: unlimited)."""
    if problem.max_attempts is None:
        return None
    return max(0, problem.max_attempts - attempts_used)


def reveals(level: str, at_least: str) -> bool:
    """True when reveal level `level` shows at least as much as `at_least`."""
    return REVEAL_LEVELS.index(level) >= REVEAL_LEVELS.index(at_least)


def reveal_level(problem: Problem, *, attempts_used: int, now: datetime | None) -> str:
    """The most feedback may show now: the base level, escalated after the due date or the last attempt."""
    policy = problem.reveal
    levels = [policy.show]
    if policy.after_due and problem.due is not None and now is not None and now > problem.due:
        levels.append(policy.after_due)
    if policy.after_last_attempt and attempts_left(problem, attempts_used) == 0:
        levels.append(policy.after_last_attempt)
    return max(levels, key=REVEAL_LEVELS.index)


def levels_before_last_attempt(problem: Problem) -> tuple[str, ...]:
    """The reveal levels an attempt can be answered at while the student still has attempts left.

    The base level; and `after_due` when attempts are still accepted after the due date.
    """
    policy = problem.reveal
    levels = [policy.show]
    late_attempts = problem.due is not None and problem.late.policy != "reject"
    if policy.after_due is not None and late_attempts:
        levels.append(policy.after_due)
    return tuple(levels)
