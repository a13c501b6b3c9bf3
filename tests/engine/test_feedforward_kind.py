"""The feedforward kind: `model: {network: feedforward, layers}`, graded per input point.

Keys are checked against layers worked out by hand; the mistakes each against the one wrong
answer only they explain.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from grader.auth import issue_student_token
from grader.engine.keys import answer_vector_size, compute_key, compute_keys
from grader.engine.variants import draw_variants
from grader.feedback.audit import audit_problem
from grader.feedback.explain import worked_solution
from grader.feedback.mistakes import diagnose, variants_for
from grader.grading import grade_answer
from grader.service import ServiceSettings, create_app
from grader.spec.loader import load_problems
from grader.spec.models import Problem
from grader.storage import open_storage
from tests.conftest import ROOT

# y = softmax_2(W_2 relu(W_1 a_0 + b_1) + b_2), the sample problem's network
SOFTMAX = [
    {"W": [[1, -1], [0.5, 1]], "b": [0, -0.5], "activation": "relu"},
    {"W": [[1, 0], [0, 1], [-1, 1]], "b": [0, 0, 0.5], "activation": {"kind": "softmax", "beta": 2}},
]


def network_problem(
    layers: list[dict[str, Any]],
    inputs: Any,
    evaluation: dict[str, Any] | None = None,
    answer: dict[str, Any] | None = None,
) -> Problem:
    statement = "Enter the outputs for {inputs}." if isinstance(inputs, dict) else "Enter the outputs."
    return Problem.model_validate(
        {
            "id": "network",
            "title": "Network",
            "statement": statement,
            "model": {"network": "feedforward", "layers": layers},
            "inputs": inputs,
            "evaluation": evaluation or {},
            "answer": answer or {"kind": "outputs"},
        }
    )


def softmax(z: list[float], beta: float) -> list[float]:
    e = np.exp(beta * np.asarray(z))
    return list(e / e.sum())


# name, layers, inputs, evaluation, answer, the key worked out by hand
KEYS = [
    # point (1, 0): a_1 = relu([1, 0.5 − 0.5]) = [1, 0], z_2 = [1, 0, −0.5];
    # point (0, 1): a_1 = relu([−1, 1 − 0.5]) = [0, 0.5], z_2 = [0, 0.5, 1]
    (
        "softmax with beta",
        SOFTMAX,
        [[1, 0], [0, 1]],
        None,
        None,
        [softmax([1, 0, -0.5], 2), softmax([0, 0.5, 1], 2)],
    ),
    (
        "the hidden layer",
        SOFTMAX,
        [[1, 0], [0, 1]],
        None,
        {"kind": "outputs", "layer": 1},
        [[1, 0], [0, 0.5]],
    ),
    (
        "layer 2 of 2 is the output",
        SOFTMAX,
        [[1, 0]],
        {"rounding": {"decimals": 2}},
        {"kind": "outputs", "layer": 2},
        [[0.84, 0.11, 0.04]],
    ),
    # a scalar network: y = 2·tanh(x) − 1 with tanh(1) = 0.7616 → 0.76, 2·0.76 − 1 = 0.52
    (
        "scalar, carry rounded",
        [{"W": 1, "b": 0, "activation": "tanh"}, {"W": 2, "b": -1}],
        [1, 0],
        {"rounding": {"decimals": 2}},
        None,
        [0.52, -1],
    ),
    # with carry exact the output layer reads 0.76159…: 2·0.76159 − 1 = 0.5232 → 0.52 as well, but
    # 3·tanh(1) = 2.2848 → 2.28 where 3·0.76 = 2.28; 7·tanh(1) = 5.3312 → 5.33 where 7·0.76 = 5.32
    (
        "scalar, carry exact",
        [{"W": 1, "b": 0, "activation": "tanh"}, {"W": 7, "b": 0}],
        [1],
        {"rounding": {"decimals": 2}, "carry": "exact"},
        None,
        [5.33],
    ),
    (
        "scalar, carry rounded reads the rounded a_1",
        [{"W": 1, "b": 0, "activation": "tanh"}, {"W": 7, "b": 0}],
        [1],
        {"rounding": {"decimals": 2}},
        None,
        [5.32],
    ),
    # sigmoid(0) = 0.5 in each of two units, then 1·0.5 + 1·0.5 + 0 = 1
    (
        "two units into one",
        [{"W": [[1], [2]], "b": [0, 0], "activation": "sigmoid"}, {"W": [[1, 1]], "b": [0]}],
        [[0]],
        None,
        None,
        [[1]],
    ),
]


@pytest.mark.parametrize(
    ("layers", "inputs", "evaluation", "answer", "key"), [c[1:] for c in KEYS], ids=[c[0] for c in KEYS]
)
def test_keys_are_the_hand_computed_layers(layers, inputs, evaluation, answer, key):
    computed = compute_key(network_problem(layers, inputs, evaluation, answer))
    np.testing.assert_allclose(np.asarray(computed), np.asarray(key, dtype=float), atol=1e-12)


def test_an_answer_is_parsed_with_the_size_of_the_layer_it_asks_for():
    assert answer_vector_size(network_problem(SOFTMAX, [[1, 0]])) == 3
    assert answer_vector_size(network_problem(SOFTMAX, [[1, 0]], answer={"kind": "outputs", "layer": 1})) == 2
    assert answer_vector_size(network_problem([{"W": 2, "b": 1}], [1, 2])) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": {"kind": "outputs", "layer": 3}}, "expected a layer from 1 to 2; got 3"),
        ({"answer": {"kind": "outputs", "layer": 0}}, "greater than or equal to 1"),
        (
            {"model": {"cell": "rnn", "W_h": 1, "W_x": 1, "b": 0}, "inputs": [1]},
            "a `cell: rnn` model's answer is 'sequence'; got 'outputs'",
        ),
    ],
)
def test_a_layer_the_model_does_not_have_is_an_error(change, message):
    data = {
        "id": "network",
        "title": "Network",
        "statement": "s",
        "model": {"network": "feedforward", "layers": SOFTMAX},
        "inputs": [[1, 0]],
        "answer": {"kind": "outputs", "layer": 1},
        **change,
    }
    with pytest.raises(ValidationError, match=message):
        Problem.model_validate(data)


def test_variants_are_computed_for_every_student_in_one_batch():
    problem = network_problem(
        [{"W": 2, "b": 0, "activation": "relu"}, {"W": 1, "b": 1}],
        {"random": {"alphabet": [-1, 0, 1, 2], "length": 3}},
    )
    students = [f"s{i}" for i in range(20)]
    draw = draw_variants(problem, students, "salt")
    batch = np.stack(draw.inputs)
    keys = compute_keys(problem, batch)
    for index, inputs in enumerate(draw.inputs):
        points = np.asarray(inputs).reshape(-1)
        np.testing.assert_allclose(keys[index], np.maximum(2 * points, 0) + 1)


def test_choose_from_draws_a_list_of_points():
    problem = network_problem(SOFTMAX, {"choose_from": [[[1, 0]], [[0, 1], [1, 0]]]})
    draw = draw_variants(problem, [f"s{i}" for i in range(8)], "salt")
    assert sorted(np.shape(inputs) for inputs in draw.inputs) == [(1, 2), (2, 2)]


def test_the_worked_solution_shows_every_layer_of_every_point():
    solution = worked_solution(network_problem(SOFTMAX, [[1, 0]], {"rounding": {"decimals": 2}}))
    assert solution.columns() == [
        "point", "a_0", "z_1", "relu(z_1)", "a_1 rounded", "z_2", "softmax(z_2)", "a_2 rounded",
    ]  # fmt: skip
    (row,) = solution.rows()
    np.testing.assert_allclose(row[5], [1, 0, -0.5])
    np.testing.assert_allclose(row[7], [0.84, 0.11, 0.04])


def test_the_audit_warns_of_a_forgotten_beta_and_of_relu_on_the_output():
    beta = audit_problem(network_problem(SOFTMAX, [[1, 0]], {"rounding": {"decimals": 2}}))
    assert [change.id for change in beta.changes] == ["semantics:softmax_beta_forgotten"]
    linear = [{"W": 1, "b": -1}]
    relu = audit_problem(network_problem(linear, [0, 2]))
    assert [change.id for change in relu.changes] == ["semantics:relu_on_output"]
    # relu on the output changes nothing when every output is positive
    assert audit_problem(network_problem(linear, [2, 3])).changes == ()


# key of LINEAR for the points [1, 2]: a_1 = relu([2·1 + 1, 2·2 + 1]) = [3, 5], y = [3 + 3, 5 + 3]
LINEAR = [{"W": 2, "b": 1, "activation": "relu"}, {"W": 1, "b": 3}]
# name, layers, inputs, the wrong answer worked out by hand, the one mistake that explains it
MISTAKES = [
    # without biases: y = 2·1, 2·2 (a flipped b_1 gives [4, 6], a flipped b_2 [0, 2])
    ("biases forgotten", LINEAR, [1, 2], [2, 4], "bias_forgotten"),
    # W_1 = [[1, 2], [0, 1]] read as its transpose: a_1 = [1, 2] for the point (1, 0), y = 1 + 2
    (
        "W transposed",
        [{"W": [[1, 2], [0, 1]], "b": [0, 0]}, {"W": [[1, 1]], "b": [0]}],
        [[1, 0]],
        [[3]],
        "weights_transposed",
    ),
    # the softmax left out: y = z_2 = [1, 0, −0.5]
    ("output activation forgotten", SOFTMAX, [[1, 0]], [[1, 0, -0.5]], "output_activation_forgotten"),
    # relu left out on the hidden layer (key relu(−1) + 3 = 3): a_1 = 2·(−1) + 1 = −1, y = 2
    ("hidden activation forgotten", LINEAR, [-1], [2], "hidden_activation_forgotten"),
    # β = 1 for the point (1, 0): softmax_1([1, 0, −0.5])
    ("softmax without beta", SOFTMAX, [[1, 0]], [softmax([1, 0, -0.5], 1)], "softmax_beta_forgotten"),
]


@pytest.mark.parametrize(
    ("layers", "inputs", "given", "variant"), [c[1:] for c in MISTAKES], ids=[c[0] for c in MISTAKES]
)
def test_each_mistake_is_the_only_explanation(layers, inputs, given, variant):
    problem = network_problem(layers, inputs)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    matches = diagnose(problem, key, np.array(given, dtype=float))
    assert [match.variant for match in matches] == [variant]
    assert matches[0].sentence


def test_the_order_of_the_points_is_no_mistake_of_a_network():
    names = [variant.name for _, variant in variants_for(network_problem(LINEAR, [1, 2]))]
    assert "inputs_reversed" not in names and not any("initial_state" in name for name in names)


def test_a_symmetric_or_rectangular_w_is_never_transposed():
    symmetric = [{"W": [[1, 2], [2, 1]], "b": [0, 0]}]
    rectangular = [{"W": [[1, 2, 3], [4, 5, 6]], "b": [0, 0]}]
    for layers, point in ((symmetric, [[1, 0]]), (rectangular, [[1, 0, 0]])):
        names = [variant.name for _, variant in variants_for(network_problem(layers, point))]
        assert "weights_transposed" not in names


def test_an_answer_is_graded_per_point():
    problem = network_problem(SOFTMAX, [[1, 0], [0, 1]], {"rounding": {"decimals": 2}})
    key = compute_key(problem)
    right = grade_answer(problem, "[[0.84, 0.11, 0.04], [0.09, 0.24, 0.67]]", key)
    assert right.score == 1
    wrong = grade_answer(problem, "[[0.84, 0.11, 0.04], [0.09, 0.24, 0.68]]", key, level="positions")
    assert wrong.score == 0 and wrong.feedback == (
        "Not correct: output 3 of point 2 is wrong; the other entries are right."
    )
    per_entry = problem.model_copy(update={"scoring": "per_element"})
    assert grade_answer(per_entry, "0.84 0.11 0.04; 0.09 0.24 0.68", key).score == pytest.approx(5 / 6)
    short = grade_answer(problem, "[[0.84, 0.11], [0.09, 0.24]]", key)
    assert short.attempts_used == 1 and short.feedback == (
        "Expected 2 rows of 3 numbers (a 2×3 matrix), one row of outputs per point; you gave 2 rows of "
        "2 numbers (a 2×2 matrix)."
    )
    ragged = grade_answer(problem, "[[0.84, 0.11, 0.04], [0.09, 0.24]]", key)
    assert ragged.attempts_used == 0 and ragged.feedback.startswith(
        "Could not read your answer: row 2 has 2 numbers; expected 3. Enter 2 rows of 3 numbers "
        "(a 2×3 matrix), one row of outputs per point"
    )


# --- gradients --------------------------------------------------------------------------------

TWO_LAYERS = [
    {"W": [[0.5, -0.5], [1, 0.3]], "b": [0.1, -0.5], "activation": "tanh"},
    {"W": [[1, -1], [0.2, 0.7]], "b": [0, 0.4], "activation": "sigmoid"},
]
SOFTMAX_OUT = [
    TWO_LAYERS[0],
    {"W": [[1, -1], [0.2, 0.7]], "b": [0, 0.4], "activation": {"kind": "softmax", "beta": 1.5}},
]
HINGE_OUT = [TWO_LAYERS[0], {"W": [[1, -1]], "b": [0.2]}]
POINTS = [[1, 2], [-0.5, 0.3], [0.2, -1]]


def gradient_problem(
    layers: list[dict[str, Any]], loss: dict[str, Any], wrt: str, inputs: Any = POINTS
) -> Problem:
    return Problem.model_validate(
        {
            "id": "gradient",
            "title": "Gradient",
            "statement": "Enter the gradient for {inputs}." if isinstance(inputs, dict) else "Enter it.",
            "model": {"network": "feedforward", "layers": layers, "loss": loss},
            "inputs": inputs,
            "answer": {"kind": "gradient", "wrt": wrt},
        }
    )


@pytest.mark.parametrize(
    ("wrt", "wrong", "named"),
    [
        ("layers.1.W", [(1, 0)], "row 2, column 1 of ∂L/∂W_1 is wrong"),
        ("layers.1.W", [(0, 1), (1, 0)], "row 1 (column 2) and row 2 (column 1) of ∂L/∂W_1 are wrong"),
        ("layers.2.W", [(0, 0), (0, 1)], "row 1, columns 1 and 2 of ∂L/∂W_2 are wrong"),
        ("layers.2.b", [(1,)], "entry 2 of ∂L/∂b_2 is wrong"),
    ],
)
def test_a_gradient_is_graded_per_entry_and_named_by_row_and_column(wrt, wrong, named):
    problem = gradient_problem(TWO_LAYERS, {"kind": "squared_error", "target": [1, 0]}, wrt)
    key = np.asarray(compute_key(problem))
    given = key.copy()
    for entry in wrong:
        given[entry] += 1
    result = grade_answer(problem, given.tolist(), key, level="positions")
    assert result.feedback == f"Not correct: {named}; the other entries are right."
    per_entry = problem.model_copy(update={"scoring": "per_element"})
    assert grade_answer(per_entry, given.tolist(), key).score == pytest.approx(1 - len(wrong) / key.size)


def test_a_gradient_of_the_wrong_shape_says_the_parameters_shape():
    problem = gradient_problem(TWO_LAYERS, {"kind": "squared_error", "target": [1, 0]}, "layers.1.W")
    key = compute_key(problem)
    result = grade_answer(problem, "1 2 3; 4 5 6", key)
    assert result.attempts_used == 1 and result.feedback == (
        "Expected ∂L/∂W_1 as 2 rows of 2 numbers (a 2×2 matrix); you gave 2 rows of 3 numbers (a 2×3 matrix)."
    )
    flat = grade_answer(problem, "1 2 3 4", key)
    assert flat.attempts_used == 0 and flat.feedback.startswith(
        "Could not read your answer: expected 2 rows of 2 numbers (a 2×2 matrix); got one row of 4 numbers"
    )


def test_the_gradient_of_a_parameter_written_as_a_number_is_named_by_itself():
    layers = [{"W": 0.5, "b": 0.1, "activation": "tanh"}, {"W": 2.0, "b": 0.0}]
    problem = gradient_problem(layers, {"kind": "squared_error", "target": 1}, "layers.1.W", inputs=[1, 2])
    key = compute_key(problem)
    assert grade_answer(problem, str(float(key[0])), key).score == 1
    wrong = grade_answer(problem, "[[3]]", key, level="positions")
    assert wrong.feedback == "Not correct: every entry is wrong (∂L/∂W_1)."


def loss_of(layers: list[dict[str, Any]], loss: dict[str, Any], points: list[list[float]]) -> float:
    """The loss summed over the points, computed directly (no engine): the finite differences' f."""
    total = 0.0
    for point in points:
        a = np.asarray(point, dtype=float)
        for layer in layers:
            z = np.asarray(layer["W"], dtype=float) @ a + np.asarray(layer["b"], dtype=float)
            activation = layer.get("activation", "identity")
            if isinstance(activation, dict):
                e = np.exp(activation["beta"] * (z - z.max()))
                a = e / e.sum()
            else:
                functions = {
                    "tanh": np.tanh,
                    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
                    "identity": lambda v: v,
                }
                a = functions[activation](z)
        if loss["kind"] == "squared_error":
            total += 0.5 * float(np.sum((a - np.asarray(loss["target"])) ** 2))
        elif loss["kind"] == "cross_entropy":
            total += -float(np.log(a[loss["target"]]))
        else:
            total += max(0.0, 1 - loss["target"] * float(a[0]))
    return total


