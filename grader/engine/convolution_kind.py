"""The convolution kind: one kernel over one signal (1-D) or one image (2-D), as a model kind.

`model: {network: convolution, kernel, bias, flip, padding, stride, activation, pool}`; the
numerics are `grader.engine.convolution.feature_map`. The answer (`answer: {kind: outputs}`) is
the feature map after the activation and the pooling: a vector (1-D) or a matrix (2-D), read and
named as one (`answer_layout`): `entry 2 of the feature map`, `row 1, column 3 of the feature map`.
Rounding applies to the reported map; with `carry: rounded` pooling sees the rounded activations.

`KIND` declares the kind for the registry (`grader.engine.kinds`), with the flip of the kernel as
a convention the audit tries and its own mistakes: the bias forgotten, the activation forgotten,
max and average pooling swapped, the padding forgotten, pooling with stride 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from grader.engine.convolution import Pool, check_feature_map, feature_map, output_size
from grader.engine.kinds import AnswerLayout, Knob, ModelKind, Parameter, Quantity
from grader.feedback.mistakes import Evidence, Mistake, MistakeVariant, engine_answers, with_model
from grader.spec.models import (
    ChooseFromInputs,
    Evaluation,
    FieldValueError,
    Flag,
    Matrix,
    ModelSpec,
    Number,
    Problem,
    RandomInputs,
    SpecBlock,
    Vector,
    check_rectangular,
    shape_of,
)

__all__ = ["KIND", "ConvolutionModel", "ConvolutionTrace", "PoolSpec", "run_convolution"]

Array = NDArray[np.float64]
Count = Annotated[int, Field(strict=True)]


class PoolSpec(SpecBlock):
    """`pool: {kind: max | average, size, stride}`; the stride defaults to the size."""

    kind: Literal["max", "average"]
    size: Count
    stride: Count | None = None


class ConvolutionModel(ModelSpec):
    """`model: {network: convolution, kernel, bias, flip, padding, stride, activation, pool}`."""

    network: Literal["convolution"]
    kernel: Vector | Matrix
    bias: Number = 0.0
    flip: Flag = False
    padding: Count = 0
    stride: Count = 1
    activation: Literal["identity", "relu", "sigmoid", "tanh"] = "identity"
    pool: PoolSpec | None = None

    @model_validator(mode="after")
    def _options_fit(self) -> ConvolutionModel:
        if self.rank == 2:
            check_rectangular(self.kernel, ("kernel",))  # type: ignore[arg-type]
        if self.padding < 0:
            raise FieldValueError(("padding",), f"expected 0 or more zeros on every side; got {self.padding}")
        if self.stride < 1:
            raise FieldValueError(("stride",), f"expected a stride of at least 1; got {self.stride}")
        if self.pool is not None:
            if self.pool.size < 1:
                raise FieldValueError(
                    ("pool", "size"), f"expected a pool size of at least 1; got {self.pool.size}"
                )
            if self.pool.stride is not None and self.pool.stride < 1:
                raise FieldValueError(
                    ("pool", "stride"), f"expected a pool stride of at least 1; got {self.pool.stride}"
                )
        return self

    @property
    def kind_name(self) -> str:
        return self.network

    @property
    def rank(self) -> int:
        """1 for a vector kernel over a signal, 2 for a matrix kernel over an image."""
        return 2 if isinstance(self.kernel[0], list) else 1

    @property
    def scalar(self) -> bool:
        # a 1-D map is a list of numbers, as a scalar cell's answer is
        return self.rank == 1

    @property
    def size(self) -> int:
        """1 for a signal; a 2-D map's width depends on the image (`map_shape`)."""
        return 1

    @property
    def input_size(self) -> int:
        return 1

    @property
    def pooling(self) -> Pool | None:
        return None if self.pool is None else Pool(self.pool.kind, self.pool.size, self.pool.stride)

    def map_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of the answer for a signal (n,) or an image (h, w)."""
        kernel_shape = shape_of(self.kernel)  # of the spec's lists, without building an array
        shape = tuple(
            output_size(n, k, self.padding, self.stride)
            for n, k in zip(input_shape, kernel_shape, strict=True)
        )
        pool = self.pooling
        if pool is not None:
            shape = tuple(output_size(n, pool.size, 0, pool.step) for n in shape)
        return shape


@dataclass(frozen=True)
class ConvolutionTrace:
    """Every stage for a batch of B signals (B, n) or images (B, h, w); every field batch-first,
    so that one row of a batch is a trace of its own."""

    x: Array
    padded: Array
    pre_activation: Array  # the map before the activation, bias included
    activated_raw: Array  # after the activation, unrounded
    activated: Array  # after the activation, as reported
    raw: Array  # the answer before rounding: after pooling when pooling, else activated_raw
    output: Array  # the answer as reported


def _as_signals(model: ConvolutionModel, inputs: Array) -> Array:
    """The pipeline's (B, T, d) inputs as signals (B, n) or images (B, h, w)."""
    x = np.asarray(inputs, dtype=np.float64)
    return x[..., 0] if model.rank == 1 and x.ndim == 3 else x


