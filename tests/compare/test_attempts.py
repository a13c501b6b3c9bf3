"""Attempts, due dates, late policies and reveal escalation: each rule with hand-computed scores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from grader.compare.attempts import Fold, Made, fold_attempts
from grader.compare.policy import Lateness, attempts_left, late_by, lateness, reveal_level
from grader.compare.results import Status
from grader.grading import grade_submission
from grader.submissions.models import Attempt, Submission
from tests.compare.conftest import SEED_SEQUENCE

RIGHT, NEAR, WRONG, BAD = "[1, -1, 0, 1, -1]", "[1, -1, 0, 0, 1]", "[-1, 1, 1, -1, 1]", "[1,, 0]"
DUE = datetime(2023, 3, 29, 8, 59, tzinfo=timezone(timedelta(hours=-3)))
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def graded(problems, answers, when=None, now=None):
    times = when or [None] * len(answers)
    attempts = [Attempt(answer, at) for answer, at in zip(answers, times, strict=True)]
    report = grade_submission(problems, Submission("s", {"states": attempts}), now=now)
    return report.results[0]


@pytest.mark.parametrize(
    ("extra", "answers", "score", "used", "status"),
    [
        # counts: last (default): the last valid attempt counts
        ("", [NEAR, RIGHT], 5.0, 2, Status.CORRECT),
        ("", [RIGHT, NEAR], 3.0, 2, Status.PARTIAL),  # per_element: 3 of 5 right → 3 points
        ("counts: best\n", [RIGHT, NEAR], 5.0, 2, Status.CORRECT),
        ("counts: best\n", [WRONG, NEAR, WRONG], 3.0, 3, Status.PARTIAL),
        # invalid answers use no attempt, and are shown only without a valid one
        ("max_attempts: 2\n", [BAD, NEAR, BAD, RIGHT], 5.0, 2, Status.CORRECT),
        ("max_attempts: 2\n", [BAD, BAD], 0.0, 0, Status.INVALID),
        ("", [RIGHT, BAD], 5.0, 1, Status.CORRECT),
        # attempts past max_attempts are ignored
        ("max_attempts: 2\n", [WRONG, NEAR, RIGHT], 3.0, 2, Status.PARTIAL),
        ("max_attempts: 1\ncounts: best\n", [NEAR, RIGHT], 3.0, 1, Status.PARTIAL),
    ],
)
def test_which_attempt_counts(make_problems, extra, answers, score, used, status):
    problems = make_problems(SEED_SEQUENCE + "scoring: per_element\npoints: 5\n" + extra)
    result = graded(problems, answers)
    assert (result.score, result.attempts_used, result.status) == (score, used, status)


def test_ignored_attempts_are_reported(make_problems):
    problems = make_problems(SEED_SEQUENCE + "max_attempts: 2\n")
    result = graded(problems, [WRONG, BAD, WRONG, RIGHT])
    assert result.notes == ["attempt 4 ignored: only 2 attempt(s) allowed"]
    assert result.score == 0.0


UTC = timezone.utc
AT9, AT10, AT11 = (datetime(2023, 3, 20, hour, tzinfo=UTC) for hour in (9, 10, 11))


@pytest.mark.parametrize(
    ("extra", "attempts", "score", "used", "status"),
    [
        # (answer, time) in input order; by hand, in time order: RIGHT 5 points, NEAR 3, WRONG 0
        # counts: last follows the times, not the lines
        ("", [(RIGHT, AT10), (NEAR, AT9)], 5.0, 2, Status.CORRECT),  # NEAR then RIGHT
        ("", [(NEAR, AT10), (RIGHT, AT9)], 3.0, 2, Status.PARTIAL),  # RIGHT then NEAR
        ("", [(NEAR, AT9), (RIGHT, AT10)], 5.0, 2, Status.CORRECT),  # in order already
        ("", [(RIGHT, AT10), (NEAR, AT10)], 3.0, 2, Status.PARTIAL),  # equal times: input order
        ("", [(RIGHT, AT11), (WRONG, AT9), (NEAR, AT10)], 5.0, 3, Status.CORRECT),
        # max_attempts cuts off by time: WRONG 9:00 and NEAR 10:00 count, RIGHT 11:00 is ignored
        ("max_attempts: 2\n", [(RIGHT, AT11), (WRONG, AT9), (NEAR, AT10)], 3.0, 2, Status.PARTIAL),
        ("max_attempts: 1\ncounts: best\n", [(RIGHT, AT10), (NEAR, AT9)], 3.0, 1, Status.PARTIAL),
        ("max_attempts: 1\ncounts: best\n", [(NEAR, AT10), (RIGHT, AT9)], 5.0, 1, Status.CORRECT),
        # counts: best is the best whatever the order (here of the first two in time)
        ("max_attempts: 2\ncounts: best\n", [(RIGHT, AT11), (WRONG, AT9), (NEAR, AT10)], 3.0, 2,
         Status.PARTIAL),
        # an invalid answer still uses no attempt, wherever it falls in time
        ("max_attempts: 1\n", [(NEAR, AT10), (BAD, AT9), (WRONG, AT11)], 3.0, 1, Status.PARTIAL),
        # untimed attempts: right after the attempt before them in the input, first if first
        ("", [(NEAR, None), (RIGHT, AT10), (WRONG, AT9)], 5.0, 3, Status.CORRECT),  # N, W, R
        ("", [(RIGHT, AT10), (NEAR, None), (WRONG, AT9)], 3.0, 3, Status.PARTIAL),  # W, R, N
        ("max_attempts: 1\n", [(RIGHT, AT10), (NEAR, None), (WRONG, AT9)], 0.0, 1, Status.INCORRECT),
        ("", [(RIGHT, None), (NEAR, None)], 3.0, 2, Status.PARTIAL),  # untimed: input order
    ],
)
def test_attempts_are_folded_in_time_order(make_problems, extra, attempts, score, used, status):
    problems = make_problems(SEED_SEQUENCE + "scoring: per_element\npoints: 5\n" + extra)
    result = graded(problems, [answer for answer, _ in attempts], [at for _, at in attempts])
    assert (result.score, result.attempts_used, result.status) == (score, used, status)


def test_notes_number_attempts_in_time_order(make_problems):
    problems = make_problems(SEED_SEQUENCE + "scoring: per_element\npoints: 5\nmax_attempts: 1\n")
    result = graded(problems, [RIGHT, NEAR, BAD, WRONG], [AT11, AT9, AT10, AT10])
    # in time: NEAR 9:00 (the one allowed), BAD 10:00 (invalid), WRONG 10:00, RIGHT 11:00
    assert result.notes == [
        "attempt 3 ignored: only 1 attempt(s) allowed",
        "attempt 4 ignored: only 1 attempt(s) allowed",
    ]
    assert (result.score, result.status) == (3.0, Status.PARTIAL)


DUE_SPEC = "due: 2023-03-29T08:59:00-03:00\n"


@pytest.mark.parametrize(
    ("late", "offset", "score"),
    [
        ("reject", -HOUR, 1.0),
        ("reject", timedelta(0), 1.0),  # exactly at the due time is on time
        ("accept", 3 * DAY, 1.0),
        # penalty: factor = max(0, 1 − per_day · ceil(lateness in days))
        ("{policy: penalty, per_day: 0.25}", HOUR, 0.75),  # 1 started day
        ("{policy: penalty, per_day: 0.25}", DAY, 0.75),  # exactly 1 day
        ("{policy: penalty, per_day: 0.25}", 2 * DAY + timedelta(seconds=1), 0.25),  # 3 days
        ("{policy: penalty, per_day: 0.25}", 5 * DAY, 0.0),  # floored at 0
        ("{policy: penalty, per_day: 0.1}", 2 * DAY, 0.8),
    ],
)
def test_late_policies(make_problems, late, offset, score):
    problems = make_problems(SEED_SEQUENCE + DUE_SPEC + f"late: {late}\n")
    result = graded(problems, [RIGHT], [DUE + offset])
    assert result.score == pytest.approx(score)
    late = lateness(problems["states"], DUE + offset)
    assert late.factor == pytest.approx(score)
    # what the service stores (the days late) reads back as the same lateness
    assert late_by(problems["states"], late.days_late) == late


def test_late_rejected_attempts_use_no_attempt(make_problems):
    problems = make_problems(SEED_SEQUENCE + DUE_SPEC + "max_attempts: 1\nlate: reject\n")
    result = graded(problems, [NEAR, RIGHT], [DUE - HOUR, DUE + HOUR])
    assert (result.score, result.attempts_used) == (0.0, 1)
    assert result.notes == [
        "attempt 2 at 2023-03-29T09:59:00-03:00 not accepted: 1 day(s) after the due date "
        "2023-03-29T08:59:00-03:00"
    ]
    only_late = graded(problems, [RIGHT], [DUE + HOUR])
    assert only_late.status is Status.MISSING and only_late.attempts_used == 0


@pytest.mark.parametrize(
    ("counts", "score", "status"),
    [
        # in time: NEAR on time (3 of 5), then RIGHT an hour late, one started day: 5 × 0.5 = 2.5
        ("last", 2.5, Status.PARTIAL),
        ("best", 3.0, Status.PARTIAL),
    ],
)
def test_late_penalty_on_attempts_given_out_of_order(make_problems, counts, score, status):
    problems = make_problems(
        SEED_SEQUENCE + "scoring: per_element\npoints: 5\n" + DUE_SPEC
        + f"late: {{policy: penalty, per_day: 0.5}}\ncounts: {counts}\n"
    )
    result = graded(problems, [RIGHT, NEAR], [DUE + HOUR, DUE - HOUR])
    assert (result.score, result.status, result.attempts_used) == (score, status, 2)
    assert result.notes == ["attempt 2 was 1 day(s) late: score × 0.5"]


def test_max_attempts_and_late_rejection_follow_the_times(make_problems):
    problems = make_problems(SEED_SEQUENCE + DUE_SPEC + "max_attempts: 1\nlate: reject\n")
    # the late RIGHT comes first in the input; the on-time NEAR is the one attempt allowed
    result = graded(problems, [RIGHT, NEAR], [DUE + HOUR, DUE - HOUR])
    assert (result.score, result.attempts_used, result.status) == (0.0, 1, Status.INCORRECT)
    assert result.notes == [
        "attempt 2 at 2023-03-29T09:59:00-03:00 not accepted: 1 day(s) after the due date "
        "2023-03-29T08:59:00-03:00"
    ]


def test_penalised_correct_answer_is_partial_and_noted(make_problems):
    problems = make_problems(SEED_SEQUENCE + DUE_SPEC + "late: {policy: penalty, per_day: 0.5}\n")
    result = graded(problems, [RIGHT], [DUE + HOUR])
    assert (result.status, result.score) == (Status.PARTIAL, 0.5)
    assert result.notes == ["attempt 1 was 1 day(s) late: score × 0.5"]


REVEAL = "reveal: {show: verdict, after_due: positions, after_last_attempt: positions}\n"


@pytest.mark.parametrize(
    ("answers", "now", "feedback"),
    [
        ([NEAR], DUE - HOUR, "Not correct."),
        ([NEAR], DUE + HOUR, "Not correct: h_3 and h_4 are wrong; the other entries are right."),
        ([NEAR], None, "Not correct."),
        ([WRONG, NEAR], DUE - HOUR, "Not correct: h_3 and h_4 are wrong; the other entries are right."),
        ([BAD, NEAR], DUE - HOUR, "Not correct."),  # the invalid one used no attempt
    ],
)
def test_reveal_escalates_after_due_or_last_attempt(make_problems, answers, now, feedback):
    problems = make_problems(SEED_SEQUENCE + DUE_SPEC + "max_attempts: 2\n" + REVEAL)
    assert graded(problems, answers, now=now).feedback == feedback


@pytest.mark.parametrize(("used", "left"), [(0, 2), (1, 1), (2, 0), (3, 0)])
def test_attempts_left(make_problems, used, left):
    problem = make_problems(SEED_SEQUENCE + "max_attempts: 2\n")["states"]
    assert attempts_left(problem, used) == left
    unlimited = make_problems(SEED_SEQUENCE)["states"]
    assert attempts_left(unlimited, used) is None
    assert reveal_level(unlimited, attempts_used=used, now=None) == "positions"


VARIANT = SEED_SEQUENCE.replace("statement: Enter [h_0, ..., h_4].", "statement: Inputs {inputs}.")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (SEED_SEQUENCE + "due: 2023-03-29T08:59:00\n",
         ":17: due: expected a date and time with a UTC offset, like 2023-03-29T08:59:00-03:00; "
         "got 2023-03-29T08:59:00"),
        (SEED_SEQUENCE + "due: 2023-03-29T08:59:00Z\nlate: {policy: penalty, per_day: 1.5}\n",
         ":18: late.per_day: expected a number of at most 1; got 1.5"),
        (SEED_SEQUENCE + "scoring: half_credit\n", ":17: scoring: expected one of"),
        (SEED_SEQUENCE + "scoring: edc\n", ":17: scoring: 'edc' is for choice problems"),
        (SEED_SEQUENCE + "counts: first\n", ":17: counts: expected one of 'last', 'best'; got 'first'"),
        (SEED_SEQUENCE + "max_attempts: 0\n", ":17: max_attempts: expected a number of at least 1; got 0"),
        (VARIANT.replace("inputs: [1, 1, 0, 1, 1]", "inputs: {random: {alphabet: [0, 1], length: 0}}"),
         ":12: inputs.random.length: expected a number of at least 1; got 0"),
        (VARIANT.replace("inputs: [1, 1, 0, 1, 1]", "inputs: {random: {alphabet: [0, 1], length: 20000}}"),
         ":12: inputs.random.length: expected a number of at most 10000; got 20000"),
        (VARIANT.replace("inputs: [1, 1, 0, 1, 1]", "inputs: {random: {alphabet: [], length: 4}}"),
         ":12: inputs.random.alphabet: expected at least 1 item(s); got none"),
    ],
)
def test_course_operation_fields_are_checked_when_the_spec_loads(make_problems, spec, message):
    from grader.errors import SpecError

    with pytest.raises(SpecError) as error:
        make_problems(spec)
    assert message in str(error.value)


ON_TIME = Lateness(True, 1.0)
HALF = Lateness(True, 0.5, 1)


@pytest.mark.parametrize(
    ("extra", "made", "expected"),
    [
        # given out of time order: folded 09:00, 10:00, 11:00; the last in time counts
        ("", [Made(True, 1.0, ON_TIME, AT11), Made(True, 0.0, ON_TIME, AT9), Made(True, 0.5, ON_TIME, AT10)],
         Fold(3, 0, score=1.0)),
        # invalid after valid: it uses no attempt, and the valid one counts (it is shown instead)
        ("", [Made(True, 1.0, ON_TIME, AT9), Made(False, 0.0, ON_TIME, AT10)], Fold(1, 0, 1, score=1.0)),
        ("", [Made(False, 0.0, ON_TIME, AT9), Made(False, 0.0, ON_TIME, AT10)], Fold(0, None, 1)),
        # best: the earliest of equal scores; a late one is worth its score under the factor
        ("counts: best\n", [Made(True, 0.5, ON_TIME, AT9), Made(True, 0.5, HALF, AT10)],
         Fold(2, 0, None, ("attempt 2 was 1 day(s) late: score × 0.5",), 0.5, 1.0)),
        ("counts: best\n", [Made(True, 0.25, ON_TIME, AT9), Made(True, 0.5, HALF, AT10)],
         Fold(2, 1, None, ("attempt 2 was 1 day(s) late: score × 0.5",), 0.5, 0.5)),
        # over the limit: notes number every attempt in time, the invalid one too
        ("max_attempts: 1\n", [Made(False, 0.0, ON_TIME, AT9), Made(True, 0.0, ON_TIME, AT10),
                                Made(True, 1.0, ON_TIME, AT11)],
         Fold(1, 1, 0, ("attempt 3 ignored: only 1 attempt(s) allowed",))),
    ],
)
def test_the_one_fold(make_problems, extra, made, expected):
    problems = make_problems(SEED_SEQUENCE + extra)
    assert fold_attempts(problems["states"], made) == expected
