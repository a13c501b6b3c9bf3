"""The feedforward network as a model kind: `model: {network: feedforward, layers: [...], loss}`.

The numerics are `grader.engine.feedforward`'s; this module declares the kind for the registry
(`grader.engine.kinds`). The input points play the part of a recurrent kind's steps: `inputs` is
a list of points, and `answer: {kind: outputs}` reports the last layer's output for each point
(quantity `y`), `{kind: outputs, layer: k}` hidden layer k's (quantity `a^k`), named by point:
`output 2 of point 1`, `layer-1 output of point 2`. Rounding applies to every reported a_k and
`carry: rounded` feeds the rounded a_k to layer k + 1, as for the LSTM.

With a `loss`, `answer: {kind: gradient, wrt: layers.k.W}` reports ∂L/∂W_k summed over the points
(quantity `(∂L/∂W_k)`), a matrix of W_k's shape graded entry by entry and named `row 2, column 1
of ∂L/∂W_k`; `wrt: layers.k.b` reports ∂L/∂b_k, a vector (`entry 2 of ∂L/∂b_k`). The backward
pass runs on exact values; rounding applies to the gradient itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

import numpy as np
from numpy.typing import NDArray
from pydantic import BeforeValidator, model_validator

from grader.engine.feedforward import (
    Layer,
    Loss,
    Network,
    Trace,
    check_loss,
    check_network,
    check_points,
    forward,
    gradients,
)
from grader.engine.keys import compute_keys, reported
from grader.engine.kinds import AnswerLayout, Knob, ModelKind, Parameter, Quantity
from grader.engine.rounding import round_with_ties
from grader.feedback.mistakes import Evidence, Mistake, MistakeVariant, engine_answers, with_model
from grader.spec.models import (
    ChooseFromInputs,
    Evaluation,
    FieldValueError,
    GradientAnswer,
    Matrix,
    ModelSpec,
    Number,
    OutputsAnswer,
    Problem,
    RandomInputs,
    SpecBlock,
    Vector,
)

__all__ = ["KIND", "FeedforwardModel", "LayerSpec", "LossSpec", "SoftmaxSpec", "run_feedforward"]

Array = NDArray[np.float64]

#: the quantity of the last layer's outputs; hidden layer k reports `a^k`
OUTPUT = "y"
#: the prefix of a gradient quantity: `(∂L/∂W_k)`, `(∂L/∂b_k)`, in parentheses so that its rows
#: read `(∂L/∂W_1)_0` in feedback
GRADIENT = "(∂L/∂"


class SoftmaxSpec(SpecBlock):
    """`activation: {kind: softmax, beta: B}`: softmax(β z), β the inverse temperature."""

    kind: Literal["softmax"]
    #: checked to be positive with the layers (`check_network`), which names the layer
    beta: Number = 1.0


def _activation_short_form(value: Any) -> Any:
    """`activation: softmax` is short for `{kind: softmax}` (β = 1)."""
    return {"kind": "softmax"} if value == "softmax" else value


class LayerSpec(SpecBlock):
    """One layer: a_k = activation(W a_{k-1} + b)."""

    W: Number | Matrix
    b: Number | Vector
    activation: Annotated[
        Union[Literal["identity", "relu", "sigmoid", "tanh"], SoftmaxSpec],
        BeforeValidator(_activation_short_form),
    ] = "identity"

    @property
    def activation_name(self) -> str:
        return self.activation if isinstance(self.activation, str) else "softmax"

    @property
    def beta(self) -> float:
        return self.activation.beta if isinstance(self.activation, SoftmaxSpec) else 1.0

    def layer(self) -> Layer:
        return Layer(
            np.asarray(self.W, np.float64), np.asarray(self.b, np.float64), self.activation_name, self.beta
        )


class LossSpec(SpecBlock):
    """`loss: {kind, target}` on the last layer's output, the same target for every point: a
    vector for squared_error, a class index (0-based) for cross_entropy, ±1 for hinge."""

    kind: Literal["squared_error", "cross_entropy", "hinge"]
    target: Number | Vector

    @model_validator(mode="after")
    def _target_is_one_number(self) -> LossSpec:
        if self.kind != "squared_error" and isinstance(self.target, list):
            raise FieldValueError(("target",), f"expected a number for {self.kind}; got a list")
        return self


class FeedforwardModel(ModelSpec):
    """`model: {network: feedforward, layers: [{W, b, activation}, …], loss}`."""

    network: Literal["feedforward"]
    layers: list[LayerSpec]
    loss: LossSpec | None = None

    @model_validator(mode="after")
    def _shapes_fit(self) -> FeedforwardModel:
        for index, layer in enumerate(self.layers):
            if isinstance(layer.W, list):
                width = len(layer.W[0])
                for row_index, row in enumerate(layer.W):
                    if len(row) != width:
                        raise FieldValueError(
                            ("layers", index, "W", row_index),
                            f"every row needs {width} numbers like the first; got {len(row)}",
                        )
        network = self.network_value()
        check_network(network)
        if network.loss is not None:
            check_loss(network, network.loss)
        return self

    def network_value(self) -> Network:
        """The engine's network for this model."""
        loss = None if self.loss is None else Loss(self.loss.kind, self.loss.target)
        return Network(tuple(layer.layer() for layer in self.layers), loss)

    @property
    def kind_name(self) -> str:
        return self.network

    @property
    def scalar(self) -> bool:
        """Written with numbers only: one input and one output per point, answers plain numbers."""
        return all(not isinstance(layer.W, list) and not isinstance(layer.b, list) for layer in self.layers)

    @property
    def size(self) -> int:
        return self.layer_size(len(self.layers))

    @property
    def input_size(self) -> int:
        first = self.layers[0].W
        return len(first[0]) if isinstance(first, list) else 1

    def layer_size(self, k: int) -> int:
        """n_k, the units of layer k (1-based)."""
        layer = self.layers[k - 1]
        if isinstance(layer.W, list):
            return len(layer.W)
        return len(layer.b) if isinstance(layer.b, list) else 1