def central_difference(layers: list[dict[str, Any]], loss: dict[str, Any], wrt: str) -> np.ndarray:
    _, k, parameter = wrt.split(".")
    base = np.asarray(layers[int(k) - 1][parameter], dtype=float)
    found = np.zeros_like(base)
    step = 1e-6
    for index in np.ndindex(base.shape):
        values = []
        for sign in (1, -1):
            changed = [dict(layer) for layer in layers]
            moved = base.copy()
            moved[index] += sign * step
            changed[int(k) - 1][parameter] = moved.tolist()
            values.append(loss_of(changed, loss, POINTS))
        found[index] = (values[0] - values[1]) / (2 * step)
    return found


GRADIENTS = [
    ("squared error", TWO_LAYERS, {"kind": "squared_error", "target": [1, 0]}),
    ("cross-entropy on softmax with beta", SOFTMAX_OUT, {"kind": "cross_entropy", "target": 1}),
    ("hinge", HINGE_OUT, {"kind": "hinge", "target": 1}),
]


@pytest.mark.parametrize("wrt", ["layers.1.W", "layers.1.b", "layers.2.W", "layers.2.b"])
@pytest.mark.parametrize(("layers", "loss"), [c[1:] for c in GRADIENTS], ids=[c[0] for c in GRADIENTS])
def test_a_gradient_key_is_the_central_finite_difference(layers, loss, wrt):
    key = compute_key(gradient_problem(layers, loss, wrt))
    np.testing.assert_allclose(np.asarray(key), central_difference(layers, loss, wrt), atol=1e-6)


