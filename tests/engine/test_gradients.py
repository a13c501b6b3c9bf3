"""Backpropagation: hand-computed gradients, central finite differences, the hinge's kink, batches."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np
import pytest

from grader.engine.feedforward import Layer, Loss, Network, check_loss, forward, gradients, losses
from grader.spec.models import FieldValueError, Rounding

LN3 = math.log(3.0)


def grads(network: Network, points: list[list[float]], loss: Loss | None = None) -> dict:
    """The gradients for one variant, as plain lists."""
    result = gradients(network, np.array([points], dtype=float), loss)
    return {key: value[0].tolist() for key, value in result.items()}


# ---------------------------------------------------------------- by hand


@pytest.mark.parametrize(
    ("network", "points", "expected"),
    [
        # a = 2·3 + 1 = 7, t = 5: ∂L/∂a = a − t = 2, ∂L/∂W = 2·3 = 6, ∂L/∂b = 2
        (Network((Layer(2, 1),), Loss("squared_error", 5)), [[3]], {"W": [[6]], "b": [2]}),
        # two points summed: x = 3 gives (6, 2) as above; x = 1: a = 3, a − t = −2 → (−2, −2)
        (Network((Layer(2, 1),), Loss("squared_error", 5)), [[3], [1]], {"W": [[4]], "b": [0]}),
        # relu with z = −1 < 0: nothing flows back
        (Network((Layer(1, -4, "relu"),), Loss("squared_error", 5)), [[3]], {"W": [[0]], "b": [0]}),
        # relu exactly at z = 0: relu'(0) = 0 as the libraries take it
        (Network((Layer(1, -3, "relu"),), Loss("squared_error", 5)), [[3]], {"W": [[0]], "b": [0]}),
        # sigmoid: z = 0, a = 1/2, t = 1: ∂L/∂z = (a − t)·a(1 − a) = −1/2 · 1/4 = −1/8; x = 2
        (
            Network((Layer(1, -2, "sigmoid"),), Loss("squared_error", 1)),
            [[2]],
            {"W": [[-0.25]], "b": [-0.125]},
        ),
        # softmax, β = 2, z = [0, ln 3]: a = [0.1, 0.9]; cross-entropy on class 0:
        # ∂L/∂z = β(a − e_0) = 2·[−0.9, 0.9] = [−1.8, 1.8]; x = [1, 2] → ∂L/∂W = ∂L/∂z xᵀ
        (
            Network((Layer([[0, 0], [0, 0]], [0, LN3], "softmax", beta=2),), Loss("cross_entropy", 0)),
            [[1, 2]],
            {"W": [[-1.8, -3.6], [1.8, 3.6]], "b": [-1.8, 1.8]},
        ),
        # the same with β = 1: a = [0.25, 0.75], ∂L/∂z = [−0.75, 0.75]
        (
            Network((Layer([[0, 0], [0, 0]], [0, LN3], "softmax"),), Loss("cross_entropy", 0)),
            [[1, 2]],
            {"W": [[-0.75, -1.5], [0.75, 1.5]], "b": [-0.75, 0.75]},
        ),
        # hinge, t = −1: a = 1 + 2 = 3, 1 − t·a = 4 > 0, ∂L/∂a = −t = 1; x = [1, 1]
        (Network((Layer([[1, 2]], 0),), Loss("hinge", -1)), [[1, 1]], {"W": [[1, 1]], "b": [1]}),
        # hinge, t = +1: 1 − 3 < 0, outside the margin: zero
        (Network((Layer([[1, 2]], 0),), Loss("hinge", 1)), [[1, 1]], {"W": [[0, 0]], "b": [0]}),
        # hinge at the kink, a = 1, t = 1: 1 − t·a = 0, and the subgradient taken is 0
        (Network((Layer([[1, 2]], 0),), Loss("hinge", 1)), [[1, 0]], {"W": [[0, 0]], "b": [0]}),
        # hinge just inside the margin, a = 0.5, t = 1: ∂L/∂a = −1; x = [0.5, 0]
        (Network((Layer([[1, 2]], 0),), Loss("hinge", 1)), [[0.5, 0]], {"W": [[-0.5, 0]], "b": [-1]}),
    ],
)
def test_one_layer_by_hand(network, points, expected):
    got = grads(network, points)
    assert got[("W", 1)] == [pytest.approx(row, rel=1e-12, abs=1e-15) for row in expected["W"]]
    assert got[("b", 1)] == pytest.approx(expected["b"], rel=1e-12, abs=1e-15)


def test_two_layers_by_hand():
    # x = 1; layer 1: z1 = 2·1 + 0 = 2, relu → a1 = 2; layer 2: a2 = 3·a1 − 1 = 5; t = 4
    # ∂L/∂a2 = 1 → ∂L/∂W2 = 1·a1 = 2, ∂L/∂b2 = 1
    # ∂L/∂a1 = W2 · 1 = 3, relu'(2) = 1 → ∂L/∂z1 = 3, ∂L/∂W1 = 3·x = 3, ∂L/∂b1 = 3
    network = Network((Layer(2, 0, "relu"), Layer(3, -1)), Loss("squared_error", 4))
    got = grads(network, [[1]])
    assert got == {("W", 1): [[3.0]], ("b", 1): [3.0], ("W", 2): [[2.0]], ("b", 2): [1.0]}
    assert list(got) == [("W", 1), ("b", 1), ("W", 2), ("b", 2)]


def test_gradients_have_the_parameters_shapes_with_a_variant_axis():
    network = Network(
        (Layer(np.ones((3, 2)), np.zeros(3), "tanh"), Layer(np.ones((4, 3)), np.zeros(4), "softmax")),
        Loss("cross_entropy", 2),
    )
    result = gradients(network, np.zeros((5, 7, 2)))
    shapes = {key: value.shape for key, value in result.items()}
    assert shapes == {("W", 1): (5, 3, 2), ("b", 1): (5, 3), ("W", 2): (5, 4, 3), ("b", 2): (5, 4)}


def test_the_loss_argument_overrides_the_networks_and_one_is_needed():
    network = Network((Layer(2, 1),))
    assert grads(network, [[3]], Loss("squared_error", 5))[("b", 1)] == [2.0]
    with pytest.raises(FieldValueError, match="this network declares no loss") as caught:
        gradients(network, np.array([[[3.0]]]))
    assert caught.value.path == ("loss",)


def test_rounding_applies_to_the_reported_gradients():
    # ∂L/∂b = a − t = 0.25 (a = 1.25, t = 1): to 1 decimal toward zero 0.2, away 0.3
    network = Network((Layer(1, 0.25),), Loss("squared_error", 1))
    points = np.array([[[1.0]]])
    toward = gradients(network, points, rounding=Rounding(decimals=1, ties="toward_zero"))
    away = gradients(network, points, rounding=Rounding(decimals=1, ties="away_from_zero"))
    assert toward[("b", 1)].tolist() == [[0.2]]
    assert away[("b", 1)].tolist() == [[0.3]]


# ---------------------------------------------------------------- the loss values


def plain_loss(network: Network, points: np.ndarray, loss: Loss) -> float:
    """Σ over points of the loss, from the forward pass's output and the definitions."""
    output = forward(network, points[None], carry="exact").a_raw[-1][0]
    total = 0.0
    for p, a in enumerate(output):
        # a squared error's target is one vector for every point (or one per point); the others'
        # one class or sign for every point (or one per point)
        shape = output.shape if loss.kind == "squared_error" else output.shape[:1]
        target = np.broadcast_to(np.asarray(loss.target), shape)[p]
        if loss.kind == "squared_error":
            total += 0.5 * float(np.sum((a - target) ** 2))
        elif loss.kind == "cross_entropy":
            total += -math.log(a[int(target)])
        else:
            total += max(0.0, 1.0 - float(target) * a[0])
    return total


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        # a = [0.25, 0.75]: −log 0.25 = log 4 and −log 0.75 = log(4/3)
        (Loss("cross_entropy", 0), math.log(4)),
        (Loss("cross_entropy", 1), math.log(4 / 3)),
        # ½((0.25 − 0)² + (0.75 − 1)²) = ½(1/16 + 1/16) = 1/16
        (Loss("squared_error", [0, 1]), 1 / 16),
    ],
)
def test_loss_values_by_hand(loss, expected):
    network = Network((Layer([[1, 0], [0, 1]], [0, LN3], "softmax"),), loss)
    assert losses(network, np.zeros((1, 1, 2))).tolist() == [[pytest.approx(expected, rel=1e-12)]]


