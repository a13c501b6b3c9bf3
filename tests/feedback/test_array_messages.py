"""Feedback on answers of any shape: entries named in the answer's own terms, the expected shape
when it is wrong, and never a key value below `solution`."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.compare.answers import compare_array
from grader.compare.entries import EntryNames
from grader.compare.scoring import score_fraction
from grader.engine.keys import compute_key
from grader.feedback.messages import feedback_for, teach
from grader.grading import grade_answer
from grader.spec.loader import load_problems
from grader.spec.models import Problem
from tests.conftest import PROBLEMS

#: any problem: the feedback of an array answer depends only on its comparison and the level
PROBLEM = load_problems(PROBLEMS)["lstm-states-2"]
LEVELS = ["verdict", "count", "positions", "diagnosis", "solution"]
W = EntryNames("∂L/∂W_1", (2, 3))
W_KEY = np.array([[0.5, -0.25, 1.0], [0.0, 2.0, -1.5]])


POSITIONS = (
    "Not correct: row 1 (column 2) and row 2 (column 1) of ∂L/∂W_1 are wrong; the other entries are right."
)


def _feedback(entries, key, answer, level):
    comparison = compare_array(entries, key, np.asarray(answer, dtype=float), 1e-6, 0.0)
    return feedback_for(PROBLEM, comparison, level)


@pytest.mark.parametrize(
    ("level", "text"),
    [
        ("verdict", "Not correct."),
        ("count", "Not correct: 2 of 6 entries are wrong."),  # how many, never which
        ("positions", POSITIONS),
        ("diagnosis", POSITIONS),
    ],
)
def test_each_level_shows_its_part_of_a_matrix_answer(level, text):
    answer = [[0.5, 0.25, 1.0], [1.0, 2.0, -1.5]]
    assert _feedback(W, W_KEY, answer, level) == text


@pytest.mark.parametrize(
    ("entries", "key", "answer", "text"),
    [
        (W, W_KEY, [[0.5, -0.25, 1.0], [9.0, 2.0, -1.5]],
         "Not correct: row 2, column 1 of ∂L/∂W_1 is wrong; the other entries are right."),
        (EntryNames("output", (2, 3), "points"), W_KEY, [[0.5, 9.0, 1.0], [0.0, 2.0, -1.5]],
         "Not correct: output 2 of point 1 is wrong; the other entries are right."),
        (EntryNames("∂L/∂b_1", (3,)), W_KEY[0], [0.5, 9.0, 9.0],
         "Not correct: entries 2 and 3 of ∂L/∂b_1 are wrong; the other entries are right."),
        (EntryNames("h", (3,), "sequence"), W_KEY[0], [0.5, 9.0, 1.0],
         "Not correct: h_1 is wrong; the other entries are right."),
        (EntryNames("y", ()), np.array(0.5), 0.7, "Not correct: every entry is wrong (y)."),
        (W, W_KEY, -W_KEY - 1, "Not correct: every entry is wrong."),
        (EntryNames("h", (3,), "sequence"), W_KEY[0], -W_KEY[0] - 1,
         "Not correct: every entry is wrong (h_0, h_1 and h_2)."),
        (W, W_KEY, W_KEY, "Correct."),
    ],
)
def test_positions_name_entries_in_the_answers_own_terms(entries, key, answer, text):
    assert _feedback(entries, key, answer, "positions") == text


@pytest.mark.parametrize(
    ("entries", "answer", "text"),
    [
        (W, np.zeros((3, 2)), "Expected ∂L/∂W_1 as 2 rows of 3 numbers (a 2×3 matrix); you gave "
         "3 rows of 2 numbers (a 3×2 matrix)."),
        (W, np.zeros(6), "Expected ∂L/∂W_1 as 2 rows of 3 numbers (a 2×3 matrix); you gave "
         "6 numbers (a vector)."),
        (EntryNames("h", (2, 3), "sequence"), np.zeros((3, 3)),
         "Expected 2 values [h_0, …, h_1], one per time step; you gave 3."),
        (EntryNames("h", (2, 3), "sequence"), np.zeros((2, 2)),
         "Expected each h_t as 3 numbers (a vector); you gave 2 numbers (a vector)."),
        (EntryNames("h", (2, 3), "sequence"), np.zeros(2),
         "Expected each h_t as 3 numbers (a vector); you gave a single number."),
    ],
)
@pytest.mark.parametrize("level", LEVELS)
def test_a_wrong_shape_says_the_expected_shape_at_every_level(entries, answer, text, level):
    assert _feedback(entries, W_KEY, answer, level) == text


def test_teach_scores_an_array_answer_per_entry():
    answer = np.array([[0.5, 0.25, 1.0], [1.0, 2.0, -1.5]])
    lesson = teach(PROBLEM, W_KEY, answer, compare_array(W, W_KEY, answer, 1e-6, 0.0), "diagnosis")
    assert lesson.comparison.carried_forward == ()
    assert score_fraction("follow_through", lesson.comparison) == pytest.approx(4 / 6)
    assert score_fraction("per_element", lesson.comparison) == pytest.approx(4 / 6)


#: key values with a fractional part, so that no row, column or count can be mistaken for one
key_values = st.floats(0.01, 1000, allow_nan=False).filter(lambda v: v != int(v))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.tuples(st.integers(1, 4), st.integers(1, 4)).flatmap(
        lambda shape: st.tuples(
            st.lists(key_values, min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]).map(
                lambda flat: np.array(flat).reshape(shape)
            ),
            st.lists(st.booleans(), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]),
            st.sampled_from(["array", "points"]),
        )
    ),
    st.sampled_from(LEVELS[:-1]),
)
def test_below_solution_no_key_value_of_a_matrix_is_shown(case, level):
    key, wrong, layout = case
    answer = np.where(np.array(wrong).reshape(key.shape), -key, key)
    text = _feedback(EntryNames("W", key.shape, layout), key, answer, level)
    for value in key.flat:
        for shown in {repr(float(value)), f"{value:g}", f"{value:.2f}", f"{value:.1f}"}:
            assert shown not in text


#: a gradient of distinctive values (exact tanh and sigmoid, nothing rounded): ∂L/∂W_1 is
#: [[-0.0622…, -0.1936…], [0.0641…, 0.0994…]], so finding none of them in a message means none
#: was shown
GRADIENT = Problem.model_validate(
    {
        "id": "gradient",
        "title": "Gradient",
        "statement": "Enter ∂L/∂W_1.",
        "model": {
            "network": "feedforward",
            "layers": [
                {"W": [[0.5, -0.5], [1, 0.3]], "b": [0.1, -0.5], "activation": "tanh"},
                {"W": [[1, -1], [0.2, 0.7]], "b": [0, 0.4], "activation": "sigmoid"},
            ],
            "loss": {"kind": "squared_error", "target": [1, 0]},
        },
        "inputs": [[1, 2], [-0.5, 0.3], [0.2, -1]],
        "answer": {"kind": "gradient", "wrt": "layers.1.W"},
    }
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def _key_values_in(text: str, key: np.ndarray) -> list[str]:
    return [n for n in _NUMBER.findall(text) if np.any(np.abs(key - float(n)) < 5e-4)]


def _wrong_gradients(key: np.ndarray) -> list[object]:
    one_off = key.copy()
    one_off[1, 0] += 1
    return [one_off.tolist(), (-key).tolist(), key.T.tolist(), key[:, :1].tolist(), "1 2 3 4", [[1, 2], [3]]]


@pytest.mark.parametrize("level", LEVELS[:-1])
def test_below_solution_no_gradient_value_is_shown_for_any_wrong_answer(level):
    key = np.asarray(compute_key(GRADIENT))
    for answer in _wrong_gradients(key):
        result = grade_answer(GRADIENT, answer, key, level=level)
        assert result.score < 1
        assert _key_values_in(result.feedback, key) == [], (answer, result.feedback)


def test_the_search_finds_the_gradient_once_the_solution_is_shown():
    key = np.asarray(compute_key(GRADIENT))
    result = grade_answer(GRADIENT, (-key).tolist(), key, level="solution")
    assert "opposite sign of the gradient" in result.feedback
    assert _key_values_in(result.feedback, key)
