"""Item statistics of the stored attempts: what `grade stats --db` and `/staff/stats` show.

The same statistics as a batch-graded class (`report.stats`), from the attempts the service and
`grade SUBMISSIONS --db` recorded: each student's attempts folded as the gradebook folds them
(`checking.recorded_attempts`), their variants drawn as the batch grader draws them (`KeyBook`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from grader.engine.keybook import KeyBook
from grader.grading import AttemptColumns, AttemptHistory
from grader.report.stats import DEFAULT_TOP, ClassStatistics, read_answers, statistics_of
from grader.service.checking import recorded_attempts
from grader.spec.loader import ProblemSet
from grader.storage import Storage, StoredSubmission

__all__ = ["stored_statistics", "storage_statistics"]


def stored_statistics(
    problems: ProblemSet, submissions: Iterable[StoredSubmission], *, top: int = DEFAULT_TOP
) -> ClassStatistics:
    """The statistics of recorded submissions: every student who submitted, in id order; records
    of problems not in `problems` are left out (as the gradebook leaves them)."""
    by_student: dict[str, dict[str, list[StoredSubmission]]] = {}
    for submission in submissions:
        if submission.problem in problems.problems:
            mine = by_student.setdefault(submission.student, {})
            mine.setdefault(submission.problem, []).append(submission)
    students = sorted(by_student)
    keys = KeyBook.build(problems)
    columns: dict[str, AttemptColumns] = {}
    scores: dict[str, Sequence[float]] = {}
    for problem in problems:
        variants = keys.variant_ids(problem.id, students).tolist() if students else []
        tallied: dict[int, AttemptHistory] = {}
        points: list[float] = []
        for row, student in enumerate(students):
            stored = by_student[student].get(problem.id)
            if not stored:
                points.append(0.0)
                continue
            # every stored attempt is timed: each student's are folded as the gradebook folds them
            graded, result, used = recorded_attempts(problem, stored)
            attempts = tuple(
                (graded_one, submission.raw, submission.submitted_at)
                for graded_one, submission in zip(graded, stored, strict=True)
            )
            tallied[row] = AttemptHistory(int(variants[row]), attempts, used)
            points.append(result.score)
        nobody: list[Any] = [None] * len(students)
        columns[problem.id] = AttemptColumns(variants, nobody, nobody, tallied)
        scores[problem.id] = points
    varies = {problem.id: keys.varies(problem.id) for problem in problems}
    return statistics_of(problems, columns, scores, read_answers(keys), varies=varies, top=top)


def storage_statistics(problems: ProblemSet, storage: Storage, *, top: int = DEFAULT_TOP) -> ClassStatistics:
    """`stored_statistics` of everything `storage` holds."""
    return stored_statistics(problems, storage.submissions(), top=top)
