"""Comparing a parsed answer with the key: wrong positions, lengths, tolerances, choice errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.compare.answers import compare_array, compare_choices, compare_sequence, tolerance_for
from grader.compare.entries import EntryNames
from grader.spec.models import ChoiceAnswer, Problem

GATES = {
    "forget": {"W_h": 0, "W_x": 0, "b": -100},
    "input": {"W_h": 0, "W_x": 100, "b": 100},
    "output": {"W_h": 0, "W_x": 100, "b": 0},
    "cell": {"W_h": -100, "W_x": 50, "b": 0},
}


def sequence_problem(rounding: Any, compare: Any = None) -> Problem:
    answer: dict[str, Any] = {"kind": "sequence"}
    if compare is not None:
        answer["compare"] = compare
    return Problem.model_validate(
        {
            "id": "p",
            "title": "P",
            "statement": "s",
            "model": {"cell": "lstm", "gates": GATES},
            "inputs": [1, 1, 0, 1, 1],
            "evaluation": {"activation": "exact", "rounding": rounding},
            "answer": answer,
        }
    )


@pytest.mark.parametrize(
    ("rounding", "compare", "tolerance"),
    [
        ({"to": "integer"}, None, (1e-3, 0.0)),  # a thousandth of the last kept place
        ({"decimals": 2}, None, (1e-5, 0.0)),
        ("none", None, (1e-6, 0.0)),
        ("none", {"abs_tol": 0.01}, (0.01, 0.0)),
        ("none", {"abs_tol": 0, "rel_tol": 0.1}, (0.0, 0.1)),
        ({"to": "integer"}, {"abs_tol": 0.5}, (0.5, 0.0)),  # written by the author: honoured
    ],
)
def test_tolerance(rounding, compare, tolerance):
    assert tolerance_for(sequence_problem(rounding, compare)) == pytest.approx(tolerance)


KEY = np.array([1.0, -1.0, 0.0, 1.0, -1.0])


@pytest.mark.parametrize(
    ("given", "correct", "wrong"),
    [
        ([1, -1, 0, 1, -1], True, ()),
        ([1.0005, -1, 0, 1, -0.9995], True, ()),  # within a thousandth of an integer
        ([1, -1, 0, 0, 1], False, (3, 4)),
        ([1.002, -1, 0, 1, -1], False, (0,)),
        ([-1, 1, 1, -1, 1], False, (0, 1, 2, 3, 4)),
    ],
)
def test_wrong_positions(given, correct, wrong):
    comparison = compare_sequence(sequence_problem({"to": "integer"}), KEY, np.array(given, dtype=float))
    assert comparison.correct is correct
    assert comparison.wrong_positions == wrong
    assert comparison.right_count == 5 - len(wrong)


@pytest.mark.parametrize("given", [[1, -1, 0, 1], [1, -1, 0, 1, -1, 0]])
def test_a_wrong_length_names_no_positions(given):
    comparison = compare_sequence(sequence_problem({"to": "integer"}), KEY, np.array(given, dtype=float))
    assert not comparison.correct
    assert not comparison.length_matches
    assert (comparison.expected_length, comparison.given_length) == (5, len(given))
    assert comparison.wrong_positions == ()
    assert comparison.right_count == 0


@pytest.mark.parametrize(
    ("compare", "given", "wrong"),
    [
        ({"abs_tol": 0.01}, [0.505, 0.2], ()),
        ({"abs_tol": 0.01}, [0.52, 0.2], (0,)),
        ({"abs_tol": 0, "rel_tol": 0.1}, [0.54, 0.21], ()),  # |0.54 - 0.5| ≤ 0.05, |0.21 - 0.2| ≤ 0.02
        ({"abs_tol": 0, "rel_tol": 0.1}, [0.56, 0.23], (0, 1)),
    ],
)
def test_unrounded_keys_compare_with_the_spec_tolerance(compare, given, wrong):
    key = np.array([0.5, 0.2])
    comparison = compare_sequence(sequence_problem("none", compare), key, np.array(given))
    assert comparison.wrong_positions == wrong


def test_a_vector_step_is_wrong_if_any_unit_is():
    key = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    given = np.array([[1.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
    comparison = compare_sequence(sequence_problem({"to": "integer"}), key, given)
    assert comparison.wrong_positions == (1,)


CHOICES = ChoiceAnswer.model_validate(
    {
        "kind": "choice",
        "multiple": True,
        "choices": [
            {"id": "a", "text": "A"},
            {"id": "b", "text": "B", "correct": True},
            {"id": "c", "text": "C", "correct": True},
        ],
    }
)


@pytest.mark.parametrize(
    ("selected", "correct", "wrongly_selected", "missed"),
    [
        (("b", "c"), True, set(), set()),
        (("b",), False, set(), {"c"}),
        (("a", "b", "c"), False, {"a"}, set()),
        (("a",), False, {"a"}, {"b", "c"}),
        ((), False, set(), {"b", "c"}),
    ],
)
def test_choices(selected, correct, wrongly_selected, missed):
    comparison = compare_choices(CHOICES, selected)
    assert comparison.correct is correct
    assert comparison.wrongly_selected == wrongly_selected
    assert comparison.missed == missed
    assert comparison.all_ids == ("a", "b", "c")


W = EntryNames("∂L/∂W_1", (2, 3))
W_KEY = np.array([[0.5, -0.25, 1.0], [0.0, 2.0, -1.5]])


@pytest.mark.parametrize(
    ("given", "wrong"),
    [
        ([[0.5, -0.25, 1.0], [0.0, 2.0, -1.5]], ()),
        ([[0.505, -0.25, 1.0], [0.0, 2.0, -1.5]], ()),  # within abs_tol 0.01
        ([[0.5, -0.25, 1.0], [1.0, 2.0, -1.5]], (3,)),  # row 2, column 1
        ([[0.5, 0.25, 1.0], [0.0, 2.0, 1.5]], (1, 5)),
        ([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], (0, 1, 2, 3, 4, 5)),
    ],
)
def test_every_number_of_a_matrix_is_an_entry(given, wrong):
    comparison = compare_array(W, W_KEY, np.array(given), 0.01, 0.0)
    assert comparison.wrong_entries == wrong
    assert comparison.correct is (wrong == ())
    assert comparison.right_count == 6 - len(wrong)


def test_a_wrong_shape_names_no_entries():
    comparison = compare_array(W, W_KEY, W_KEY.T, 0.01, 0.0)
    assert (comparison.expected_shape, comparison.given_shape) == ((2, 3), (3, 2))
    assert not comparison.correct and comparison.wrong_entries == () and comparison.right_count == 0


def test_a_single_number_and_a_sequence_of_vectors():
    assert compare_array(EntryNames("y", ()), np.array(0.5), np.array(0.7), 0.01, 0.0).wrong_entries == (0,)
    steps = EntryNames("h", (3, 2), "sequence")
    key = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    given = np.array([[1.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
    # a step of a vector cell is one entry, as compare_sequence has it
    assert compare_array(steps, key, given, 1e-3, 0.0).wrong_entries == (1,)
    assert compare_sequence(sequence_problem({"to": "integer"}), key, given).wrong_positions == (1,)


def test_entries_named_for_another_shape_than_the_key_are_a_programming_error():
    with pytest.raises(ValueError, match="shape"):
        compare_array(EntryNames("W", (3, 2)), W_KEY, W_KEY, 0.01, 0.0)
