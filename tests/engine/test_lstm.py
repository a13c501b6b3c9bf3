"""The LSTM step of the seed: its three answers, the threshold, carry, vectors against plain Python."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from grader.engine.keys import compute_key, compute_keys, describe_key, key_to_json
from grader.engine.lstm import run_lstm
from grader.spec.loader import load_problem, load_problems
from grader.spec.models import Evaluation, Problem
from tests.conftest import PROBLEMS

SEED_GATES = {
    "forget": {"W_h": 0, "W_x": 0, "b": -100},
    "input": {"W_h": 0, "W_x": 100, "b": 100},
    "output": {"W_h": 0, "W_x": 100, "b": 0},
    "cell": {"W_h": -100, "W_x": 50, "b": 0},
}
SEED_EVALUATION = {
    "activation": {"kind": "saturating", "at": 1},
    "rounding": {"to": "integer", "ties": "toward_zero"},
    "carry": "rounded",
}


def problem(inputs: list[Any], gates: Any = None, evaluation: Any = None, **fields: Any) -> Problem:
    """A sequence problem from plain data; the seed's model and rules unless told otherwise."""
    data: dict[str, Any] = {
        "id": "p",
        "title": "P",
        "statement": "s",
        "model": {"cell": "lstm", "gates": gates or SEED_GATES, "initial": fields.pop("initial", {})},
        "inputs": inputs,
        "evaluation": SEED_EVALUATION if evaluation is None else evaluation,
        "answer": {"kind": "sequence", **fields.pop("answer", {})},
        **fields,
    }
    return Problem.model_validate(data)


# ---------------------------------------------------------------- the seed's three answers


@pytest.mark.parametrize(
    ("problem_id", "answer"),
    [
        ("lstm-states-1", [0, 0, 1, -1, 1, 0]),
        ("lstm-states-2", [1, -1, 0, 1, -1]),
        ("lstm-info", ["c"]),
    ],
)
def test_the_shipped_seed_problems_give_the_seed_answers(problem_id, answer):
    problems = load_problems(PROBLEMS)
    assert key_to_json(compute_key(problems[problem_id])) == answer


@pytest.mark.parametrize(
    ("inputs", "hs"),
    [
        ([0, 0, 1, 1, 1, 0], [0, 0, 1, -1, 1, 0]),  # LSTM states 1
        ([1, 1, 0, 1, 1], [1, -1, 0, 1, -1]),  # LSTM states 2: h_2 = 0.5 exactly, rounded to 0
        ([1], [1]),
        ([0], [0]),
        ([1, 1, 1, 1], [1, -1, 1, -1]),  # LSTM info: h_t flips sign on each consecutive 1 ...
        ([1, 0, 1, 1, 1], [1, 0, 1, -1, 1]),  # ... and any 0 resets it
    ],
)
def test_seed_model_by_hand(inputs, hs):
    assert compute_key(problem(inputs)).tolist() == hs


# ---------------------------------------------------------------- carry: rounded vs exact


@pytest.mark.parametrize(
    ("carry", "hs"),
    [
        # h_2 = o_2 tanh(c_2) = 0.5 · 1 is reported as 0; with carry exact step 3 sees 0.5, so
        # the cell input is tanh(-100·0.5 + 50) = tanh(0) = 0 and h_3 = 0, then h_4 = 1
        ("rounded", [1, -1, 0, 1, -1]),
        ("exact", [1, -1, 0, 0, 1]),
    ],
)
def test_carry_decides_what_the_next_step_sees(carry, hs):
    evaluation = {**SEED_EVALUATION, "carry": carry}
    p = problem([1, 1, 0, 1, 1], evaluation=evaluation)
    assert compute_key(p).tolist() == hs
    trace = run_lstm(p.model, p.evaluation, np.array([[[1], [1], [0], [1], [1]]], dtype=float))
    assert trace.h_raw[0, 2, 0] == 0.5
    assert trace.h_seen[0, 3, 0] == (0.0 if carry == "rounded" else 0.5)