@dataclass(frozen=True)
class NetworkTrace:
    """The forward pass for B sets of points and, with a loss, every ∂L/∂W_k and ∂L/∂b_k."""

    forward: Trace
    #: ("W", k) → (B, n_k, n_{k-1}), ("b", k) → (B, n_k), k 1-based; after rounding
    gradients: dict[tuple[str, int], Array]
    #: the same before rounding
    gradients_raw: dict[tuple[str, int], Array]


def run_feedforward(model: FeedforwardModel, evaluation: Evaluation, inputs: Array) -> NetworkTrace:
    """Every layer for a batch of B sets of points (B, P, n_0), and the gradients with a loss."""
    network = model.network_value()
    points = np.asarray(inputs, dtype=np.float64)
    trace = forward(
        network,
        points,
        activation_mode=evaluation.activation,
        rounding=evaluation.rounding,
        carry=evaluation.carry,
    )
    if network.loss is None:
        return NetworkTrace(trace, {}, {})
    raw = gradients(network, points)
    rounding = evaluation.rounding
    rounded = raw if rounding is None else gradients(network, points, rounding=rounding)
    return NetworkTrace(trace, rounded, raw)


# --- the kind's declarations for the registry ---------------------------------------------------


def _layer_of(model: FeedforwardModel, quantity: str) -> int:
    """The 1-based layer a quantity reports: `y` the last, `a^k` layer k, `∂L/∂W_k` layer k."""
    if quantity == OUTPUT:
        return len(model.layers)
    if quantity.startswith(GRADIENT):
        return int(quantity.rstrip(")").rpartition("_")[2])
    return int(quantity.partition("^")[2])


def _gradient_of(quantity: str) -> tuple[str, int] | None:
    """("W", k) for `∂L/∂W_k`, ("b", k) for `∂L/∂b_k`; None for an output quantity."""
    if not quantity.startswith(GRADIENT):
        return None
    parameter, _, layer = quantity[len(GRADIENT) :].rstrip(")").partition("_")
    return parameter, int(layer)


