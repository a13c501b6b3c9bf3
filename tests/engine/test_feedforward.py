"""The feedforward forward pass: hand-computed layers, softmax with β, rounding and carry, batches."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from grader.engine.feedforward import (
    Layer,
    Network,
    check_network,
    check_points,
    forward,
    log_softmax,
    softmax,
)
from grader.spec.models import ExactActivation, FieldValueError, Rounding, SaturatingActivation

LN3 = math.log(3.0)


def run(layers: list[Layer], point: list[float], **options) -> list[list[float]]:
    """Every layer's reported output for one point of one variant."""
    trace = forward(Network(tuple(layers)), np.array([[point]], dtype=float), **options)
    return [a[0, 0].tolist() for a in trace.a]


# ---------------------------------------------------------------- layers by hand


@pytest.mark.parametrize(
    ("layers", "point", "expected"),
    [
        # z = [1·1 + 2·1 + 1, 3·1 + 4·1 − 1] = [4, 6]
        ([Layer([[1, 2], [3, 4]], [1, -1])], [1, 1], [[4, 6]]),
        # z = [2 − 1 + 0, −4 + 1 + 0.5] = [1, −2.5]; relu → [1, 0]
        ([Layer([[1, -1], [-2, 1]], [0, 0.5], "relu")], [2, 1], [[1, 0]]),
        # z1 = [3 − 1, 6 − 1] = [2, 5], relu keeps both; z2 = 2 + 5 − 4 = 3
        (
            [Layer([[1, -1], [2, 0]], [0, -1], "relu"), Layer([[1, 1]], [-4])],
            [3, 1],
            [[2, 5], [3]],
        ),
        # one unit written with scalars: z = 2·3 + 1 = 7
        ([Layer(2, 1)], [3], [[7]]),
        # a scalar b is that bias in every unit: z = [1 + 1, 2 + 1] = [2, 3]
        ([Layer([[1], [2]], 1)], [1], [[2, 3]]),
        # a flat W is one unit's row of weights: z = 1·1 + 2·2 + 3·3 + 0 = 14
        ([Layer([1, 2, 3], 0)], [1, 2, 3], [[14]]),
        # sigmoid(0) = 1/2 and tanh(0) = 0 (z = 1 − 1 = 0 in both units)
        ([Layer([[1], [1]], [-1, -1], "sigmoid")], [1], [[0.5, 0.5]]),
        ([Layer([[1], [1]], [-1, -1], "tanh")], [1], [[0.0, 0.0]]),
        # z = 0 + ln 3 in unit 2: softmax [1, 3] / 4
        ([Layer([[1, 0], [0, 1]], [0, LN3], "softmax")], [0, 0], [[0.25, 0.75]]),
        # β = 2: [e^0, e^{2 ln 3}] = [1, 9], so [0.1, 0.9]
        ([Layer([[1, 0], [0, 1]], [0, LN3], "softmax", beta=2)], [0, 0], [[0.1, 0.9]]),
        # β = 1/2: [1, √3] / (1 + √3)
        (
            [Layer([[1, 0], [0, 1]], [0, LN3], "softmax", beta=0.5)],
            [0, 0],
            [[1 / (1 + math.sqrt(3)), math.sqrt(3) / (1 + math.sqrt(3))]],
        ),
        # z = [1000, 1000 + ln 3]: e^1000 overflows, the shifted softmax still gives [1, 3] / 4
        ([Layer([[1, 0], [0, 1]], [0, LN3], "softmax")], [1000, 1000], [[0.25, 0.75]]),
        # three equal logits whatever β: a third each
        ([Layer([[1], [1], [1]], [0, 0, 0], "softmax", beta=7)], [5], [[1 / 3, 1 / 3, 1 / 3]]),
    ],
)
def test_layers_by_hand(layers, point, expected):
    got = run(layers, point)
    assert len(got) == len(expected)
    for got_layer, expected_layer in zip(got, expected, strict=True):
        assert got_layer == pytest.approx(expected_layer, rel=1e-12, abs=1e-15)