def test_a_gradient_is_parsed_in_the_shape_of_its_parameter():
    # ∂L/∂W_1 row by row (two inputs per row), ∂L/∂b_2 as plain numbers
    problem = gradient_problem(TWO_LAYERS, GRADIENTS[0][2], "layers.1.W")
    assert answer_vector_size(problem) == 2 and np.shape(compute_key(problem)) == (2, 2)
    bias = gradient_problem(TWO_LAYERS, GRADIENTS[0][2], "layers.2.b")
    assert answer_vector_size(bias) is None and np.shape(compute_key(bias)) == (2,)


def test_the_sample_backprop_gradient_is_the_hand_computed_one():
    # the hand computation of problems/network/backprop.yaml, written in its statement's terms
    layers = [{"W": [[0.5, -0.5], [1, 0]], "b": [0, -0.5], "activation": "relu"}, {"W": [[1, -1]], "b": [0]}]
    problem = gradient_problem(
        layers, {"kind": "squared_error", "target": [1]}, "layers.1.W", [[1, 2], [2, 0]]
    )
    # point (1, 2): a_1 = [0, 0.5], y = −0.5, δ_2 = −1.5, δ_1 = [−1.5, 1.5] ⊙ [0, 1] = [0, 1.5]
    # point (2, 0): a_1 = [1, 1.5], y = −0.5, δ_2 = −1.5, δ_1 = [−1.5, 1.5]
    # ∂L/∂W_1 = [0, 1.5]ᵀ [1, 2] + [−1.5, 1.5]ᵀ [2, 0] = [[−3, 0], [4.5, 3]]
    np.testing.assert_allclose(np.asarray(compute_key(problem)), [[-3, 0], [4.5, 3]])
    solution = worked_solution(problem)
    assert solution.columns()[-2:] == ["δ_2 = ∂L/∂z_2", "δ_1 = ∂L/∂z_1"]
    np.testing.assert_allclose(solution.rows()[0][-1], [0, 1.5])