def _bound_for(layer_index: int | None) -> Any:
    def bound(model: FeedforwardModel, points: int) -> tuple[float, str] | None:
        k = len(model.layers) if layer_index is None else layer_index
        name = model.layers[k - 1].activation_name
        if name in ("sigmoid", "softmax"):
            return 1.0, f"a_{k} = {name}(…) lies in [0, 1]"
        if name == "tanh":
            return 1.0, f"a_{k} = tanh(…) lies in [-1, 1]"
        return None

    return bound


class _Quantities(Mapping[str, Quantity]):
    """`y`, the outputs, listed; `a^k` for any hidden layer k found on lookup (the layers are the
    model's, so the kind cannot list them)."""

    def __getitem__(self, name: str) -> Quantity:
        if name == OUTPUT:
            return Quantity(OUTPUT, "the outputs y = a_L of each point", _bound_for(None))
        if name.startswith(GRADIENT):
            parameter, _, layer = name[len(GRADIENT) :].partition("_")
            layer, closed = layer[:-1], layer.endswith(")")
            if closed and parameter in ("W", "b") and layer.isdigit() and int(layer) >= 1:
                return Quantity(name, f"the gradient of the loss with respect to {parameter}_{layer}")
            raise KeyError(name)
        head, mark, tail = name.partition("^")
        if head == "a" and mark and tail.isdigit() and int(tail) >= 1:
            return Quantity(
                name, f"the outputs a_{tail} of layer {tail} for each point", _bound_for(int(tail))
            )
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter((OUTPUT,))

    def __len__(self) -> int:
        return 1


def _check_points(model: FeedforwardModel, inputs: Any) -> None:
    """A located error unless the problem's `inputs` are points of the first layer's input size:
    one list of them, each list of `choose_from`, or `random` numbers for a one-input network."""
    if isinstance(inputs, ChooseFromInputs):
        for index, points in enumerate(inputs.choose_from):
            try:
                check_points(points, model.input_size)
            except FieldValueError as error:
                path = ("inputs", "choose_from", index, *error.path[1:])
                raise FieldValueError(path, error.message) from None
    elif isinstance(inputs, RandomInputs):
        if model.input_size != 1:
            raise FieldValueError(
                ("inputs", "random"),
                f"random inputs are numbers, but this network reads points of {model.input_size}",
            )
    elif inputs is not None:
        check_points(inputs, model.input_size)


def _answer_quantity(model: FeedforwardModel, answer: OutputsAnswer | GradientAnswer) -> str:
    """The quantity of `{kind: outputs, layer: k}` or `{kind: gradient, wrt: layers.k.W}`."""
    count = len(model.layers)
    if isinstance(answer, OutputsAnswer):
        k = answer.layer or count
        if k > count:
            raise FieldValueError(("answer", "layer"), f"expected a layer from 1 to {count}; got {k}")
        return OUTPUT if k == count else f"a^{k}"
    _, layer, parameter = answer.wrt.split(".")
    if not 1 <= int(layer) <= count:
        raise FieldValueError(
            ("answer", "wrt"),
            f"expected a layer from 1 to {count} (layers.k.W or layers.k.b, k 1-based); got {answer.wrt!r}",
        )
    if model.loss is None:
        raise FieldValueError(("answer", "kind"), "a gradient needs a `loss` in the model")
    return f"{GRADIENT}{parameter}_{int(layer)})"


def _quantity_size(model: FeedforwardModel, quantity: str) -> int | None:
    """A gradient of W_k is graded row by row (n_{k-1} per row), of b_k as n_k numbers."""
    gradient = _gradient_of(quantity)
    if gradient is None:
        return model.layer_size(_layer_of(model, quantity))
    parameter, k = gradient
    if parameter == "b":
        return None
    return model.layer_size(k - 1) if k > 1 else model.input_size


