"""The rnn kind: h_t = nonlinearity(W_h h_{t-1} + W_x x_t + b), keys checked against hand-computed steps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.engine.keys import compute_key, compute_keys
from grader.engine.variants import draw_variants, variant_for
from grader.feedback.audit import audit_problem
from grader.feedback.explain import worked_solution
from grader.feedback.follow_through import follow_through
from grader.feedback.mistakes import diagnose, variants_for
from grader.spec.models import Problem


def rnn_problem(model: dict[str, Any], inputs: Any, evaluation: dict[str, Any] | None = None) -> Problem:
    statement = "Enter the states for {inputs}." if isinstance(inputs, dict) else "Enter the states."
    return Problem.model_validate(
        {
            "id": "rnn",
            "title": "RNN",
            "statement": statement,
            "model": {"cell": "rnn", **model},
            "inputs": inputs,
            "evaluation": evaluation or {},
            "answer": {"kind": "sequence", "of": "h"},
        }
    )


# name, model, inputs, evaluation, the key worked out by hand
KEYS = [
    # tanh(1) = 0.7616 → 0.76; tanh(0.5·0.76) = tanh(0.38) = 0.3627 → 0.36; tanh(0.18 + 1) = 0.8275 → 0.83
    (
        "tanh, 2 decimals",
        {"W_h": 0.5, "W_x": 1, "b": 0},
        [1, 0, 1],
        {"rounding": {"decimals": 2}},
        [0.76, 0.36, 0.83],
    ),
    # relu(0 + 2 − 1) = 1; relu(1 + 0 − 1) = 0; relu(0 + 4 − 1) = 3
    ("relu", {"W_h": 1, "W_x": 2, "b": -1, "nonlinearity": "relu"}, [1, 0, 2], None, [1, 0, 3]),
    # h_0 = [1, 2]; h_1 = [[0, 1], [1, 0]] [1, 2] + [1, 2] = [3, 3]
    (
        "identity, two units",
        {"W_h": [[0, 1], [1, 0]], "W_x": [[1], [2]], "b": [0, 0], "nonlinearity": "identity"},
        [1, 1],
        None,
        [[1, 2], [3, 3]],
    ),
    # z = 5 and z = −5: the saturating sigmoid gives 1 and 0
    (
        "saturating sigmoid",
        {"W_h": 0, "W_x": 10, "b": -5, "nonlinearity": "sigmoid"},
        [1, 0],
        {"activation": {"kind": "saturating", "at": 1}, "rounding": {"to": "integer"}},
        [1, 0],
    ),
    # tanh(0.4) = 0.38 → 0, and 0 is what the next step sees: tanh(0 + 0.4) again
    (
        "carry rounded",
        {"W_h": 1, "W_x": 0, "b": 0.4},
        [0, 0, 0],
        {"rounding": {"to": "integer"}, "carry": "rounded"},
        [0, 0, 0],
    ),
    # the next step sees 0.3799: tanh(0.7799) = 0.65 → 1, tanh(0.6527 + 0.4) = 0.78 → 1
    (
        "carry exact",
        {"W_h": 1, "W_x": 0, "b": 0.4},
        [0, 0, 0],
        {"rounding": {"to": "integer"}, "carry": "exact"},
        [0, 1, 1],
    ),
    # initial h_{-1} = 2: relu(2·1 + 0 − 1) = 1, then relu(1 − 1) = 0
    (
        "initial state",
        {"W_h": 1, "W_x": 0, "b": -1, "nonlinearity": "relu", "initial": {"h": 2}},
        [0, 0],
        None,
        [1, 0],
    ),
    # ties: tanh(atanh(0.5)) = 0.5 rounds toward zero to 0
    (
        "a tie toward zero",
        {"W_h": 0, "W_x": 0.5493061443340549, "b": 0},
        [1],
        {"rounding": {"to": "integer", "ties": "toward_zero"}},
        [0],
    ),
]


@pytest.mark.parametrize(
    ("model", "inputs", "evaluation", "key"), [c[1:] for c in KEYS], ids=[c[0] for c in KEYS]
)
def test_keys_are_the_hand_computed_steps(model, inputs, evaluation, key):
    computed = compute_key(rnn_problem(model, inputs, evaluation))
    np.testing.assert_allclose(np.asarray(computed), np.asarray(key, dtype=float), atol=1e-12)


def test_variants_are_computed_for_every_student_in_one_batch():
    problem = rnn_problem({"W_h": 0.5, "W_x": 1, "b": 0}, {"random": {"alphabet": [0, 1], "length": 4}})
    students = [f"s{i}" for i in range(20)]
    draw = draw_variants(problem, students, "salt")
    batch = np.stack(draw.inputs)
    keys = compute_keys(problem, batch)
    for index, inputs in enumerate(draw.inputs):
        np.testing.assert_allclose(keys[index], np.asarray(compute_key(problem, inputs)))
    variant = variant_for(problem, "s3", "salt")
    assert variant.inputs is not None and variant.statement.startswith("Enter the states for [")


def test_the_worked_solution_shows_every_step():
    solution = worked_solution(
        rnn_problem({"W_h": 0.5, "W_x": 1, "b": 0}, [1, 0], {"rounding": {"decimals": 2}})
    )
    assert solution.columns() == ["t", "x_t", "h_{t-1}", "z_t", "tanh(z_t)", "h_t rounded"]
    rows = [[float(np.asarray(v).reshape(-1)[0]) for v in row] for row in solution.rows()]
    np.testing.assert_allclose(
        rows, [[0, 1, 0, 1, np.tanh(1), 0.76], [1, 0, 0.76, 0.38, np.tanh(0.38), 0.36]], atol=1e-12
    )


def test_the_audit_reports_the_readings_that_change_the_key():
    exact = audit_problem(
        rnn_problem({"W_h": 0.5, "W_x": 1, "b": 0}, [1, 0, 1], {"rounding": {"decimals": 2}})
    )
    assert [change.id for change in exact.changes] == ["semantics:activation_saturating"]
    carry = audit_problem(
        rnn_problem(
            {"W_h": 1, "W_x": 0, "b": 0.4}, [0, 0, 0], {"rounding": {"to": "integer"}, "carry": "rounded"}
        )
    )
    assert "semantics:carry_exact" in [change.id for change in carry.changes]
    # relu ignores the activation rule: no warning about it
    relu = audit_problem(rnn_problem({"W_h": 1, "W_x": 2, "b": -1, "nonlinearity": "relu"}, [1, 0, 2]))
    assert relu.changes == ()


# name, model, inputs, the wrong answer worked out by hand, the one mistake that explains it
IDENTITY = {"W_h": 2, "W_x": 1, "b": 1, "nonlinearity": "identity"}  # key for [1, 2]: [2, 7]
MISTAKES = [
    # b = 0: h_0 = 1, h_1 = 2 + 2 = 4
    ("bias forgotten", IDENTITY, [1, 2], [1, 4], "bias_forgotten"),
    # every step from h_{-1} = 0: h_0 = 2, h_1 = 0 + 2 + 1 = 3
    ("h_{-1} at every step", IDENTITY, [1, 2], [2, 3], "initial_state_every_step"),
    # W_h = 1, W_x = 2 (key [1, 3, 6]): h_0 = 2, h_1 = 2 + 2 = 4, h_2 = 4
    (
        "weights swapped",
        {"W_h": 2, "W_x": 1, "b": 0, "nonlinearity": "identity"},
        [1, 1, 0],
        [2, 4, 4],
        "weights_swapped",
    ),
    # key relu(−1) = 0, relu(−2) = 0; without relu: −1, −1 + 0 − 2 = −3
    (
        "nonlinearity forgotten",
        {"W_h": 1, "W_x": 1, "b": -2, "nonlinearity": "relu"},
        [1, 0],
        [-1, -3],
        "nonlinearity_forgotten",
    ),
]


@pytest.mark.parametrize(
    ("model", "inputs", "given", "variant"), [c[1:] for c in MISTAKES], ids=[c[0] for c in MISTAKES]
)
def test_each_mistake_is_the_only_explanation(model, inputs, given, variant):
    problem = rnn_problem(model, inputs)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    matches = diagnose(problem, key, np.array(given, dtype=float))
    assert [match.variant for match in matches] == [variant]
    assert matches[0].sentence


def test_weights_are_not_swapped_when_the_shapes_do_not_allow_it():
    problem = rnn_problem({"W_h": [[1]], "W_x": [[1, 2]], "b": [0], "nonlinearity": "identity"}, [[1, 1]])
    assert "weights_swapped" not in [variant.name for _, variant in variants_for(problem)]


def test_a_wrong_entry_that_follows_from_the_students_own_state_follows():
    problem = rnn_problem(IDENTITY, [1, 2, 0])  # key [2, 7, 15]
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    # h_0 = 3 is a slip; h_1 = 2·3 + 2 + 1 = 9 follows from it; h_2 = 5 does not
    found = follow_through(problem, key, np.array([3.0, 9.0, 5.0]))
    assert found is not None
    assert (found.follows, found.independent) == ((1,), (0, 2))