def test_gradients_of_every_variant_are_computed_in_one_batch():
    layers = [{"W": 2, "b": 0, "activation": "tanh"}, {"W": 1.5, "b": 0.5}]
    loss = {"kind": "squared_error", "target": 1}
    problem = gradient_problem(
        layers, loss, "layers.1.W", {"random": {"alphabet": [-1, 0, 1, 2], "length": 2}}
    )
    draw = draw_variants(problem, [f"s{i}" for i in range(12)], "salt")
    keys = compute_keys(problem, np.stack(draw.inputs))
    for index, inputs in enumerate(draw.inputs):
        points = np.asarray(inputs).reshape(-1)
        # ∂L/∂W_1 = Σ (y − 1)·1.5·(1 − tanh²(2x))·x, with y = 1.5 tanh(2x) + 0.5
        a = np.tanh(2 * points)
        expected = np.sum((1.5 * a + 0.5 - 1) * 1.5 * (1 - a * a) * points)
        np.testing.assert_allclose(keys[index], [expected], atol=1e-12)


# the backprop sample's network: ∂L/∂W_1 = [[−3, 0], [4.5, 3]]
BACKPROP = [{"W": [[0.5, -0.5], [1, 0]], "b": [0, -0.5], "activation": "relu"}, {"W": [[1, -1]], "b": [0]}]
GRADIENT_MISTAKES = [
    ("the gradient's sign", [[3, 0], [-4.5, -3]], "gradient_sign"),
    # δ_1 without relu'(z_1): point (1, 2) gives [−1.5, 1.5]ᵀ [1, 2] = [[−1.5, −3], [1.5, 3]],
    # point (2, 0) as before
    ("a missing activation derivative", [[-4.5, -3], [4.5, 3]], "activation_derivative_forgotten"),
]