def _answer_layout(problem: Problem) -> AnswerLayout:
    """A gradient is one array of its parameter's shape (`row 2, column 1 of ∂L/∂W_1`, `entry 2
    of ∂L/∂b_1`; one number for a parameter written as a number); outputs are one value or
    vector per point (`output 2 of point 1`, `layer-1 output of point 2`)."""
    model = _model(problem)
    quantity = problem.answer.of if isinstance(problem.answer, OutputsAnswer | GradientAnswer) else OUTPUT
    gradient = _gradient_of(quantity)
    if gradient is None:
        k = _layer_of(model, quantity)
        label = "output" if k == len(model.layers) else f"layer-{k} output"
        return AnswerLayout(label, "points", (None,) if model.scalar else (None, model.layer_size(k)))
    parameter, k = gradient
    shape: tuple[int, ...] = (model.layer_size(k),)
    if parameter == "W" and not model.scalar:
        shape = (model.layer_size(k), model.layer_size(k - 1) if k > 1 else model.input_size)
    return AnswerLayout(f"∂L/∂{parameter}_{k}", "array", shape)


def _reported(trace: NetworkTrace, quantity: str, raw: bool) -> Array:
    gradient = _gradient_of(quantity)
    if gradient is not None:
        value = (trace.gradients_raw if raw else trace.gradients)[gradient]
        # ∂L/∂b_k (B, n_k) is n_k "steps" of one number each
        return value[..., None] if gradient[0] == "b" else value
    values = trace.forward.a_raw if raw else trace.forward.a
    return values[-1] if quantity == OUTPUT else values[int(quantity.partition("^")[2]) - 1]


def _explain(problem: Problem, trace: NetworkTrace) -> tuple[list[str], list[list[Any]]]:
    """Per point: a_0, then z_k and a_k of every layer (before and after rounding when rounded);
    for a gradient answer, then the backward pass δ_k = ∂L/∂z_k from the last layer down."""
    model = _model(problem)
    forward_pass = trace.forward
    rounded = problem.evaluation.rounding is not None
    backward = isinstance(problem.answer, GradientAnswer)
    headers = ["point", "a_0"]
    for k, layer in enumerate(model.layers, start=1):
        headers.append(f"z_{k}")
        headers.extend([f"{layer.activation_name}(z_{k})", f"a_{k} rounded"] if rounded else [f"a_{k}"])
    count = len(model.layers)
    if backward:
        headers.extend(f"δ_{k} = ∂L/∂z_{k}" for k in range(count, 0, -1))
    rows = []
    for point in range(forward_pass.inputs.shape[1]):
        row: list[Any] = [point, forward_pass.inputs[0, point]]
        for k in range(count):
            row.append(forward_pass.z[k][0, point])
            exact, shown = forward_pass.a_raw[k][0, point], forward_pass.a[k][0, point]
            row.extend([exact, shown] if rounded else [shown])
        if backward:
            # one point's ∂L/∂b_k is its δ_k: the sum over points is the answer's b gradient
            alone = gradients(model.network_value(), forward_pass.inputs[:1, point : point + 1])
            row.extend(alone[("b", k)][0] for k in range(count, 0, -1))
        rows.append(row)
    return headers, rows


def _parameters(model: FeedforwardModel) -> list[Parameter]:
    found = []
    for index, layer in enumerate(model.layers):
        for key in ("W", "b"):
            value = getattr(layer, key)
            array = np.atleast_1d(np.asarray(value, dtype=np.float64))
            for entry in np.ndindex(array.shape):
                spec_index = tuple(int(i) for i in entry) if isinstance(value, list) else ()
                suffix = "".join(f"[{i}]" for i in spec_index)
                found.append(
                    Parameter(
                        f"layers[{index}].{key}{suffix}",
                        ("layers", index, key, *spec_index),
                        f"{key}_{index + 1}{suffix}",
                        float(array[entry]),
                    )
                )
    return found


def _model(problem: Problem) -> FeedforwardModel:
    assert isinstance(problem.model, FeedforwardModel)
    return problem.model


def _first(evidence: Evidence) -> str:
    return evidence.names(evidence.changed[:1])


