"""Feedforward networks: the forward pass and backpropagation, batched over variants.

Layer k (1-based) of L computes, for each input point a_0,

    z_k = W_k a_{k-1} + b_k        a_k = f_k(z_k)

with W_k of shape (n_k, n_{k-1}), b_k of shape (n_k,), and f_k one of identity, relu, sigmoid,
tanh, or the softmax with inverse temperature β:  softmax_β(z)_i = exp(β z_i) / Σ_j exp(β z_j).

A loss on the last layer's output a = a_L of one point, with target t:

    squared_error    ½‖a − t‖²
    cross_entropy    −log a[t]          a softmax output, t a class index (0-based)
    hinge            max(0, 1 − t·a)    one output, t = ±1

Arrays are batched over a leading axis of V variants (each student's own inputs): points are
(V, P, n_0), every z_k and a_k is (V, P, n_k), and a gradient is (V, *shape of the parameter).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grader.engine.activations import Activations, activations_for
from grader.engine.rounding import round_with_ties
from grader.spec.models import Activation, ExactActivation, FieldValueError, Rounding

__all__ = [
    "ACTIVATION_NAMES",
    "EXACT",
    "LOSS_KINDS",
    "Layer",
    "Loss",
    "Network",
    "Trace",
    "apply_activation",
    "check_loss",
    "check_network",
    "check_points",
    "log_softmax",
    "softmax",
    "forward",
    "gradients",
    "losses",
    "points_array",
]

Array = NDArray[np.float64]
Carry = Literal["rounded", "exact"]
LossKind = Literal["squared_error", "cross_entropy", "hinge"]

#: The activations a layer may name; softmax also takes β.
ACTIVATION_NAMES: tuple[str, ...] = ("identity", "relu", "sigmoid", "tanh", "softmax")
LOSS_KINDS: tuple[str, ...] = ("squared_error", "cross_entropy", "hinge")

#: The default activation mode: the true sigmoid and tanh.
EXACT = ExactActivation(kind="exact")


def _as_matrix(values: ArrayLike) -> Array:
    """A scalar is a one-by-one matrix and a flat list one row (one unit reading len(list) inputs)."""
    array = np.asarray(values, dtype=np.float64)
    return array.reshape(1, -1) if array.ndim < 2 else array


@dataclass(frozen=True, eq=False)
class Layer:
    """One layer: weights W (n_k, n_{k-1}), bias b (n_k,), activation, and β for a softmax.

    A scalar W is a one-by-one matrix and a flat W one unit's row; a scalar b is that bias in every unit.
    """

    W: Array
    b: Array
    activation: str = "identity"
    beta: float = 1.0

    def __post_init__(self) -> None:
        W = _as_matrix(self.W)
        b = np.asarray(self.b, dtype=np.float64)
        # a scalar bias is the same bias in every unit
        b = np.full(W.shape[0], float(b)) if b.ndim == 0 else b.reshape(-1)
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "beta", float(self.beta))

    @property
    def size(self) -> int:
        """n_k, the number of units."""
        return int(self.W.shape[0])

    @property
    def input_size(self) -> int:
        """n_{k-1}, the size of the vector this layer reads."""
        return int(self.W.shape[1])


@dataclass(frozen=True, eq=False)
class Loss:
    """A loss on the last layer's output; `target` may be one value for every point or one per point."""

    kind: LossKind
    target: ArrayLike


@dataclass(frozen=True, eq=False)
class Network:
    """The layers in order (layer 1 reads the input point) and the loss, when the problem has one."""

    layers: tuple[Layer, ...]
    loss: Loss | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))

    @property
    def input_size(self) -> int:
        """n_0, the size of each input point."""
        return self.layers[0].input_size


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything the forward pass computed for V variants of P points; layer k is index k − 1."""

    inputs: Array  # (V, P, n_0), a_0
    seen: tuple[Array, ...]  # (V, P, n_{k-1}) the a_{k-1} that layer k read (rounded under carry)
    z: tuple[Array, ...]  # (V, P, n_k) pre-activations
    a_raw: tuple[Array, ...]  # (V, P, n_k) activations before rounding
    a: tuple[Array, ...]  # (V, P, n_k) activations as reported

    @property
    def outputs(self) -> Array:
        """The last layer's reported output, (V, P, n_L)."""
        return self.a[-1]

    def layer(self, k: int) -> Array:
        """Layer k's reported output (k 1-based, as `answer: {kind: outputs, layer: k}`)."""
        return self.a[k - 1]


# ---------------------------------------------------------------- activations