@pytest.mark.parametrize(
    ("ties", "hs"),
    [
        ("toward_zero", [1, -1, 0, 1, -1]),
        ("away_from_zero", [1, -1, 1, -1, 1]),
        ("up", [1, -1, 1, -1, 1]),
        ("down", [1, -1, 0, 1, -1]),
        ("even", [1, -1, 0, 1, -1]),
    ],
)
def test_tie_rule_on_the_seed(ties, hs):
    evaluation = {**SEED_EVALUATION, "rounding": {"to": "integer", "ties": ties}}
    assert compute_key(problem([1, 1, 0, 1, 1], evaluation=evaluation)).tolist() == hs


# ---------------------------------------------------------------- the saturation threshold


def one_gate_cell(bias: float) -> dict[str, Any]:
    """Every gate and the cell input get z = bias (all weights 0): h_0 = σ(z)·tanh(σ(z)·tanh(z))."""
    gate = {"W_h": 0, "W_x": 0, "b": bias}
    return {"forget": gate, "input": gate, "output": gate, "cell": gate}


def by_hand(z: float, clamp_at: float | None) -> float:
    """h_0 from c_{-1} = 0: c_0 = i·g, h_0 = o·tanh(c_0), activations clamped at ±clamp_at."""

    def sig(v: float) -> float:
        if clamp_at is not None and v >= clamp_at:
            return 1.0
        if clamp_at is not None and v <= -clamp_at:
            return 0.0
        return 1.0 / (1.0 + math.exp(-v))

    def tanh(v: float) -> float:
        if clamp_at is not None and abs(v) >= clamp_at:
            return math.copysign(1.0, v)
        return math.tanh(v)

    c = sig(z) * tanh(z)
    return sig(z) * tanh(c)


@pytest.mark.parametrize(
    ("activation", "z", "clamp_at"),
    [
        ({"kind": "saturating", "at": 1}, 1.0, 1.0),  # z = A exactly: σ = 1, tanh = 1 → c = 1 → tanh(c) = 1
        ({"kind": "saturating", "at": 1}, -1.0, 1.0),  # z = -A: σ = 0 → h = 0
        ({"kind": "saturating", "at": 1}, 0.999, 1.0),  # just inside: the true functions
        ({"kind": "saturating", "at": 2.5}, 2.5, 2.5),
        ({"kind": "saturating", "at": 2.5}, -2.5, 2.5),
        ({"kind": "exact"}, 1.0, None),
        ({"kind": "exact"}, -1.0, None),
        ("exact", 1.0, None),  # the short form
    ],
)
def test_exact_versus_saturating_at_the_threshold(activation, z, clamp_at):
    p = problem([0], gates=one_gate_cell(z), evaluation={"activation": activation, "rounding": "none"})
    assert compute_key(p).tolist() == [pytest.approx(by_hand(z, clamp_at), rel=1e-15, abs=0)]


def test_threshold_values_by_hand():
    assert by_hand(1.0, 1.0) == 1.0
    assert by_hand(-1.0, 1.0) == 0.0
    # σ(1) = 0.7311, tanh(1) = 0.7616: c_0 = 0.5568, h_0 = 0.7311·tanh(0.5568) = 0.3696
    assert by_hand(1.0, None) == pytest.approx(0.3696, abs=1e-4)


# ---------------------------------------------------------------- vectors, against plain Python