def _with_layers(problem: Problem, layers: list[dict[str, Any]]) -> Problem:
    model = _model(problem)
    data = model.model_dump()
    data["layers"] = layers
    return with_model(problem, FeedforwardModel.model_validate(data))


def _layer_dumps(problem: Problem) -> list[dict[str, Any]]:
    return [layer.model_dump() for layer in _model(problem).layers]


def _bias_forgotten(problem: Problem) -> list[MistakeVariant]:
    layers = _layer_dumps(problem)
    for layer in layers:
        layer["b"] = np.zeros(np.shape(layer["b"])).tolist() if isinstance(layer["b"], list) else 0.0

    def sentence(evidence: Evidence) -> str:
        return (
            f"Your answer is what you get leaving out the biases b_k. It first matters at {_first(evidence)}."
        )

    return [
        MistakeVariant(
            "bias_forgotten",
            engine_answers(_with_layers(problem, layers)),
            sentence,
            "leaving out the biases",
        )
    ]


def _weights_transposed(problem: Problem) -> list[MistakeVariant]:
    layers = _layer_dumps(problem)
    square = [
        index
        for index, layer in enumerate(layers)
        if isinstance(layer["W"], list)
        and len(layer["W"]) == len(layer["W"][0]) > 1
        and layer["W"] != np.transpose(layer["W"]).tolist()
    ]
    if not square:
        return []  # the shapes allow no transposition that changes anything
    for index in square:
        layers[index]["W"] = np.transpose(layers[index]["W"]).tolist()

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get multiplying by Wᵀ instead of W: row i of W_k holds the "
            f"weights into unit i of layer k. It first matters at {_first(evidence)}."
        )

    return [
        MistakeVariant(
            "weights_transposed", engine_answers(_with_layers(problem, layers)), sentence, "transposing W"
        )
    ]


def _without_beta(model: FeedforwardModel) -> FeedforwardModel | None:
    """The model with every softmax's β taken as 1; None when every β is 1 already."""
    data = model.model_dump()
    changed = False
    for layer in data["layers"]:
        activation = layer["activation"]
        if isinstance(activation, dict) and activation["beta"] != 1.0:
            activation["beta"] = 1.0
            changed = True
    return FeedforwardModel.model_validate(data) if changed else None


def _relu_on_output(model: FeedforwardModel) -> FeedforwardModel | None:
    """The model with ReLU applied to a linear output layer; None when the output is not linear."""
    if model.layers[-1].activation != "identity":
        return None
    data = model.model_dump()
    data["layers"][-1]["activation"] = "relu"
    return FeedforwardModel.model_validate(data)


def _output_activation_forgotten(problem: Problem) -> list[MistakeVariant]:
    layers = _layer_dumps(problem)
    name = _model(problem).layers[-1].activation_name
    if name == "identity":
        return []
    layers[-1]["activation"] = "identity"

    def sentence(evidence: Evidence) -> str:
        return (
            f"Your answer is what you get leaving out the output layer's {name}, taking y = z_L. "
            f"It first matters at {_first(evidence)}."
        )

    return [
        MistakeVariant(
            "output_activation_forgotten",
            engine_answers(_with_layers(problem, layers)),
            sentence,
            f"leaving out the output {name}",
        )
    ]


def _activation_forgotten(problem: Problem) -> list[MistakeVariant]:
    layers = _layer_dumps(problem)
    hidden = [layer for layer in layers[:-1] if layer["activation"] != "identity"]
    if not hidden:
        return []
    for layer in hidden:
        layer["activation"] = "identity"

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get leaving out the hidden layers' activations, taking "
            f"a_k = z_k. It first matters at {_first(evidence)}."
        )

    return [
        MistakeVariant(
            "hidden_activation_forgotten",
            engine_answers(_with_layers(problem, layers)),
            sentence,
            "leaving out the hidden activations",
        )
    ]