def test_cross_entropy_stays_finite_when_the_softmax_underflows():
    # z = [0, 2000]: a_0 = e^{−2000} is 0 in float64, but −log a_0 = 2000 exactly
    network = Network((Layer([[0, 0], [0, 1]], 0, "softmax"),), Loss("cross_entropy", 0))
    points = np.array([[[0.0, 2000.0]]])
    assert losses(network, points).tolist() == [[pytest.approx(2000.0, rel=1e-12)]]
    assert np.isfinite(gradients(network, points)[("W", 1)]).all()


# ---------------------------------------------------------------- central finite differences

NAMES = ["identity", "relu", "sigmoid", "tanh", "softmax"]


def random_case(seed: int, loss_kind: str) -> tuple[Network, np.ndarray]:
    """A random small network with one variant's points, its last layer fit for the loss."""
    rng = random.Random(seed)
    depth = rng.randint(1, 3)
    sizes = [rng.randint(1, 4) for _ in range(depth + 1)]
    last = {"cross_entropy": "softmax", "hinge": rng.choice(["identity", "tanh", "sigmoid"])}.get(
        loss_kind, rng.choice(NAMES)
    )
    if loss_kind == "hinge":
        sizes[-1] = 1
    if loss_kind == "cross_entropy":
        sizes[-1] = max(sizes[-1], 2)
    layers = []
    for k in range(depth):
        activation = last if k == depth - 1 else rng.choice(NAMES)
        layers.append(
            Layer(
                [[rng.uniform(-1.5, 1.5) for _ in range(sizes[k])] for _ in range(sizes[k + 1])],
                [rng.uniform(-1, 1) for _ in range(sizes[k + 1])],
                activation,
                beta=rng.uniform(0.3, 3.0),
            )
        )
    count = rng.randint(1, 4)
    points = np.array([[rng.uniform(-2, 2) for _ in range(sizes[0])] for _ in range(count)])
    if loss_kind == "squared_error":
        target: object = [rng.uniform(-1, 1) for _ in range(sizes[-1])]
    elif loss_kind == "cross_entropy":
        target = [rng.randrange(sizes[-1]) for _ in range(count)]  # one class per point
    else:
        target = [rng.choice([-1, 1]) for _ in range(count)]
    return Network(tuple(layers), Loss(loss_kind, target)), points  # type: ignore[arg-type]