def test_the_trace_holds_what_each_layer_read_and_computed():
    # z1 = [3 − 1, 6 − 1] = [2, 5] → a1 = [2, 5]; z2 = 2 − 5 + 0 = −3 → relu 0
    network = Network((Layer([[1, -1], [2, 0]], [0, -1], "relu"), Layer([[1, -1]], [0], "relu")))
    trace = forward(network, np.array([[[3, 1]]], dtype=float))
    assert trace.inputs.tolist() == [[[3, 1]]]
    assert [s.tolist() for s in trace.seen] == [[[[3, 1]]], [[[2, 5]]]]
    assert [z.tolist() for z in trace.z] == [[[[2, 5]]], [[[-3]]]]
    assert [a.tolist() for a in trace.a] == [[[[2, 5]]], [[[0]]]]
    assert trace.outputs.tolist() == [[[0]]]
    assert trace.layer(1).tolist() == [[[2, 5]]]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # z = 1.5: saturating at 1 clamps sigmoid to 1 and tanh to 1; exact gives the true values
        (SaturatingActivation(kind="saturating", at=1.0), [1.0, 1.0]),
        (ExactActivation(kind="exact"), [1 / (1 + math.exp(-1.5)), math.tanh(1.5)]),
    ],
)
def test_activation_mode_picks_saturating_or_exact(mode, expected):
    layers = [Layer([[1], [0]], [0, 1.5], "sigmoid")]
    sigmoid = run(layers, [1.5], activation_mode=mode)[0][0]
    tanh = run([Layer(1, 0, "tanh")], [1.5], activation_mode=mode)[0][0]
    assert [sigmoid, tanh] == pytest.approx(expected, rel=1e-15)


def test_relu_and_softmax_do_not_saturate():
    mode = SaturatingActivation(kind="saturating", at=1.0)
    assert run([Layer(1, 0, "relu")], [5], activation_mode=mode) == [[5]]
    got = run([Layer([[1, 0], [0, 1]], [0, LN3], "softmax")], [0, 0], activation_mode=mode)
    assert got[0] == pytest.approx([0.25, 0.75], rel=1e-12)


def test_softmax_rows_sum_to_one_and_log_softmax_matches():
    z = np.array([[[-800.0, 0.0, 800.0], [1.0, 2.0, 3.0]]])
    for beta in (0.1, 1.0, 3.0):
        a = softmax(z, beta)
        assert np.allclose(a.sum(axis=-1), 1.0)
        # log a without underflow: for z = −800, β = 3: −4800 − log(1 + e^{−2400} + …) = −4800
        assert log_softmax(z, beta)[0, 0, 0] == pytest.approx(beta * -1600.0, rel=1e-12)
        assert np.allclose(np.exp(log_softmax(z, beta)), a)


# ---------------------------------------------------------------- rounding and carry


@pytest.mark.parametrize(
    ("rounding", "carry", "expected"),
    [
        # layer 1: z = 0.1 + 0.4 = 0.5, a tie; layer 2: 2 · a1
        # away from zero: a1 → 1, layer 2 reads 1 → 2
        (Rounding(to="integer", ties="away_from_zero"), "rounded", [[1], [2]]),
        # toward zero: a1 → 0, layer 2 reads 0 → 0
        (Rounding(to="integer", ties="toward_zero"), "rounded", [[0], [0]]),
        # carry exact: layer 2 reads 0.5 → 1 whatever a1 was reported as
        (Rounding(to="integer", ties="toward_zero"), "exact", [[0], [1]]),
        (Rounding(to="integer", ties="away_from_zero"), "exact", [[1], [1]]),
        # no rounding: the raw values, carry makes no difference
        (None, "rounded", [[0.5], [1.0]]),
    ],
)
def test_rounding_and_carry_on_integer_ties(rounding, carry, expected):
    layers = [Layer(1, 0.4), Layer(2, 0)]
    assert run(layers, [0.1], rounding=rounding, carry=carry) == expected


@pytest.mark.parametrize(
    ("ties", "carry", "expected"),
    [
        # a1 = 0.125 to 2 decimals; layer 2 computes 4 · a1
        ("even", "rounded", [[0.12], [0.48]]),  # 0.125 → 0.12; 4 · 0.12 = 0.48
        ("up", "rounded", [[0.13], [0.52]]),  # 0.125 → 0.13; 4 · 0.13 = 0.52
        ("even", "exact", [[0.12], [0.5]]),  # layer 2 reads 0.125: 0.5
    ],
)
def test_decimals_with_ties_and_carry(ties, carry, expected):
    layers = [Layer(1, 0, "relu"), Layer(4, 0)]
    got = run(layers, [0.125], rounding=Rounding(decimals=2, ties=ties), carry=carry)
    assert got == [pytest.approx(e, abs=1e-12) for e in expected]