def reference_lstm(
    params: dict[str, dict[str, Any]],
    inputs: list[list[float]],
    h0: list[float],
    c0: list[float],
    clamp_at: float | None,
    decimals: int | None,
    carry: str,
) -> tuple[list[list[float]], list[list[float]]]:
    """The seed's equations with loops, math.exp and math.tanh: (h_t per step, c_t per step)."""

    def sig(v: float) -> float:
        if clamp_at is not None and v >= clamp_at:
            return 1.0
        if clamp_at is not None and v <= -clamp_at:
            return 0.0
        return 1.0 / (1.0 + math.exp(-v))

    def tanh(v: float) -> float:
        if clamp_at is not None and abs(v) >= clamp_at:
            return math.copysign(1.0, v)
        return math.tanh(v)

    def affine(gate: str, h: list[float], x: list[float], unit: int) -> float:
        g = params[gate]
        return (
            sum(g["W_h"][unit][k] * h[k] for k in range(len(h)))
            + sum(g["W_x"][unit][k] * x[k] for k in range(len(x)))
            + g["b"][unit]
        )

    def report(v: float) -> float:
        return v if decimals is None else round(v, decimals)

    n = len(h0)
    h, c = list(h0), list(c0)
    hs, cs = [], []
    for x in inputs:
        f = [sig(affine("forget", h, x, u)) for u in range(n)]
        i = [sig(affine("input", h, x, u)) for u in range(n)]
        o = [sig(affine("output", h, x, u)) for u in range(n)]
        g = [tanh(affine("cell", h, x, u)) for u in range(n)]
        c = [f[u] * c[u] + i[u] * g[u] for u in range(n)]
        h_raw = [o[u] * tanh(c[u]) for u in range(n)]
        hs.append([report(v) for v in h_raw])
        cs.append([report(v) for v in c])
        h = hs[-1] if carry == "rounded" else h_raw
    return hs, cs


def random_params(rng: random.Random, n: int, d: int, scale: float) -> dict[str, dict[str, Any]]:
    def number() -> float:
        return rng.uniform(-scale, scale)

    return {
        gate: {
            "W_h": [[number() for _ in range(n)] for _ in range(n)],
            "W_x": [[number() for _ in range(d)] for _ in range(n)],
            "b": [number() for _ in range(n)],
        }
        for gate in ("forget", "input", "output", "cell")
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("activation", "clamp_at", "rounding", "decimals", "carry"),
    [
        ({"kind": "exact"}, None, "none", None, "exact"),
        ({"kind": "saturating", "at": 0.5}, 0.5, "none", None, "exact"),
        ({"kind": "exact"}, None, {"decimals": 3}, 3, "rounded"),
        ({"kind": "exact"}, None, {"decimals": 3}, 3, "exact"),
    ],
)
@pytest.mark.parametrize("of", ["h", "c"])
def test_vector_cell_matches_an_independent_implementation(
    seed, activation, clamp_at, rounding, decimals, carry, of
):
    rng = random.Random(seed)
    n, d, steps = 2, 3, 5
    params = random_params(rng, n, d, scale=1.5)
    inputs = [[rng.uniform(-1, 1) for _ in range(d)] for _ in range(steps)]
    h0 = [rng.uniform(-1, 1) for _ in range(n)]
    c0 = [rng.uniform(-1, 1) for _ in range(n)]
    p = problem(
        inputs,
        gates=params,
        evaluation={"activation": activation, "rounding": rounding, "carry": carry},
        initial={"h": h0, "c": c0},
        answer={"of": of},
    )
    hs, cs = reference_lstm(params, inputs, h0, c0, clamp_at, decimals, carry)
    key = compute_key(p)
    assert key.shape == (steps, n)
    # rounding to 3 decimals can only disagree on an exact tie, which random values never hit
    np.testing.assert_allclose(key, hs if of == "h" else cs, rtol=0, atol=1e-12)


def test_scalar_initial_state_is_broadcast_to_every_unit():
    rng = random.Random(7)
    params = random_params(rng, 3, 2, scale=1.0)
    inputs = [[0.5, -1.0], [1.0, 0.0], [0.0, 0.25]]
    evaluation = {"activation": "exact", "rounding": "none"}
    broadcast = problem(inputs, gates=params, evaluation=evaluation, initial={"h": 0.5, "c": -0.25})
    spelled = problem(
        inputs, gates=params, evaluation=evaluation, initial={"h": [0.5] * 3, "c": [-0.25] * 3}
    )
    assert compute_key(broadcast).tolist() == compute_key(spelled).tolist()
    hs, _ = reference_lstm(params, inputs, [0.5] * 3, [-0.25] * 3, None, None, "exact")
    np.testing.assert_allclose(compute_key(broadcast), hs, rtol=0, atol=1e-12)