def softmax(z: Array, beta: float) -> Array:
    """softmax(β z) over the last axis, shifted by its maximum so that no exp overflows."""
    scaled = beta * z
    shifted = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    result: Array = shifted / shifted.sum(axis=-1, keepdims=True)
    return result


def log_softmax(z: Array, beta: float) -> Array:
    """log softmax(β z) over the last axis, without forming a softmax that may underflow to 0."""
    scaled = beta * z
    top = scaled.max(axis=-1, keepdims=True)
    result: Array = scaled - top - np.log(np.exp(scaled - top).sum(axis=-1, keepdims=True))
    return result


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _elementwise(name: str, functions: Activations) -> Callable[[Array], Array]:
    table: Mapping[str, Callable[[Array], Array]] = {
        "identity": lambda z: z,
        "relu": _relu,
        "sigmoid": functions.sigmoid,
        "tanh": functions.tanh,
    }
    return table[name]


def apply_activation(name: str, z: Array, *, beta: float = 1.0, activation_mode: Activation = EXACT) -> Array:
    """f(z) for an activation name; sigmoid and tanh exact or saturating as `activation_mode` says."""
    if name == "softmax":
        return softmax(z, beta)
    return np.asarray(_elementwise(name, activations_for(activation_mode))(z), dtype=np.float64)


def _activation_backward(layer: Layer, a: Array, upstream: Array) -> Array:
    """∂loss/∂z from ∂loss/∂a (upstream) and the exact activation a = f(z).

    relu'(0) is taken as 0, as deep-learning libraries do; sigmoid' = a(1 − a), tanh' = 1 − a².
    For softmax_β the Jacobian is β(diag(a) − a aᵀ), so ∂/∂z = β a ⊙ (g − a·g).
    """
    name = layer.activation
    if name == "identity":
        return upstream
    if name == "relu":
        return np.where(a > 0.0, upstream, 0.0)
    if name == "sigmoid":
        return upstream * a * (1.0 - a)
    if name == "tanh":
        return upstream * (1.0 - a * a)
    inner = np.sum(a * upstream, axis=-1, keepdims=True)
    result: Array = layer.beta * a * (upstream - inner)
    return result


# ---------------------------------------------------------------- forward


