"""A chunk is folded in one pass with its new answers graded together: the grades are those of
grading one submission at a time, whatever mix of plain, repeated and timed attempts it holds."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import grader.grading as grading
from grader.grading import grade_submissions
from grader.submissions.models import Attempt, Submission

EARLY = datetime(2023, 3, 1, tzinfo=timezone.utc)
LATE = datetime(2023, 4, 30, tzinfo=timezone.utc)


def attempt(student: str, problem: str, answer: object, at: datetime | None = None) -> Submission:
    return Submission(student, {problem: [Attempt(answer, at)]}, whole=False)


SUBMISSIONS = [
    attempt("ana", "lstm-states-2", "[1, -1, 0, 0, 1]"),  # plain, new, wrong
    attempt("ana", "lstm-states-2", "[1, -1, 0, 1, -1]", EARLY),  # then timed: a tally
    attempt("ben", "lstm-states-2", "[1, -1, 0, 0, 1]", EARLY),  # timed first
    attempt("ben", "lstm-states-2", "[1, -1, 0, 1, 1]"),  # then plain: still tallied
    attempt("cy", "lstm-states-1", "[0, 0, 1, -1, 0, 1]"),
    attempt("cy", "lstm-states-1", "[0, 0, 1,, 1]"),  # invalid after a valid one
    attempt("cy", "lstm-states-1", "[1, 1, 1, 1, 1, 1]"),
    attempt("dee", "lstm-states-2", "[1, -1, 0, 0, 1]"),  # the same new answer as ana's
    attempt("dee", "lstm-info", ["b", "c"]),
    attempt("eve", "lstm-states-2", "[1, -1, 1, -1, 1]", LATE),
    attempt("eve", "lstm-states-2", "[1, -1, 1, -1, 1]"),
    Submission(
        "fay", {"lstm-states-2": [Attempt("[1, 1, 0, 0, 1]"), Attempt("[1, -1, 0, 1, -1]")]}, whole=False
    ),
    attempt("fay", "no-such-problem", "1"),
]


@pytest.mark.parametrize("now", [EARLY, LATE])
def test_one_chunk_grades_as_one_submission_at_a_time(problems, monkeypatch, now):
    together = grade_submissions(problems, SUBMISSIONS, now=now)
    monkeypatch.setattr(grading, "CHUNK_SIZE", 1)
    alone = grade_submissions(problems, SUBMISSIONS, now=now)
    assert together.model_dump() == alone.model_dump()
    results = {s.student: s.results for s in together.students}
    assert results["ana"][1].attempts_used == 2 and results["ben"][1].attempts_used == 2
    assert len(together.errors) == 1
