"""Batch grading recorded into the service's database, so staff see online and offline work in one
gradebook. Each attempt is recorded once: re-running a batch adds only what is new.

An attempt's identity (`origin`) is a hash of the student, the problem, the time it was submitted
(if the export says), the answer as typed, and how many identical attempts came before it in the
same input: stable across runs of the same or an appended export, yet two identical answers typed
twice remain two attempts.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from grader.compare.policy import lateness
from grader.compare.results import ProblemResult, Status
from grader.grading import answer_identity, grade_answer
from grader.service.checking import Checker, answer_text, new_submission
from grader.spec.loader import ProblemSet
from grader.spec.models import Problem
from grader.storage import OfflineAttempt, Storage
from grader.submissions.models import Submission

__all__ = ["BATCH_SOURCE", "Recorded", "attempt_origin", "record_batch"]

#: `submissions.source` of a batch-graded attempt (online ones are api, page or xqueue).
BATCH_SOURCE = "batch"
#: Attempts written per transaction.
CHUNK = 500


@dataclass(frozen=True)
class Recorded:
    """What a run recorded: new attempts, attempts already there, attempts refused as past due."""

    added: int
    already: int
    past_due: int


def attempt_origin(
    student: str, problem: str, submitted_at: datetime | None, raw: str, occurrence: int
) -> str:
    """The identity of a batch attempt (64 hex digits)."""
    when = None if submitted_at is None else submitted_at.isoformat()
    text = json.dumps([student, problem, when, raw, occurrence], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_batch(
    problems: ProblemSet, storage: Storage, items: Iterable[object], *, now: datetime
) -> Recorded:
    """Grade every attempt of `items` (Submissions; anything else, such as the reader's errors, is
    left to the batch report) and record it as the service would have, once.

    Attempts without a time are recorded at `now`; past-due attempts under `late: reject` are not
    recorded, as the service would have refused them. Unknown problems are skipped (the batch
    report names them).
    """
    checker = Checker(problems, storage)
    by_name: dict[str, Problem] = {}
    for problem in problems:
        by_name.setdefault(problem.title, problem)
    by_name.update(problems.problems)  # ids win over titles (exports that name problems by title)
    seen: Counter[tuple[str, str, datetime | None, str]] = Counter()
    graded: dict[tuple[str, bytes | None, str | bytes], ProblemResult] = {}
    pending: list[OfflineAttempt] = []
    total = added = past_due = 0
    for item in items:
        if not isinstance(item, Submission):
            continue
        for name, attempts in item.attempts.items():
            problem = by_name.get(name)
            if problem is None:
                continue
            key = checker.key(problem, item.student)
            inputs = checker.variant(problem, item.student).inputs
            for attempt in attempts:
                text = answer_text(attempt.answer)
                identity = (item.student, problem.id, attempt.submitted_at, text)
                occurrence = seen[identity]
                seen[identity] += 1
                late = lateness(problem, attempt.submitted_at)
                if not late.accepted:
                    past_due += 1
                    continue
                # graded once per (problem, variant, answer): a class types few distinct answers
                variant = None if inputs is None else inputs.tobytes()
                graded_as = (problem.id, variant, answer_identity(attempt.answer))
                result = graded.get(graded_as)
                if result is None:
                    mistakes = checker.mistakes(problem, inputs)
                    result = grade_answer(problem, attempt.answer, key, inputs=inputs, mistakes=mistakes)
                    graded[graded_as] = result
                new = new_submission(
                    problem, item.student, attempt.answer, result,
                    submitted_at=attempt.submitted_at or now, source=BATCH_SOURCE, late=late,
                    spec_hash=checker.spec_hashes[problem.id],
                )
                counted = result.status is not Status.INVALID
                pending.append(OfflineAttempt(attempt_origin(*identity, occurrence), new, counted))
                total += 1
                if len(pending) >= CHUNK:
                    added += storage.record_offline(pending)
                    pending.clear()
    if pending:
        added += storage.record_offline(pending)
    return Recorded(added=added, already=total - added, past_due=past_due)