def run_convolution(model: ConvolutionModel, evaluation: Evaluation, inputs: Array) -> ConvolutionTrace:
    """The feature map of every signal or image of the batch."""
    x = _as_signals(model, inputs)
    computed = feature_map(
        x,
        model.kernel,
        bias=float(model.bias),
        flip=model.flip,
        padding=model.padding,
        stride=model.stride,
        activation=model.activation,
        pool=model.pooling,
        activation_mode=evaluation.activation,
        rounding=evaluation.rounding,
        carry=evaluation.carry,
    )
    return ConvolutionTrace(
        x=x,
        padded=computed.padded,
        pre_activation=computed.pre_activation,
        activated_raw=computed.activated_raw,
        activated=computed.activated,
        raw=computed.activated_raw if computed.pooled is None else computed.pooled,
        output=computed.output,
    )


def _reported(trace: ConvolutionTrace, quantity: str, raw: bool) -> Array:
    """(B, T, n): a 1-D map (B, L) as (B, L, 1), a 2-D map as its rows."""
    values = trace.raw if raw else trace.output
    return values[..., None] if values.ndim == 2 else values


def check_inputs(model: ConvolutionModel, inputs: Any) -> None:
    """`inputs` is one signal (a vector kernel) or one image (a matrix kernel), or a choice of them."""
    if isinstance(inputs, RandomInputs):
        if model.rank != 1:
            raise FieldValueError(
                ("inputs", "random"), "random inputs are signals; a matrix kernel takes an image"
            )
        _check_one(model, [0.0] * inputs.random.length, ("inputs", "random", "length"))
        return
    if isinstance(inputs, ChooseFromInputs):
        shapes = set()
        for index, choice in enumerate(inputs.choose_from):
            _check_one(model, choice, ("inputs", "choose_from", index))
            shapes.add(np.shape(choice))
        if len(shapes) > 1:
            raise FieldValueError(("inputs", "choose_from"), "every choice needs the same shape")
        return
    _check_one(model, inputs, ("inputs",))


def _check_one(model: ConvolutionModel, signal: Any, path: tuple[str | int, ...]) -> None:
    if isinstance(signal, list) and signal and isinstance(signal[0], list):
        check_rectangular(signal, path)
    try:
        check_feature_map(
            signal,
            model.kernel,
            padding=model.padding,
            stride=model.stride,
            activation=model.activation,
            pool=model.pooling,
        )
    except FieldValueError as error:
        # the numerics name the model's own fields; the problem's are below `model`
        located = path if error.path == ("inputs",) else ("model", *error.path)
        raise FieldValueError(located, error.message) from None


