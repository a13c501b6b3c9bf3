"""Follow-through: later entries that follow from the student's own earlier slip."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from grader.compare.answers import compare_sequence
from grader.compare.scoring import score_fraction
from grader.engine.keys import compute_key
from grader.feedback.follow_through import FollowThrough, follow_through
from grader.feedback.messages import teach
from tests.feedback.conftest import seed_variant

# LSTM states 1: inputs [0, 0, 1, 1, 1, 0], key [0, 0, 1, -1, 1, 0];
# LSTM states 2: inputs [1, 1, 0, 1, 1], key [1, -1, 0, 1, -1].
STATES_1 = [0, 0, 1, 1, 1, 0]


@pytest.mark.parametrize(
    ("inputs", "given", "expected"),
    [
        # one slip at h_1 (1 for 0); from h_1 = 1, x = 1 gives -1, then 1, -1; h_5 is right again
        (STATES_1, [0, 1, -1, 1, -1, 0], FollowThrough(follows=(2, 3, 4), independent=(1,))),
        # the tie rounded away from zero: h_3 = -1 and h_4 = 1 follow from the student's h_2 = 1
        ([1, 1, 0, 1, 1], [1, -1, 1, -1, 1], FollowThrough(follows=(3, 4), independent=(2,))),
        # the carry mistake: from the right h_2 = 0, step 3 gives 1, not 0; step 4 from 0 gives 1
        ([1, 1, 0, 1, 1], [1, -1, 0, 0, 1], FollowThrough(follows=(4,), independent=(3,))),
        # two independent slips: h_2 = 1 does not follow from h_1 = 0 (x = 0 gives 0)
        ([1, 1, 0, 1, 1], [1, 0, 1, -1, 1], FollowThrough(follows=(3, 4), independent=(1, 2))),
        ([1, 1, 0, 1, 1], [1, -1, 0, 1, -1], FollowThrough()),
    ],
)
def test_which_wrong_entries_follow(inputs, given, expected):
    problem = seed_variant("seed", inputs)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    assert follow_through(problem, key, np.array(given, dtype=float)) == expected


def test_a_wrong_length_or_an_answer_of_c_is_not_analysed():
    problem = seed_variant("seed")
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    assert follow_through(problem, key, np.array([1.0, -1.0])) is None
    ledger = seed_variant("ledger", [1, 1])
    ledger_key = compute_key(ledger)
    assert isinstance(ledger_key, np.ndarray)
    assert follow_through(ledger, ledger_key, np.array([0.0, 2.0])) is None


@pytest.mark.parametrize(
    ("scheme", "fraction"),
    [
        # key [0, 0, 1, -1, 1, 0]; given [0, 1, -1, 1, -1, 0]: R = 2 right, F = 3 follow
        ("follow_through", 5 / 6),
        ("per_element", 2 / 6),
        ("all_or_nothing", 0.0),
    ],
)
def test_one_slip_at_h_1_is_lost_once_under_follow_through(scheme, fraction):
    problem = seed_variant("seed", STATES_1, scoring=scheme)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    given = np.array([0, 1, -1, 1, -1, 0], dtype=float)
    lesson = teach(problem, key, given, compare_sequence(problem, key, given), "diagnosis")
    assert score_fraction(scheme, lesson.comparison) == pytest.approx(fraction)
    assert lesson.text == (
        "Not correct: h_1, h_2, h_3 and h_4 are wrong; the other entries are right. "
        "Your h_2, h_3 and h_4 follow correctly from your own h_1: one slip, carried forward, not repeated."
    )


def test_follow_through_scoring_refuses_an_unanalysed_comparison():
    problem = seed_variant("seed")
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    comparison = compare_sequence(problem, key, np.array([1, 1, 1, 1, 1.0]))
    with pytest.raises(ValueError, match="follow_through"):
        score_fraction("follow_through", comparison)
    analysed = dataclasses.replace(comparison, carried_forward=())
    assert score_fraction("follow_through", analysed) == 0.4  # h_0 and h_3 right