def with_parameter(network: Network, key: tuple[str, int], index: tuple[int, ...], step: float) -> Network:
    name, k = key
    layer = network.layers[k - 1]
    value = getattr(layer, name).copy()
    value[index] += step
    layers = list(network.layers)
    layers[k - 1] = replace(layer, **{name: value})
    return replace(network, layers=tuple(layers))


@pytest.mark.parametrize("loss_kind", ["squared_error", "cross_entropy", "hinge"])
@pytest.mark.parametrize("seed", range(15))
def test_backpropagation_matches_central_finite_differences(loss_kind, seed):
    network, points = random_case(seed, loss_kind)
    assert network.loss is not None
    got = gradients(network, points[None])
    step = 1e-6
    for key, value in got.items():
        assert value.shape == (1, *getattr(network.layers[key[1] - 1], key[0]).shape)
        for index in np.ndindex(value.shape[1:]):
            up = plain_loss(with_parameter(network, key, index, step), points, network.loss)
            down = plain_loss(with_parameter(network, key, index, -step), points, network.loss)
            numeric = (up - down) / (2 * step)
            assert value[(0, *index)] == pytest.approx(numeric, rel=1e-5, abs=1e-6), (key, index)


@pytest.mark.parametrize("beta", [0.25, 1.0, 4.0])
def test_softmax_cross_entropy_carries_beta_into_every_layer(beta):
    # a forgotten β in ∂(softmax_β)/∂z scales every gradient by 1/β; finite differences catch it
    layers = (
        Layer([[0.5, -1.0], [1.5, 0.2]], [0.1, -0.3], "tanh"),
        Layer([[1, -2], [0.5, 1], [-1, 1]], 0, "softmax", beta),
    )
    network = Network(layers, Loss("cross_entropy", 1))
    points = np.array([[0.3, -0.7], [1.1, 0.4]])
    got = gradients(network, points[None])
    for key, value in got.items():
        for index in np.ndindex(value.shape[1:]):
            up = plain_loss(with_parameter(network, key, index, 1e-6), points, network.loss)
            down = plain_loss(with_parameter(network, key, index, -1e-6), points, network.loss)
            assert value[(0, *index)] == pytest.approx((up - down) / 2e-6, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("loss_kind", ["squared_error", "cross_entropy", "hinge"])
def test_batched_gradients_equal_each_variant_alone(loss_kind):
    network, _ = random_case(7, loss_kind)
    rng = np.random.default_rng(7)
    count = 3 if loss_kind != "squared_error" else 2
    if loss_kind != "squared_error":
        network = replace(network, loss=Loss(loss_kind, np.resize(network.loss.target, count)))  # type: ignore[union-attr]
    points = rng.uniform(-2, 2, size=(6, count, network.input_size))
    batch = gradients(network, points)
    for v in range(len(points)):
        alone = gradients(network, points[v : v + 1])
        for key, value in batch.items():
            assert np.allclose(value[v], alone[key][0], rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- checks for the spec layer

SOFTMAX_3 = Network((Layer(np.ones((3, 2)), 0, "softmax"),))
RELU_3 = Network((Layer(np.ones((3, 2)), 0, "relu"),))
ONE_OUTPUT = Network((Layer([[1, 1]], 0, "tanh"),))


@pytest.mark.parametrize(
    ("network", "loss", "path", "message"),
    [
        (
            RELU_3,
            Loss("cross_entropy", 0),
            ("loss", "kind"),
            "cross_entropy needs a softmax output layer; the last layer's activation is relu",
        ),
        (
            SOFTMAX_3,
            Loss("cross_entropy", 3),
            ("loss", "target"),
            "expected a class index from 0 to 2 (0-based; the output has 3 classes); got 3",
        ),
        (
            SOFTMAX_3,
            Loss("cross_entropy", -1),
            ("loss", "target"),
            "expected a class index from 0 to 2 (0-based; the output has 3 classes); got -1",
        ),
        (
            SOFTMAX_3,
            Loss("cross_entropy", 1.5),
            ("loss", "target"),
            "expected a class index from 0 to 2 (0-based; the output has 3 classes); got 1.5",
        ),
        (SOFTMAX_3, Loss("hinge", 1), ("loss", "kind"), "hinge takes one output; the last layer has 3"),
        (ONE_OUTPUT, Loss("hinge", 0), ("loss", "target"), "expected +1 or −1; got 0"),
        (ONE_OUTPUT, Loss("hinge", [[1]]), ("loss", "target"), "expected a number; got a 1×1 array"),
        (
            SOFTMAX_3,
            Loss("squared_error", [1, 0]),
            ("loss", "target"),
            "expected a list of 3 (one per output of the last layer); got a list of 2",
        ),
        (
            SOFTMAX_3,
            Loss("squared_error", 1),
            ("loss", "target"),
            "expected a list of 3 (one per output of the last layer); got a number",
        ),
        (
            RELU_3,
            Loss("absolute", 1),  # type: ignore[arg-type]
            ("loss", "kind"),
            "expected one of squared_error, cross_entropy, hinge; got 'absolute'",
        ),
    ],
)
def test_losses_that_do_not_fit_are_refused_naming_the_field(network, loss, path, message):
    with pytest.raises(FieldValueError) as caught:
        check_loss(network, loss)
    assert (caught.value.path, caught.value.message) == (path, message)
    with pytest.raises(FieldValueError):
        gradients(network, np.zeros((1, 1, 2)), loss)


@pytest.mark.parametrize(
    ("network", "loss"),
    [
        (SOFTMAX_3, Loss("cross_entropy", 2)),
        (SOFTMAX_3, Loss("squared_error", [0, 1, 0])),
        (ONE_OUTPUT, Loss("squared_error", 0.5)),
        (ONE_OUTPUT, Loss("hinge", -1)),
        (ONE_OUTPUT, Loss("hinge", [1, -1, 1])),  # one sign per point
        (SOFTMAX_3, Loss("cross_entropy", [0, 2])),  # one class per point
    ],
)
def test_losses_that_fit_pass_their_check(network, loss):
    check_loss(network, loss)