def answer_layout(problem: Problem) -> AnswerLayout:
    """The feature map, named as one: `entry 2 of the feature map`, `row 1, column 3 of the
    feature map`; its shape is the map's for the problem's inputs (every choice has one shape)."""
    model = problem.model
    assert isinstance(model, ConvolutionModel)
    inputs = problem.inputs
    if isinstance(inputs, RandomInputs):
        signal: Any = [0.0] * inputs.random.length
    else:
        signal = inputs.choose_from[0] if isinstance(inputs, ChooseFromInputs) else inputs
    # read for every answer: the shapes of the spec's lists, without building arrays
    return AnswerLayout("the feature map", "array", model.map_shape(shape_of(signal)))


# --- the worked solution ------------------------------------------------------------------------


def _position(index: tuple[int, ...]) -> str:
    return str(index[0]) if len(index) == 1 else "(" + ", ".join(map(str, index)) + ")"


def _explain(problem: Problem, trace: ConvolutionTrace) -> tuple[list[str], list[list[Any]]]:
    """The padded input, then per map entry its window, b + Σ K·window, the activation (rounded);
    then per pooled entry its window of the activated map and its max or average."""
    model = problem.model
    assert isinstance(model, ConvolutionModel)
    computed = trace
    rounded = problem.evaluation.rounding is not None
    name = model.activation
    headers = ["entry", "window", "z = b + Σ K·window", f"{name}(z)"]
    if rounded:
        headers.append("rounded")
    blank = [""] * (len(headers) - 2)
    rows: list[list[Any]] = []
    kernel = np.asarray(model.kernel, dtype=np.float64)
    kernel = np.flip(kernel) if model.flip else kernel
    for label, values in (("padded input", computed.padded[0]), ("kernel as applied", kernel)):
        if values.ndim == 1:
            rows.append([label, values.tolist(), *blank])
        else:  # an image or a matrix kernel, one row of it per line
            rows.extend([f"{label} row {i}", row.tolist(), *blank] for i, row in enumerate(values))
    shape = kernel.shape
    for index in np.ndindex(*computed.pre_activation.shape[1:]):
        window = computed.padded[0][
            tuple(slice(i * model.stride, i * model.stride + k) for i, k in zip(index, shape, strict=True))
        ]
        row: list[Any] = [_position(index), window.tolist(), computed.pre_activation[0][index]]
        row.append(computed.activated_raw[0][index])
        if rounded:
            row.append(computed.activated[0][index])
        rows.append(row)
    pool = model.pooling
    if pool is not None:
        seen = computed.activated[0] if problem.evaluation.carry == "rounded" else computed.activated_raw[0]
        for index in np.ndindex(*computed.raw.shape[1:]):
            window = seen[tuple(slice(i * pool.step, i * pool.step + pool.size) for i in index)]
            row = [f"{pool.kind} pool {_position(index)}", window.tolist(), "", computed.raw[0][index]]
            if rounded:
                row.append(computed.output[0][index])
            rows.append(row)
    return headers, rows


# --- conventions and mistakes -------------------------------------------------------------------


def _flipped(model: ConvolutionModel) -> ConvolutionModel | None:
    if np.array_equal(np.flip(np.asarray(model.kernel)), np.asarray(model.kernel)):
        return None  # a symmetric kernel reads the same either way
    return model.model_copy(update={"flip": not model.flip})


def _parameters(model: ConvolutionModel) -> list[Parameter]:
    found = [Parameter("bias", ("bias",), "b", float(model.bias))]
    for index in np.ndindex(*np.shape(model.kernel)):
        value = float(np.asarray(model.kernel)[index])
        suffix = "".join(f"[{i}]" for i in index)
        found.append(Parameter(f"kernel{suffix}", ("kernel", *index), f"K{suffix}", value))
    return found


def _model(problem: Problem) -> ConvolutionModel:
    assert isinstance(problem.model, ConvolutionModel)
    return problem.model


def _first(evidence: Evidence) -> str:
    return evidence.names(evidence.changed[:1])