def points_array(points: ArrayLike) -> Array:
    """The points as a float array (V, P, n_0); anything of another rank is an error."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 3:
        raise FieldValueError(
            ("inputs",), f"expected an array of shape (variants, points, inputs); got {array.ndim} axes"
        )
    return array


def forward(
    network: Network,
    points: ArrayLike,
    *,
    activation_mode: Activation = EXACT,
    rounding: Rounding | None = None,
    carry: Carry = "rounded",
) -> Trace:
    """Run every layer on points (V, P, n_0); rounding applies to each reported a_k and, with
    `carry: rounded`, layer k + 1 reads the rounded a_k (with `carry: exact` the unrounded one)."""
    check_network(network)
    inputs = points_array(points)
    if inputs.shape[-1] != network.input_size:
        raise FieldValueError(
            ("inputs",),
            f"expected each point to have {network.input_size} numbers (the columns of the first "
            f"layer's W); got {inputs.shape[-1]}",
        )
    functions = activations_for(activation_mode)
    seen_all: list[Array] = []
    z_all: list[Array] = []
    raw_all: list[Array] = []
    reported_all: list[Array] = []
    seen = inputs
    # huge parameters can overflow float64; the caller checks the result for inf/NaN instead
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in network.layers:
            z: Array = seen @ layer.W.T + layer.b
            if layer.activation == "softmax":
                raw = softmax(z, layer.beta)
            else:
                raw = np.asarray(_elementwise(layer.activation, functions)(z), dtype=np.float64)
            reported = raw if rounding is None else round_with_ties(raw, rounding.places, rounding.ties)
            seen_all.append(seen)
            z_all.append(z)
            raw_all.append(raw)
            reported_all.append(reported)
            seen = reported if carry == "rounded" else raw
    return Trace(
        inputs=inputs,
        seen=tuple(seen_all),
        z=tuple(z_all),
        a_raw=tuple(raw_all),
        a=tuple(reported_all),
    )


# ---------------------------------------------------------------- losses and gradients


def _loss_of(network: Network, loss: Loss | None) -> Loss:
    chosen = network.loss if loss is None else loss
    if chosen is None:
        raise FieldValueError(("loss",), "this network declares no loss")
    check_network(network)
    check_loss(network, chosen)
    return chosen


def _class_indices(target: ArrayLike, shape: tuple[int, ...]) -> NDArray[np.int64]:
    return np.broadcast_to(np.asarray(target, dtype=np.int64), shape)


def losses(network: Network, points: ArrayLike, loss: Loss | None = None) -> Array:
    """The loss of each point, (V, P), on exact (unrounded) values."""
    loss = _loss_of(network, loss)
    trace = forward(network, points, carry="exact")
    output = trace.a_raw[-1]
    if loss.kind == "squared_error":
        target = np.broadcast_to(np.asarray(loss.target, dtype=np.float64), output.shape)
        result: Array = 0.5 * np.sum((output - target) ** 2, axis=-1)
        return result
    if loss.kind == "cross_entropy":
        last = network.layers[-1]
        classes = _class_indices(loss.target, output.shape[:-1])
        log_a = log_softmax(trace.z[-1], last.beta)
        picked: Array = -np.take_along_axis(log_a, classes[..., None], axis=-1)[..., 0]
        return picked
    target = np.broadcast_to(np.asarray(loss.target, dtype=np.float64), output.shape[:-1])
    hinge: Array = np.maximum(0.0, 1.0 - target * output[..., 0])
    return hinge


def _output_delta(network: Network, loss: Loss, output: Array) -> Array:
    """∂loss/∂z_L for each point, (V, P, n_L)."""
    last = network.layers[-1]
    if loss.kind == "cross_entropy":
        # −log softmax_β(z)[c] has ∂/∂z = β(a − e_c): the β is the chain rule through β z
        classes = _class_indices(loss.target, output.shape[:-1])
        one_hot = np.arange(output.shape[-1]) == classes[..., None]
        delta: Array = last.beta * (output - one_hot)
        return delta
    if loss.kind == "squared_error":
        target = np.broadcast_to(np.asarray(loss.target, dtype=np.float64), output.shape)
        return _activation_backward(last, output, output - target)
    # hinge: ∂/∂a = −t where 1 − t·a > 0 and 0 elsewhere; at the kink (1 − t·a = 0) we take 0,
    # the subgradient a library's max(0, ·) gives and the one that leaves a point on the margin be
    target = np.broadcast_to(np.asarray(loss.target, dtype=np.float64), output.shape[:-1])
    active = 1.0 - target * output[..., 0] > 0.0
    upstream = np.where(active, -target, 0.0)[..., None]
    return _activation_backward(last, output, upstream)


def gradients(
    network: Network,
    points: ArrayLike,
    loss: Loss | None = None,
    *,
    rounding: Rounding | None = None,
) -> dict[tuple[str, int], Array]:
    """∂loss/∂W_k and ∂loss/∂b_k summed over the points, by backpropagation; keys ("W", k) and
    ("b", k) with k 1-based (as `wrt: layers.k.W`), values (V, *parameter shape).

    The backward pass runs on exact values with the true sigmoid and tanh: a gradient is one
    reported quantity, so `rounding` (when given) applies to the gradients themselves only.
    `loss` defaults to the network's own.
    """
    loss = _loss_of(network, loss)
    trace = forward(network, points, carry="exact")
    result: dict[tuple[str, int], Array] = {}
    with np.errstate(over="ignore", invalid="ignore"):
        delta = _output_delta(network, loss, trace.a_raw[-1])
        for k in range(len(network.layers), 0, -1):
            layer = network.layers[k - 1]
            result[("W", k)] = np.swapaxes(delta, 1, 2) @ trace.seen[k - 1]
            result[("b", k)] = delta.sum(axis=1)
            if k > 1:
                below = network.layers[k - 2]
                delta = _activation_backward(below, trace.a_raw[k - 2], delta @ layer.W)
    if rounding is not None:
        places, ties = rounding.places, rounding.ties
        result = {key: round_with_ties(value, places, ties) for key, value in result.items()}
    return dict(sorted(result.items(), key=lambda item: (item[0][1], item[0][0])))


# ---------------------------------------------------------------- checks for the spec layer
# Each raises FieldValueError, a ValueError whose `path` names the field from the model down
# (0-based list indices, as pydantic locates errors), so the loader reports `file:line: field:`.


def _describe_shape(shape: tuple[int, ...]) -> str:
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a list of {shape[0]}"
    return "a " + "×".join(str(n) for n in shape) + " array"


def check_network(network: Network) -> None:
    """Raise FieldValueError for an empty layer list, a W or b that does not fit, an unknown
    activation, or a softmax β that is not a positive number."""
    if not network.layers:
        raise FieldValueError(("layers",), "expected at least one layer; got none")
    previous: int | None = None
    for index, layer in enumerate(network.layers):
        path: tuple[str | int, ...] = ("layers", index)
        if layer.W.ndim != 2:
            raise FieldValueError((*path, "W"), f"expected a matrix; got {_describe_shape(layer.W.shape)}")
        if previous is not None and layer.input_size != previous:
            raise FieldValueError(
                (*path, "W"),
                f"expected {previous} columns, one per output of the layer before "
                f"(it has {previous} units); got {layer.input_size}",
            )
        if layer.b.shape != (layer.size,):
            raise FieldValueError(
                (*path, "b"),
                f"expected a number or a list of {layer.size} (one per row of W); got {layer.b.shape[0]}",
            )
        if layer.activation not in ACTIVATION_NAMES:
            raise FieldValueError(
                (*path, "activation"),
                f"expected one of {', '.join(ACTIVATION_NAMES)}; got {layer.activation!r}",
            )
        if layer.activation == "softmax" and not (np.isfinite(layer.beta) and layer.beta > 0):
            raise FieldValueError(
                (*path, "activation", "beta"),
                f"expected a positive number (the inverse temperature); got {layer.beta:g}",
            )
        previous = layer.size


def check_loss(network: Network, loss: Loss) -> None:
    """Raise FieldValueError for a loss that does not fit the network's last layer. A target is
    one for every point (a vector for squared_error, a number otherwise) or one per point."""
    last = network.layers[-1]
    outputs = last.size
    target = np.asarray(loss.target, dtype=np.float64)
    if loss.kind not in LOSS_KINDS:
        raise FieldValueError(("loss", "kind"), f"expected one of {', '.join(LOSS_KINDS)}; got {loss.kind!r}")
    if loss.kind == "squared_error":
        # one output may take its target as a number
        fits = target.shape[-1:] == (outputs,) or (outputs == 1 and target.ndim == 0)
        if not fits or target.ndim > 2:
            raise FieldValueError(
                ("loss", "target"),
                f"expected a list of {outputs} (one per output of the last layer); "
                f"got {_describe_shape(target.shape)}",
            )
        return
    if loss.kind == "cross_entropy" and last.activation != "softmax":
        raise FieldValueError(
            ("loss", "kind"),
            f"cross_entropy needs a softmax output layer; the last layer's activation is {last.activation}",
        )
    if loss.kind == "hinge" and outputs != 1:
        raise FieldValueError(("loss", "kind"), f"hinge takes one output; the last layer has {outputs}")
    if target.ndim > 1:
        raise FieldValueError(("loss", "target"), f"expected a number; got {_describe_shape(target.shape)}")
    if loss.kind == "cross_entropy":
        whole = bool(np.all(np.mod(target, 1.0) == 0.0))
        if not whole or not bool(np.all((target >= 0) & (target < outputs))):
            raise FieldValueError(
                ("loss", "target"),
                f"expected a class index from 0 to {outputs - 1} (0-based; the output has "
                f"{outputs} classes); got {_show(loss.target)}",
            )
    elif not bool(np.all(np.abs(target) == 1.0)):
        raise FieldValueError(("loss", "target"), f"expected +1 or −1; got {_show(loss.target)}")


def _show(value: ArrayLike) -> str:
    array = np.asarray(value)
    return f"{array.item():g}" if array.ndim == 0 else str(array.tolist())


def check_points(points: ArrayLike, input_size: int) -> Array:
    """The spec's `inputs` as (P, n_0): a list of points, each a list of n_0 numbers (a list of
    numbers is P one-value points when n_0 = 1). Raise FieldValueError for any other shape."""
    if isinstance(points, (list, tuple)):
        for index, point in enumerate(points):
            size = len(point) if isinstance(point, (list, tuple)) else 1
            if size != input_size:
                raise FieldValueError(
                    ("inputs", index),
                    f"expected {input_size} numbers (the columns of the first layer's W); got {size}",
                )
    array = np.asarray(points, dtype=np.float64)
    if array.ndim == 1 and input_size == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        expected = f"a list of points, each a list of {input_size} numbers"
        raise FieldValueError(("inputs",), f"expected {expected}; got {_describe_shape(array.shape)}")
    if array.shape[0] == 0:
        raise FieldValueError(("inputs",), "expected at least one point; got none")
    if array.shape[1] != input_size:
        raise FieldValueError(
            ("inputs",),
            f"expected each point to have {input_size} numbers (the columns of the first layer's W); "
            f"got {array.shape[1]}",
        )
    return array