@pytest.mark.parametrize(
    ("given", "variant"), [c[1:] for c in GRADIENT_MISTAKES], ids=[c[0] for c in GRADIENT_MISTAKES]
)
def test_each_gradient_mistake_is_the_only_explanation(given, variant):
    problem = gradient_problem(
        BACKPROP, {"kind": "squared_error", "target": [1]}, "layers.1.W", [[1, 2], [2, 0]]
    )
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    matches = diagnose(problem, key, np.array(given, dtype=float))
    assert [match.variant for match in matches] == [variant]
    assert matches[0].sentence


# --- the shipped samples: problems/network, submissions/network -------------------------------

SAMPLES = ROOT / "problems" / "network"
SAMPLE_SUBMISSIONS = ROOT / "submissions" / "network"
NOW = ("--now", "2023-03-20T12:00:00+00:00")


def test_the_network_samples_pass_their_own_strict_check(grade, golden, monkeypatch):
    monkeypatch.chdir(ROOT)
    run = grade("check", "--strict", "problems/network")
    assert run.code == 0, run.err
    golden("check_network.txt", run.out)


def test_the_network_sample_keys_are_the_engines(grade, golden, monkeypatch):
    monkeypatch.chdir(ROOT)
    run = grade("key", "problems/network")
    assert run.code == 0, run.err
    golden("key_network.txt", run.out)