def _bias_forgotten(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    if model.bias == 0:
        return []

    def sentence(evidence: Evidence) -> str:
        return f"Your answer is what you get leaving out the bias b. It first matters at {_first(evidence)}."

    changed = with_model(problem, model.model_copy(update={"bias": 0.0}))
    return [MistakeVariant("bias_forgotten", engine_answers(changed), sentence, "leaving out the bias b")]


def _activation_forgotten(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    if model.activation == "identity":
        return []

    def sentence(evidence: Evidence) -> str:
        return (
            f"Your answer is what you get without the activation; this problem applies "
            f"{model.activation} to every entry before pooling. It first matters at {_first(evidence)}."
        )

    changed = with_model(problem, model.model_copy(update={"activation": "identity"}))
    return [
        MistakeVariant(
            "activation_forgotten", engine_answers(changed), sentence, f"leaving out {model.activation}"
        )
    ]


def _pooling_swapped(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    if model.pool is None:
        return []
    other = "average" if model.pool.kind == "max" else "max"

    def sentence(evidence: Evidence) -> str:
        return (
            f"Your answer is what you get with {other} pooling; this problem takes the "
            f"{model.pool.kind if model.pool else ''} of each window. It first matters at {_first(evidence)}."
        )

    pool = model.pool.model_copy(update={"kind": other})
    changed = with_model(problem, model.model_copy(update={"pool": pool}))
    return [
        MistakeVariant(
            "pooling_swapped", engine_answers(changed), sentence, f"taking the {other} when pooling"
        )
    ]


def _fits(problem: Problem, model: ConvolutionModel) -> bool:
    """True when `model` can make a map of the problem's inputs (a mistake's model may not)."""
    try:
        check_inputs(model, problem.inputs)
    except FieldValueError:
        return False
    return True


def _padding_forgotten(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    unpadded = model.model_copy(update={"padding": 0})
    if model.padding == 0 or not _fits(problem, unpadded):
        return []

    def sentence(evidence: Evidence) -> str:
        zeros = "one zero" if model.padding == 1 else f"{model.padding} zeros"
        return (
            f"Your answer is what you get without the padding; this problem adds {zeros} on every "
            "side of the input before sliding the kernel, which makes the map larger."
        )

    changed = with_model(problem, unpadded)
    return [MistakeVariant("padding_forgotten", engine_answers(changed), sentence, "leaving out the padding")]


def _pool_stride_one(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    if model.pool is None or (model.pooling is not None and model.pooling.step == 1):
        return []
    step = model.pooling.step if model.pooling is not None else 1

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get moving the pooling window one entry at a time; this "
            f"problem moves it {step} entries (the pool's stride), so there are fewer windows."
        )

    pool = model.pool.model_copy(update={"stride": 1})
    changed = with_model(problem, model.model_copy(update={"pool": pool}))
    return [MistakeVariant("pool_stride_one", engine_answers(changed), sentence, "pooling with stride 1")]


KIND = ModelKind(
    name="convolution",
    discriminator="network",
    spec=ConvolutionModel,
    quantities={"y": Quantity("y", "the feature map, after the activation and the pooling")},
    run=run_convolution,
    reported=_reported,
    initial=lambda model, quantity: np.zeros(1),
    explain=_explain,
    parameters=_parameters,
    carried="y",
    knobs=(
        Knob(
            "kernel_flip",
            "the kernel flipped (textbook convolution vs cross-correlation)",
            "the key changes when the kernel is flipped (flip: true vs false)",
            _flipped,
            "flipping the kernel (or not)",
            "Your answer is what you get with the kernel read the other way round: `flip: false` "
            "slides the kernel as written (cross-correlation, what deep-learning libraries call "
            "convolution); `flip: true` reverses it first (the textbook convolution).",
        ),
    ),
    mistakes=(
        Mistake("bias_forgotten", "the bias b left out", _bias_forgotten),
        Mistake("activation_forgotten", "the activation left out", _activation_forgotten),
        Mistake("pooling_swapped", "max and average pooling swapped", _pooling_swapped),
        Mistake("padding_forgotten", "the padding left out", _padding_forgotten),
        Mistake("pool_stride_one", "pooling windows moved one entry at a time", _pool_stride_one),
    ),
    answer_kinds=("outputs",),
    check_inputs=check_inputs,
    answer_layout=answer_layout,
)