def test_carry_rounded_feeds_a_rounded_softmax_onward():
    # softmax [0.25, 0.75] rounded to 1 decimal: 0.25 is a tie → 0.2 (toward zero), 0.75 → 0.7;
    # layer 2 sums them: carried rounded 0.9, carried exact 1.0
    layers = [Layer([[1, 0], [0, 1]], [0, LN3], "softmax"), Layer([[1, 1]], 0)]
    rounding = Rounding(decimals=1, ties="toward_zero")
    rounded = run(layers, [0, 0], rounding=rounding, carry="rounded")
    exact = run(layers, [0, 0], rounding=rounding, carry="exact")
    assert rounded == [[0.2, 0.7], [0.9]]
    assert exact == [[0.2, 0.7], [1.0]]


# ---------------------------------------------------------------- against a plain loop


def plain_forward(layers: list[Layer], point: list[float]) -> list[list[float]]:
    """The network on one point with Python floats and the math module: the definition, slowly."""
    activations = []
    a = list(point)
    for layer in layers:
        W, b = layer.W.tolist(), layer.b.tolist()
        z = [sum(w * x for w, x in zip(row, a, strict=True)) + bias for row, bias in zip(W, b, strict=True)]
        if layer.activation == "softmax":
            top = max(layer.beta * v for v in z)
            exps = [math.exp(layer.beta * v - top) for v in z]
            a = [e / sum(exps) for e in exps]
        else:
            f = {
                "identity": lambda v: v,
                "relu": lambda v: max(v, 0.0),
                "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
                "tanh": math.tanh,
            }[layer.activation]
            a = [f(v) for v in z]
        activations.append(a)
    return activations


def random_network(rng: random.Random, depth: int, sizes: list[int]) -> list[Layer]:
    names = ["identity", "relu", "sigmoid", "tanh", "softmax"]
    return [
        Layer(
            [[rng.uniform(-2, 2) for _ in range(sizes[k])] for _ in range(sizes[k + 1])],
            [rng.uniform(-1, 1) for _ in range(sizes[k + 1])],
            rng.choice(names),
            beta=rng.uniform(0.2, 3.0),
        )
        for k in range(depth)
    ]