def _gradient_sign(problem: Problem) -> list[MistakeVariant]:
    if not isinstance(problem.answer, GradientAnswer):
        return []

    def answers(inputs: Array, _: Any) -> Array:
        return -compute_keys(problem, inputs)

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer has the opposite sign of the gradient ∂L/∂θ: it is the direction in which "
            f"the loss decreases fastest, −∂L/∂θ. It first matters at {_first(evidence)}."
        )

    return [MistakeVariant("gradient_sign", answers, sentence, "the gradient's sign flipped")]


def _derivative_forgotten(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    if not isinstance(problem.answer, GradientAnswer) or all(
        layer.activation_name == "identity" for layer in model.layers[:-1]
    ):
        return []
    network = model.network_value()

    def answers(inputs: Array, _: Any) -> Array:
        points = np.asarray(inputs, dtype=np.float64)
        exact = forward(network, points, carry="exact")
        found: dict[tuple[str, int], Array] = {}
        for point in range(points.shape[1]):
            # the output layer's δ_L is right; below it, δ_{k-1} = W_kᵀ δ_k without f'(z_{k-1})
            delta = gradients(network, points[:, point : point + 1])[("b", len(network.layers))]
            for k in range(len(network.layers), 0, -1):
                seen = exact.seen[k - 1][:, point]
                for key, value in ((("W", k), delta[:, :, None] * seen[:, None, :]), (("b", k), delta)):
                    found[key] = found.get(key, 0.0) + value
                delta = delta @ network.layers[k - 1].W
        rounding = problem.evaluation.rounding
        if rounding is not None:
            found = {
                key: round_with_ties(value, rounding.places, rounding.ties) for key, value in found.items()
            }
        trace = NetworkTrace(exact, found, found)
        return reported(problem, trace)

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what backpropagation gives without the hidden layers' activation "
            "derivatives: δ_{k-1} = (W_kᵀ δ_k) ⊙ f'(z_{k-1}), and you left out f'(z_{k-1}). "
            f"It first matters at {_first(evidence)}."
        )

    return [
        MistakeVariant(
            "activation_derivative_forgotten", answers, sentence, "leaving out f'(z) in the backward pass"
        )
    ]


KIND = ModelKind(
    name="feedforward",
    discriminator="network",
    spec=FeedforwardModel,
    quantities=_Quantities(),
    run=run_feedforward,
    reported=_reported,
    initial=lambda model, quantity: np.zeros(model.layer_size(_layer_of(model, quantity))),
    explain=_explain,
    parameters=_parameters,
    carried=OUTPUT,
    sequential=False,
    knobs=(
        Knob(
            "softmax_beta_forgotten",
            "a softmax taken without its β (softmax(z) for softmax(β z))",
            "the key changes when a softmax leaves out its β",
            _without_beta,
            "leaving out β",
            "Your answer is what you get with a plain softmax; this problem's softmax takes β: "
            "softmax_β(z)_i = exp(β z_i) / Σ_j exp(β z_j).",
        ),
        Knob(
            "relu_on_output",
            "ReLU applied to the linear output layer as to the hidden ones",
            "the key changes when ReLU is applied to the output layer",
            _relu_on_output,
            "applying ReLU to the output layer",
            "Your answer is what you get applying ReLU to the output layer; this problem's output "
            "layer is linear, y = W_L a_{L-1} + b_L.",
        ),
    ),
    mistakes=(
        Mistake("bias_forgotten", "the biases b_k left out", _bias_forgotten),
        Mistake("weights_transposed", "Wᵀ used for W", _weights_transposed),
        Mistake(
            "output_activation_forgotten",
            "y = z_L, without the output activation",
            _output_activation_forgotten,
        ),
        Mistake("hidden_activation_forgotten", "a_k = z_k in the hidden layers", _activation_forgotten),
        Mistake("gradient_sign", "−∂L/∂θ for ∂L/∂θ", _gradient_sign),
        Mistake(
            "activation_derivative_forgotten", "f'(z) left out of the backward pass", _derivative_forgotten
        ),
    ),
    quantity_size=_quantity_size,
    answer_quantity=_answer_quantity,
    answer_kinds=("outputs", "gradient"),
    check_inputs=_check_points,
    answer_layout=_answer_layout,
)