@pytest.mark.parametrize(("fmt", "name"), [("table", "grade_network.txt"), ("json", "grade_network.json")])
def test_the_network_sample_submissions_grade_to_the_golden_reports(grade, golden, fmt, name):
    run = grade(SAMPLE_SUBMISSIONS, "--problems", SAMPLES, "--format", fmt, *NOW)
    assert run.code == 0, run.err
    golden(name, run.out)


@pytest.mark.parametrize("problem", ["feedforward-softmax", "backprop"])
def test_each_network_sample_has_a_worked_solution(grade, golden, problem):
    run = grade("explain", SAMPLES / f"{problem}.yaml")
    assert run.code == 0, run.err
    golden(f"explain_network_{problem}.txt", run.out)


def test_the_service_grades_the_network_samples(tmp_path):
    settings = ServiceSettings(
        problems=load_problems(SAMPLES),
        storage=open_storage(f"sqlite:///{tmp_path / 'grader.db'}"),
        secret="test-secret-0123456789abcdef",
        staff_token="test-staff-token-0123456789",
        clock=lambda: datetime(2023, 3, 1, 12, 0, tzinfo=timezone.utc),
    )
    token = issue_student_token(
        "test-secret-0123456789abcdef",
        "alice",
        now=datetime(2023, 3, 1, 12, 0, tzinfo=timezone.utc),
        valid_for=timedelta(days=1),
    )
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:

        def submit(problem: str, answer: object) -> dict[str, Any]:
            url = f"/api/problems/{problem}/submissions"
            response = client.post(url, json={"answer": answer}, headers=headers)
            assert response.status_code in (200, 201), response.text
            body: dict[str, Any] = response.json()
            return body

        right = submit("feedforward-softmax", "[[0.84, 0.11, 0.04], [0.09, 0.24, 0.67]]")
        assert (right["status"], right["score"]) == ("correct", 1.0)
        plain = submit("feedforward-softmax", [[0.63, 0.23, 0.14], [0.19, 0.31, 0.51]])
        assert plain["status"] == "incorrect" and "plain softmax" in plain["feedback"]
        sign = submit("backprop", "3 0; -4.5 -3")
        assert sign["status"] == "incorrect" and "opposite sign" in sign["feedback"]
        assert submit("backprop", [[-3, 0], [4.5, 3]])["status"] == "correct"
    settings.storage.close()


def test_softmax_alone_is_short_for_beta_one():
    layers = [{"W": [[1, 0], [0, 1]], "b": [0, 0], "activation": "softmax"}]
    np.testing.assert_allclose(
        np.asarray(compute_key(network_problem(layers, [[1, 0]]))), [softmax([1, 0], 1)]
    )


def test_a_hidden_layer_answer_names_its_points_by_the_layer():
    problem = network_problem(SOFTMAX, [[1, 0], [0, 1]], answer={"kind": "outputs", "layer": 1})
    key = compute_key(problem)  # [[1, 0], [0, 0.5]]
    wrong = grade_answer(problem, "1 0; 0 0.7", key, level="positions")
    assert wrong.score == 0 and wrong.feedback == (
        "Not correct: layer-1 output 2 of point 2 is wrong; the other entries are right."
    )