@pytest.mark.parametrize("seed", range(12))
def test_batched_forward_matches_a_plain_loop_over_variants_and_points(seed):
    rng = random.Random(seed)
    depth = rng.randint(1, 4)
    sizes = [rng.randint(1, 4) for _ in range(depth + 1)]
    layers = random_network(rng, depth, sizes)
    variants, count = rng.randint(1, 5), rng.randint(1, 4)
    points = [[[rng.uniform(-3, 3) for _ in range(sizes[0])] for _ in range(count)] for _ in range(variants)]
    trace = forward(Network(tuple(layers)), np.array(points))
    for v in range(variants):
        for p in range(count):
            expected = plain_forward(layers, points[v][p])
            for k, layer_values in enumerate(expected):
                assert trace.a[k][v, p].tolist() == pytest.approx(layer_values, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_rounded_batch_equals_each_variant_alone(seed):
    rng = random.Random(100 + seed)
    layers = random_network(rng, 3, [2, 3, 3, 2])
    values = [-1.0, 0.0, 0.5, 1.0]
    points = np.array([[[rng.choice(values) for _ in range(2)] for _ in range(3)] for _ in range(6)])
    network = Network(tuple(layers))
    options = {"rounding": Rounding(decimals=1, ties="even"), "carry": "rounded"}
    batch = forward(network, points, **options)
    for v in range(len(points)):
        alone = forward(network, points[v : v + 1], **options)
        for k in range(3):
            assert np.array_equal(batch.a[k][v], alone.a[k][0])
            assert np.array_equal(batch.z[k][v], alone.z[k][0])


# ---------------------------------------------------------------- checks for the spec layer


def test_points_of_the_wrong_rank_are_refused():
    with pytest.raises(FieldValueError, match="expected an array of shape") as caught:
        forward(Network((Layer(1, 0),)), np.array([[1.0]]))
    assert caught.value.path == ("inputs",)


@pytest.mark.parametrize(
    ("layers", "path", "message"),
    [
        ((), ("layers",), "expected at least one layer; got none"),
        # layer 1 has 3 units, layer 2's W reads 2
        (
            (Layer(np.ones((3, 2)), np.zeros(3)), Layer(np.ones((1, 2)), 0)),
            ("layers", 1, "W"),
            "expected 3 columns, one per output of the layer before (it has 3 units); got 2",
        ),
        (
            (Layer(np.ones((3, 2)), np.zeros(2)),),
            ("layers", 0, "b"),
            "expected a number or a list of 3 (one per row of W); got 2",
        ),
        (
            (Layer(1, 0, "softplus"),),
            ("layers", 0, "activation"),
            "expected one of identity, relu, sigmoid, tanh, softmax; got 'softplus'",
        ),
        (
            (Layer(1, 0), Layer([[1], [1]], 0, "softmax", beta=0)),
            ("layers", 1, "activation", "beta"),
            "expected a positive number (the inverse temperature); got 0",
        ),
        (
            (Layer([[1], [1]], 0, "softmax", beta=-2),),
            ("layers", 0, "activation", "beta"),
            "expected a positive number (the inverse temperature); got -2",
        ),
        (
            (Layer([[1], [1]], 0, "softmax", beta=math.nan),),
            ("layers", 0, "activation", "beta"),
            "expected a positive number (the inverse temperature); got nan",
        ),
    ],
)
def test_networks_that_cannot_run_are_refused_naming_the_field(layers, path, message):
    network = Network(layers)
    with pytest.raises(FieldValueError) as caught:
        check_network(network)
    assert (caught.value.path, caught.value.message) == (path, message)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(FieldValueError):
        forward(network, np.zeros((1, 1, 2)))


def test_a_network_that_fits_passes_its_check():
    layers = (Layer(np.ones((3, 2)), 0, "relu"), Layer(np.ones((2, 3)), 0, "softmax", beta=0.5))
    check_network(Network(layers))


@pytest.mark.parametrize(
    ("points", "input_size", "path", "message"),
    [
        (5, 1, ("inputs",), "expected a list of points, each a list of 1 numbers; got a number"),
        ([1, 2], 2, ("inputs", 0), "expected 2 numbers (the columns of the first layer's W); got 1"),
        ([[1, 2], [3]], 2, ("inputs", 1), "expected 2 numbers (the columns of the first layer's W); got 1"),
        ([[1, 2, 3]], 2, ("inputs", 0), "expected 2 numbers (the columns of the first layer's W); got 3"),
        (
            [[[1, 2]]],
            2,
            ("inputs", 0),
            "expected 2 numbers (the columns of the first layer's W); got 1",
        ),
        ([], 2, ("inputs",), "expected a list of points, each a list of 2 numbers; got a list of 0"),
    ],
)
def test_inputs_of_the_wrong_shape_are_refused_naming_the_point(points, input_size, path, message):
    with pytest.raises(FieldValueError) as caught:
        check_points(points, input_size)
    assert (caught.value.path, caught.value.message) == (path, message)


@pytest.mark.parametrize(
    ("points", "input_size", "expected"),
    [
        ([[1, 2], [3, 4]], 2, [[1, 2], [3, 4]]),
        ([1, 2, 3], 1, [[1], [2], [3]]),  # one-value points may be written as numbers
        ([[1], [2]], 1, [[1], [2]]),
    ],
)
def test_inputs_that_fit_become_points_by_inputs(points, input_size, expected):
    assert check_points(points, input_size).tolist() == expected


def test_forward_refuses_points_of_another_size():
    with pytest.raises(FieldValueError, match="expected each point to have 2 numbers") as caught:
        forward(Network((Layer([[1, 1]], 0),)), np.zeros((1, 1, 3)))
    assert caught.value.path == ("inputs",)


def test_networks_compare_by_identity_and_can_key_a_memo():
    # arrays have no single truth value: a generated __eq__ or __hash__ over W and b would raise
    network = Network((Layer([[1, 2]], 0),))
    twin = Network((Layer([[1, 2]], 0),))
    assert network != twin
    assert {network: "key"}[network] == "key"
