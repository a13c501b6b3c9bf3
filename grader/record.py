"""Graded answers as the service's database records them, and batch grading recorded there
(`grade SUBMISSIONS --db URL`), so staff see online and offline work in one gradebook. Each batch
attempt is recorded once: re-running a batch adds only what is new.

The service (`service.checking`) records its answers through `new_submission` here; this module
imports nothing of the HTTP service, so `grade --db` starts without FastAPI.

An attempt's identity (`origin`) is a hash of the student, the problem, the time it was submitted
(if the export says), the answer as typed, and how many identical attempts came before it in the
same input: stable across runs of the same or an appended export, yet two identical answers typed
twice remain two attempts.

A run grades every attempt first, as the batch grader does (variants drawn for all students at
once, each distinct answer graded once per variant, `grade_answers`), then records them all in
one transaction, in bulk (`Storage.record_offline`): a failure records nothing, and running again
records everything.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from grader.compare.attempts import late_score
from grader.compare.policy import Lateness, lateness
from grader.compare.results import ProblemResult, Status
from grader.engine.keybook import KeyBook
from grader.feedback.mistakes import mistake_answers
from grader.grading import answer_identity, grade_answers, parse_answer
from grader.parse import InvalidAnswer
from grader.spec.loader import ProblemSet
from grader.spec.models import ChoiceAnswer, Problem
from grader.storage import NewSubmission, OfflineAttempt, Storage
from grader.submissions.models import Submission

__all__ = [
    "BATCH_SOURCE",
    "UNREAD",
    "GradedBatch",
    "Recorded",
    "answer_data",
    "answer_text",
    "attempt_origin",
    "graded_attempts",
    "new_submission",
    "record_batch",
]

#: `submissions.source` of a batch-graded attempt (online ones are api, page or xqueue).
BATCH_SOURCE = "batch"


def answer_text(raw: Any) -> str:
    """The raw answer as stored: the text typed, or the JSON sent."""
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)


#: `new_submission`'s `parsed` when the caller did not parse the answer: it is parsed there.
UNREAD: Any = object()


def answer_data(problem: Problem, given: Any) -> Any:
    """A parsed answer (`parse_answer`'s choice ids or array) as JSON data, as it is stored."""
    if isinstance(problem.answer, ChoiceAnswer):
        return list(given)
    return np.asarray(given).tolist()


def _parsed(problem: Problem, raw: Any) -> Any:
    """The answer as the parser read it (JSON data), or None when it could not be read."""
    try:
        return answer_data(problem, parse_answer(problem, raw))
    except InvalidAnswer:
        return None


def new_submission(
    problem: Problem,
    student: str,
    raw: Any,
    result: ProblemResult,
    *,
    submitted_at: datetime,
    source: str,
    late: Lateness,
    spec_hash: str | None = None,
    parsed: Any = UNREAD,
) -> NewSubmission:
    """The record of one graded answer, as the service and `grade --db` both store it: the score
    under the late factor (`late_score`), the days late the gradebook's fold reads back, and the
    content hash of the spec that graded it (`ProblemSet.content_hash`). `parsed` is the answer
    as read for grading, JSON data (`Checker` passes it; otherwise `raw` is parsed here)."""
    if result.status is Status.INVALID:
        parsed = None
    elif parsed is UNREAD:
        parsed = _parsed(problem, raw)
    return NewSubmission(
        student=student,
        problem=problem.id,
        submitted_at=submitted_at,
        source=source,
        raw=answer_text(raw),
        parsed=parsed,
        status=result.status.value,
        score=late_score(result.score, late),
        max_score=result.max_score,
        feedback=result.feedback,
        days_late=late.days_late,
        spec_hash=spec_hash,
    )


#: `json.dumps(…, ensure_ascii=False)`, without building an encoder per call.
_ORIGIN_JSON = json.JSONEncoder(ensure_ascii=False)


@dataclass(frozen=True)
class Recorded:
    """What a run recorded: new attempts, attempts already there, attempts refused as past due."""

    added: int
    already: int
    past_due: int


@dataclass(frozen=True)
class GradedBatch:
    """A batch's attempts graded and ready to record, in the order of the input; and how many
    were left out as past due under `late: reject`."""

    entries: list[OfflineAttempt]
    past_due: int


def attempt_origin(
    student: str, problem: str, submitted_at: datetime | None, raw: str, occurrence: int
) -> str:
    """The identity of a batch attempt (64 hex digits)."""
    when = None if submitted_at is None else submitted_at.isoformat()
    text = _ORIGIN_JSON.encode([student, problem, when, raw, occurrence])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_batch(
    problems: ProblemSet, storage: Storage, items: Iterable[object], *, now: datetime
) -> Recorded:
    """Grade every attempt of `items` (Submissions; anything else, such as the reader's errors, is
    left to the batch report) and record it as the service would have, once, in one transaction.

    Attempts without a time are recorded at `now`; past-due attempts under `late: reject` are not
    recorded, as the service would have refused them. Unknown problems are skipped (the batch
    report names them).
    """
    batch = graded_attempts(problems, items, now=now)
    added = storage.record_offline(batch.entries)
    return Recorded(added=added, already=len(batch.entries) - added, past_due=batch.past_due)


#: An attempt read, before grading: problem, student, answer, its identity (`answer_identity`),
#: time, stored text, origin, lateness.
_Pending = tuple[Problem, str, Any, Hashable, "datetime | None", str, str, Lateness]


def graded_attempts(problems: ProblemSet, items: Iterable[object], *, now: datetime) -> GradedBatch:
    """Every attempt of `items` graded as the service grades it, as the entries `record_batch`
    records (see there)."""
    by_name: dict[str, Problem] = {}
    for problem in problems:
        by_name.setdefault(problem.title, problem)
    by_name.update(problems.problems)  # ids win over titles (exports that name problems by title)
    seen: Counter[tuple[str, str, datetime | None, str]] = Counter()
    lates: dict[tuple[str, datetime | None], Lateness] = {}
    pending: list[_Pending] = []
    past_due = 0
    for item in items:
        if not isinstance(item, Submission):
            continue
        for name, attempts in item.attempts.items():
            problem = by_name.get(name)
            if problem is None:
                continue
            for attempt in attempts:
                text = answer_text(attempt.answer)
                identity = (item.student, problem.id, attempt.submitted_at, text)
                occurrence = seen[identity]
                seen[identity] += 1
                late = lates.get((problem.id, attempt.submitted_at))
                if late is None:
                    late = lates[(problem.id, attempt.submitted_at)] = lateness(problem, attempt.submitted_at)
                if not late.accepted:
                    past_due += 1
                    continue
                origin = attempt_origin(*identity, occurrence)
                answer, when = attempt.answer, attempt.submitted_at
                read = (problem, item.student, answer, answer_identity(answer), when, text, origin, late)
                pending.append(read)
    variants, results = _grade(problems, pending)
    spec_hashes = problems.content_hashes
    # a record differs from attempt to attempt only in its student, time and text: the rest is
    # made once per (graded answer, lateness), and shared
    made: dict[tuple[str, int, Hashable, int], NewSubmission] = {}
    invalid = Status.INVALID.value
    entries = []
    pending.reverse()  # taken from the end, in the input's order: each freed once it is an entry
    while pending:
        problem, student, answer, given, submitted_at, text, origin, late = pending.pop()
        variant = variants[problem.id].get(student, 0)
        # a lateness by identity: `lates` keeps each alive, and equal ones only make a record twice
        graded_as = (problem.id, variant, given, id(late))
        shared = made.get(graded_as)
        if shared is None:
            result = results[graded_as[:3]]
            shared = made[graded_as] = new_submission(
                problem,
                student,
                answer,
                result,
                submitted_at=now,
                source=BATCH_SOURCE,
                late=late,
                spec_hash=spec_hashes[problem.id],
            )
        new = NewSubmission(
            student=student,
            problem=shared.problem,
            submitted_at=submitted_at or now,
            source=BATCH_SOURCE,
            raw=text,
            parsed=shared.parsed,
            status=shared.status,
            score=shared.score,
            max_score=shared.max_score,
            feedback=shared.feedback,
            days_late=shared.days_late,
            spec_hash=shared.spec_hash,
        )
        entries.append(OfflineAttempt(origin, new, shared.status != invalid))
    return GradedBatch(entries, past_due)


def _grade(
    problems: ProblemSet, pending: list[_Pending]
) -> tuple[dict[str, dict[str, int]], dict[tuple[str, int, Hashable], ProblemResult]]:
    """Each student's variant id per problem (absent: variant 0, the problem's only one), and the
    result of each distinct (problem, variant, answer identity) of `pending`.

    As the batch grader grades a class (`grading.ClassGrader`): variants drawn for all students
    at once (`KeyBook`), the catalogued mistakes' answers computed for all variants at once, and
    the distinct answers of a problem graded together (`grade_answers`).
    """
    book = KeyBook.build(problems)
    students: dict[str, dict[str, None]] = {problem.id: {} for problem in problems}
    for problem, student, *_ in pending:
        students[problem.id][student] = None
    variants: dict[str, dict[str, int]] = {}
    for problem_id, ordered in students.items():
        variants[problem_id] = {}
        if ordered and book.varies(problem_id):
            names = list(ordered)
            variants[problem_id] = dict(zip(names, book.variant_ids(problem_id, names).tolist(), strict=True))
    distinct: dict[str, dict[tuple[int, Hashable], Any]] = {problem.id: {} for problem in problems}
    for problem, student, answer, identity, *_ in pending:
        variant = variants[problem.id].get(student, 0)
        distinct[problem.id].setdefault((variant, identity), answer)
    results: dict[tuple[str, int, Hashable], ProblemResult] = {}
    for problem in problems:
        answers = distinct[problem.id]
        if not answers:
            continue
        mistakes = _mistakes(book, problem, {variant for variant, _ in answers})
        key_of, inputs_of = book.key_of, book.inputs_of
        batch = [
            (raw, key_of(problem.id, variant), inputs_of(problem.id, variant), mistakes.get(variant))
            for (variant, _), raw in answers.items()
        ]
        for (variant, identity), result in zip(answers, grade_answers(problem, batch), strict=True):
            results[(problem.id, variant, identity)] = result
    return variants, results


def _mistakes(book: KeyBook, problem: Problem, variants: set[int]) -> dict[int, dict[str, Any]]:
    """The catalogued mistakes' answers for each of `variants` of `problem`, in one engine pass
    per input length (none for choice problems and problems without inputs)."""
    if problem.model is None or isinstance(problem.answer, ChoiceAnswer):
        return {}
    by_length: dict[int, list[int]] = {}
    for variant in sorted(variants):
        inputs = book.inputs_of(problem.id, variant)
        if inputs is not None:
            by_length.setdefault(len(inputs), []).append(variant)
    found: dict[int, dict[str, Any]] = {}
    for ids in by_length.values():
        answers = mistake_answers(problem, np.stack([book.inputs_of(problem.id, i) for i in ids]))  # type: ignore[misc]
        for row, variant in enumerate(ids):
            found[variant] = {name: values[row] for name, values in answers.items()}
    return found
