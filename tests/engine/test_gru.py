"""The gru kind: keys against hand-computed steps and against a plain per-step implementation here."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from grader.engine.keys import compute_key, compute_keys
from grader.engine.variants import draw_variants
from grader.feedback.audit import audit_problem
from grader.feedback.explain import worked_solution
from grader.feedback.follow_through import follow_through
from grader.feedback.mistakes import diagnose, variants_for
from grader.spec.models import AUDIT_WARNINGS, Problem, known_warnings


def gru_problem(
    gates: dict[str, Any], inputs: Any, evaluation: dict[str, Any] | None = None, h0: Any = 0
) -> Problem:
    statement = "Enter the states for {inputs}." if isinstance(inputs, dict) else "Enter the states."
    return Problem.model_validate(
        {
            "id": "gru",
            "title": "GRU",
            "statement": statement,
            "model": {"cell": "gru", "gates": gates, "initial": {"h": h0}},
            "inputs": inputs,
            "evaluation": evaluation or {},
            "answer": {"kind": "sequence", "of": "h"},
        }
    )


def gate(W_h: Any, W_x: Any, b: Any) -> dict[str, Any]:
    return {"W_h": W_h, "W_x": W_x, "b": b}


HALF = gate(0, 0, 0)  # sigmoid(0) = 1/2 at every step


def test_a_half_open_update_and_reset_by_hand():
    # z = r = 1/2; ñ_0 = tanh(2·(½·0) + 1) = tanh(1); h_0 = ½·0 + ½ tanh(1)
    # ñ_1 = tanh(2·(½·h_0) + 0) = tanh(h_0); h_1 = ½ h_0 + ½ tanh(h_0)
    problem = gru_problem({"update": HALF, "reset": HALF, "candidate": gate(2, 1, 0)}, [1, 0])
    h0 = 0.5 * math.tanh(1)
    h1 = 0.5 * h0 + 0.5 * math.tanh(h0)
    np.testing.assert_allclose(np.asarray(compute_key(problem)), [h0, h1], atol=1e-15)


# name, gates, inputs, evaluation, initial h, the key worked out by hand
KEYS = [
    # z = 0 (b_z = −100), r = 1: h_t = ñ_t = tanh(−100 h_{t-1} + 50 x_t), saturated: 1, −1, 1
    (
        "update closed, saturating",
        {"update": gate(0, 0, -100), "reset": gate(0, 0, 100), "candidate": gate(-100, 50, 0)},
        [1, 1, 0],
        {"activation": "saturating", "rounding": {"to": "integer"}},
        0,
        [1, -1, 1],
    ),
    # z = 1 (b_z = 100): h_t = h_{t-1} whatever comes in
    (
        "update open keeps h",
        {"update": gate(0, 0, 100), "reset": HALF, "candidate": gate(1, 1, 1)},
        [1, -1],
        None,
        0.25,
        [0.25, 0.25],
    ),
    # r = 0 (b_r = −100) hides h_{t-1} from the candidate: ñ_t = tanh(x_t);
    # z = ½: h_t = ½ h_{t-1} + ½ tanh(x_t)
    (
        "reset closed",
        {"update": HALF, "reset": gate(0, 0, -100), "candidate": gate(5, 1, 0)},
        [1, 0],
        None,
        0,
        [0.5 * math.tanh(1), 0.25 * math.tanh(1)],
    ),
]


@pytest.mark.parametrize(
    ("gates", "inputs", "evaluation", "h0", "key"), [c[1:] for c in KEYS], ids=[c[0] for c in KEYS]
)
def test_keys_are_the_hand_computed_steps(gates, inputs, evaluation, h0, key):
    np.testing.assert_allclose(
        np.asarray(compute_key(gru_problem(gates, inputs, evaluation, h0))), key, atol=1e-12
    )


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def matvec(W: list[list[float]], v: list[float]) -> list[float]:
    return [sum(w * x for w, x in zip(row, v, strict=True)) for row in W]


def reference_gru(
    gates: dict[str, dict[str, Any]],
    inputs: list[list[float]],
    h0: list[float],
    *,
    swapped: bool = False,
    reset_one: bool = False,
    update_zero: bool = False,
    no_bias: bool = False,
    reset_after: bool = False,
) -> list[list[float]]:
    """The GRU step by step in plain Python (vector models), with the named misreadings."""
    g = {name: {k: v for k, v in gates[name].items()} for name in ("update", "reset", "candidate")}
    if no_bias:
        for name in g:
            g[name]["b"] = [0.0] * len(h0)
    h, states = list(h0), []
    for x in inputs:

        def pre(name: str, state: list[float], x: list[float] = x) -> list[float]:
            p = g[name]
            return [
                a + c + bias
                for a, c, bias in zip(matvec(p["W_h"], state), matvec(p["W_x"], x), p["b"], strict=True)
            ]

        z = [0.0] * len(h) if update_zero else [sigmoid(v) for v in pre("update", h)]
        if swapped:
            z = [1 - v for v in z]
        r = [1.0] * len(h) if reset_one else [sigmoid(v) for v in pre("reset", h)]
        if reset_after:
            c = g["candidate"]
            recurrent = [ri * v for ri, v in zip(r, matvec(c["W_h"], h), strict=True)]
            n = [
                math.tanh(a + u + bias)
                for a, u, bias in zip(recurrent, matvec(c["W_x"], x), c["b"], strict=True)
            ]
        else:
            n = [math.tanh(v) for v in pre("candidate", [ri * hi for ri, hi in zip(r, h, strict=True)])]
        h = [zi * hi + (1 - zi) * ni for zi, hi, ni in zip(z, h, n, strict=True)]
        states.append(h)
    return states


VECTOR_GATES = {
    "update": gate([[0.5, -1.0], [0.3, 0.2]], [[1.0], [-2.0]], [0.1, -0.4]),
    "reset": gate([[1.5, 0.5], [-0.7, 1.0]], [[-1.0], [0.5]], [0.3, 0.2]),
    "candidate": gate([[2.0, -1.5], [0.6, 1.2]], [[1.0], [0.8]], [-0.2, 0.1]),
}
VECTOR_INPUTS = [[1.0], [-0.5], [2.0], [0.0]]
VECTOR_H0 = [0.3, -0.6]


def test_keys_agree_with_a_plain_per_step_implementation():
    problem = gru_problem(VECTOR_GATES, VECTOR_INPUTS, h0=VECTOR_H0)
    expected = reference_gru(VECTOR_GATES, VECTOR_INPUTS, VECTOR_H0)
    np.testing.assert_allclose(np.asarray(compute_key(problem)), expected, rtol=0, atol=1e-13)


def test_variants_are_computed_for_every_student_in_one_batch():
    scalar = {"update": gate(0, 2, -1), "reset": gate(1, 0, 1), "candidate": gate(1, 1, 0)}
    problem = gru_problem(scalar, {"random": {"alphabet": [-1, 0, 1], "length": 5}})
    draw = draw_variants(problem, [f"s{i}" for i in range(30)], "salt")
    keys = compute_keys(problem, np.stack(draw.inputs))
    vector = {name: {k: [[v]] if k != "b" else [v] for k, v in p.items()} for name, p in scalar.items()}
    for index, inputs in enumerate(draw.inputs):
        expected = reference_gru(vector, inputs.tolist(), [0.0])
        np.testing.assert_allclose(keys[index], np.asarray(expected)[:, 0], atol=1e-13)


def test_the_worked_solution_shows_every_gate():
    problem = gru_problem(
        {"update": HALF, "reset": HALF, "candidate": gate(2, 1, 0)}, [1], {"rounding": {"decimals": 2}}
    )
    solution = worked_solution(problem)
    assert solution.columns() == [
        "t",
        "x_t",
        "h_{t-1}",
        "net_z",
        "z_t",
        "net_r",
        "r_t",
        "net_c",
        "ñ_t",
        "h_t before rounding",
        "h_t rounded",
    ]
    [row] = [[float(np.asarray(v).reshape(-1)[0]) for v in row] for row in solution.rows()]
    np.testing.assert_allclose(
        row, [0, 1, 0, 0, 0.5, 0, 0.5, 1, math.tanh(1), 0.5 * math.tanh(1), 0.38], atol=1e-12
    )


SCALAR = {"update": gate(0, 2, -1), "reset": gate(1, 0, 1), "candidate": gate(1, 1, 0)}
SCALAR_INPUTS = [1, 0, 1, -1]


def test_the_audit_knob_z_against_one_minus_z():
    audit = audit_problem(gru_problem(SCALAR, SCALAR_INPUTS))
    change = next(change for change in audit.changes if change.id == "semantics:update_swapped")
    vector = {name: {k: [[v]] if k != "b" else [v] for k, v in p.items()} for name, p in SCALAR.items()}
    swapped = np.asarray(reference_gru(vector, [[x] for x in SCALAR_INPUTS], [0.0], swapped=True))[:, 0]
    np.testing.assert_allclose(change.alternative, swapped, atol=1e-12)
    # a course may accept the knob's warning like any other
    assert "semantics:update_swapped" in known_warnings() and "semantics:update_swapped" not in AUDIT_WARNINGS


def test_z_against_one_minus_z_makes_no_difference_when_z_is_one_half():
    audit = audit_problem(gru_problem({"update": HALF, "reset": HALF, "candidate": gate(2, 1, 0)}, [1, 0]))
    assert "semantics:update_swapped" not in [change.id for change in audit.changes]


# the misreading, and the variant that must be the only explanation of its answer
MISTAKES = [
    ({"swapped": True}, "update_swapped"),
    ({"reset_one": True}, "reset_gate_ignored"),
    ({"update_zero": True}, "update_gate_ignored"),
    ({"no_bias": True}, "biases_forgotten"),
    ({"reset_after": True}, "reset_after_product"),
]


@pytest.mark.parametrize(("misreading", "variant"), MISTAKES, ids=[m[1] for m in MISTAKES])
def test_each_mistake_is_the_only_explanation(misreading, variant):
    problem = gru_problem(VECTOR_GATES, VECTOR_INPUTS, h0=VECTOR_H0)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    given = np.asarray(reference_gru(VECTOR_GATES, VECTOR_INPUTS, VECTOR_H0, **misreading))
    matches = diagnose(problem, key, given)
    assert [match.variant for match in matches] == [variant]
    assert matches[0].sentence.startswith("Your answer is what you get")


def test_the_reset_forms_agree_for_a_scalar_model():
    names = [variant.name for _, variant in variants_for(gru_problem(SCALAR, SCALAR_INPUTS))]
    assert "reset_after_product" not in names and "update_swapped" in names


def test_a_wrong_entry_that_follows_from_the_students_own_state_follows():
    problem = gru_problem(SCALAR, SCALAR_INPUTS)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    vector = {name: {k: [[v]] if k != "b" else [v] for k, v in p.items()} for name, p in SCALAR.items()}
    # a slip at h_0 = 0.5; h_1 is what one step gives from it; h_2 and h_3 are right
    after = reference_gru(vector, [[0.0]], [0.5])[0][0]
    found = follow_through(problem, key, np.array([0.5, after, key[2], key[3]]))
    assert found is not None
    assert (found.follows, found.independent, found.unknown) == ((1,), (0,), ())