def test_initial_state_defaults_to_zero():
    assert compute_key(problem([1, 1, 0, 1, 1])).tolist() == [1, -1, 0, 1, -1]
    with_c = problem([0], initial={"h": 0, "c": 1})  # f = 0 forgets c_{-1}: h_0 = o·tanh(i·g)
    assert compute_key(with_c).tolist() == [0]


def test_a_batch_gives_the_same_keys_as_one_sequence_at_a_time():
    p = problem([1, 1, 0, 1, 1])
    sequences = [[0, 0, 1, 1, 1], [1, 1, 0, 1, 1], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]]
    batch = np.array(sequences, dtype=float)[..., None]
    keys = compute_keys(p, batch)
    assert keys.shape == (4, 5)
    for row, sequence in zip(keys, sequences, strict=True):
        assert row.tolist() == compute_key(p, np.array(sequence, dtype=float)[:, None]).tolist()


def test_the_answer_can_be_c():
    p = problem([1, 1, 0, 1, 1], answer={"of": "c"})
    # c_t = f·c + i·g with f = 0: c_t = i_t·g_t, i.e. [1, -1, 1, 1, -1] (c_3 = tanh(50) since h_2 → 0)
    assert compute_key(p).tolist() == [1, -1, 1, 1, -1]


def test_c_is_reported_rounded_but_carried_exact():
    # f = i = o = 1 and g = tanh(0.266) = 0.2599… each step, so c_t = (t + 1)·0.2599…:
    # 0.26, 0.52, 0.78 reported to one decimal as 0.3, 0.5, 0.8. Had the rounded c been
    # carried, it would read 0.3, 0.3 + 0.26 = 0.56 → 0.6, 0.86 → 0.9.
    gates = {
        "forget": {"W_h": 0, "W_x": 0, "b": 100},
        "input": {"W_h": 0, "W_x": 0, "b": 100},
        "output": {"W_h": 0, "W_x": 0, "b": 100},
        "cell": {"W_h": 0, "W_x": 0, "b": 0.266},
    }
    evaluation = {"activation": "exact", "rounding": {"decimals": 1}, "carry": "rounded"}
    p = problem([0, 0, 0], gates=gates, evaluation=evaluation, answer={"of": "c"})
    assert compute_key(p).tolist() == [0.3, 0.5, 0.8]


@pytest.mark.parametrize(
    ("key", "text", "data"),
    [
        (np.array([1.0, -1.0, 0.0]), "[1, -1, 0]", [1, -1, 0]),
        (np.array([0.5, -0.0]), "[0.5, 0]", [0.5, 0]),
        (np.array([[1.0, 0.25], [0.0, -1.0]]), "[[1, 0.25], [0, -1]]", [[1, 0.25], [0, -1]]),
        (("a", "c"), "[a, c]", ["a", "c"]),
    ],
)
def test_keys_print_as_a_person_writes_them(key, text, data):
    assert describe_key(key) == text
    assert key_to_json(key) == data


def test_evaluation_override_leaves_the_problem_alone():
    p = load_problem(PROBLEMS / "lstm-states-2.yaml")
    exact_carry = Evaluation.model_validate({**SEED_EVALUATION, "carry": "exact"})
    assert compute_key(p, evaluation=exact_carry).tolist() == [1, -1, 0, 0, 1]
    assert compute_key(p).tolist() == [1, -1, 0, 1, -1]


@pytest.mark.parametrize(
    "inputs", [[1, 1, 0, 1, 1], [[1], [1], [0], [1], [1]], np.array([1.0, 1, 0, 1, 1])]
)
def test_given_inputs_may_be_numbers_or_one_element_rows(inputs):
    p = problem([0])
    assert compute_key(p, inputs).tolist() == [1, -1, 0, 1, -1]
