"""Canonical answers: what the engine says a problem's answer is, for given inputs.

The one home of "what an answer reports": `reported` takes the quantity the answer names from a
trace, through the problem's model kind (`grader.engine.kinds`); and of what shape it has:
`answer_layout` (an array or one value per point, as the kind declares) or, for a sequence of
steps, `answer_vector_size`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np
from numpy.typing import NDArray

from grader.engine.kinds import AnswerLayout, ModelKind, kind_of
from grader.errors import SpecError
from grader.report.numbers import format_number, json_number
from grader.spec.models import (
    ChoiceAnswer,
    Evaluation,
    ModelSpec,
    Problem,
    SequenceAnswer,
)

__all__ = [
    "Key",
    "answer_layout",
    "answer_size",
    "answer_symbol",
    "answer_vector_size",
    "compute_key",
    "compute_keys",
    "describe_key",
    "fixed_inputs",
    "format_number",
    "inputs_array",
    "key_to_json",
    "kind_for",
    "reported",
    "trace_for",
]

Array = NDArray[np.float64]
#: A sequence key is an array of shape (T,) for a scalar cell or (T, n); a choice key, the ids.
Key = Union[Array, tuple[str, ...]]


def kind_for(problem: Problem) -> ModelKind:
    """The model kind of a problem with a model."""
    if problem.model is None:
        raise ValueError(f"problem {problem.id!r} has no model")
    return kind_of(problem.model)


def answer_symbol(problem: Problem) -> str:
    """The symbol of what the answer reports (`h` in `h_3`); a choice problem's model reports h."""
    if isinstance(problem.answer, SequenceAnswer):
        return problem.answer.of
    return "h"


def answer_layout(problem: Problem) -> AnswerLayout | None:
    """How the answer is read and named when its kind lays it out as an array or as one value
    per input point (`ModelKind.answer_layout`); None for a sequence of steps, h_0 … h_T."""
    if problem.model is None or not isinstance(problem.answer, SequenceAnswer):
        return None
    layout = kind_for(problem).answer_layout
    return None if layout is None else layout(problem)


def answer_vector_size(problem: Problem) -> int | None:
    """The width of one reported value: None, one number per step or point (a scalar model), or
    n, one n-vector each; how a sequence answer is parsed (`parse_sequence(vector_size=…)`)."""
    assert problem.model is not None
    return None if problem.model.scalar else answer_size(problem)


def answer_size(problem: Problem) -> int | None:
    """n, the size of one reported value (one step's, one point's or one row's), as the model's
    kind says; None when the answer is a list of plain numbers."""
    assert problem.model is not None
    kind = kind_for(problem)
    if kind.quantity_size is None or not isinstance(problem.answer, SequenceAnswer):
        return problem.model.size
    return kind.quantity_size(problem.model, problem.answer.of)


def inputs_array(model: ModelSpec, sequence: Sequence[Any] | Array) -> Array:
    """One input sequence as an array of shape (T, d) (an image's rows, for a convolution)."""
    values = np.asarray(sequence, dtype=np.float64)
    return values.reshape(len(sequence), values.size // max(len(sequence), 1))


def fixed_inputs(problem: Problem) -> Array:
    """The problem's own inputs, (T, d); only for problems whose inputs do not vary."""
    if problem.model is None or not isinstance(problem.inputs, list):
        raise ValueError(f"problem {problem.id!r} has no fixed inputs")
    return inputs_array(problem.model, problem.inputs)


def trace_for(
    problem: Problem,
    inputs: Array | None = None,
    evaluation: Evaluation | None = None,
    model: ModelSpec | None = None,
) -> Any:
    """The full computation for a batch (B, T, d) of inputs, or for the problem's own inputs;
    under another evaluation or model when given (the audit's neighbouring readings)."""
    kind = kind_for(problem)
    batch = fixed_inputs(problem)[None] if inputs is None else np.asarray(inputs, np.float64)
    if batch.ndim == 2:
        batch = batch[None]
    trace = kind.run(model or problem.model, evaluation or problem.evaluation, batch)
    # (B, entries of the answer): a convolution's map need not have one entry per input
    finite = np.logical_and.reduce(
        [np.isfinite(kind.reported(trace, quantity, False)).all(axis=2) for quantity in kind.quantities]
    )
    if not finite.all():
        step = int(np.argwhere(~finite)[0][1])
        named = " or ".join(f"{quantity}_{step}" for quantity in kind.quantities)
        raise SpecError(
            f"problem {problem.id!r}: {named} is not a finite number (float64 overflows); "
            "use smaller parameters or inputs",
            field="model",
        )
    return trace


def reported(problem: Problem, trace: Any, *, raw: bool = False, squeeze: bool = True) -> Array:
    """What the answer reports from a trace: (B, T) for a scalar model or (B, T, n) (`squeeze`
    False: always (B, T, n)); the values before rounding when `raw`."""
    assert isinstance(problem.answer, SequenceAnswer) and problem.model is not None
    values = kind_for(problem).reported(trace, problem.answer.of, raw)
    return values[..., 0] if squeeze and answer_vector_size(problem) is None else values


def compute_keys(problem: Problem, inputs: Array, evaluation: Evaluation | None = None) -> Array:
    """Keys for a batch of input sequences (B, T, d) in one engine pass: (B, T) or (B, T, n)."""
    return reported(problem, trace_for(problem, inputs, evaluation))


def compute_key(problem: Problem, inputs: Array | None = None, evaluation: Evaluation | None = None) -> Key:
    """The canonical answer for the problem's inputs (or the given inputs: (T, d), or (T,) when
    each x_t is a number)."""
    if isinstance(problem.answer, ChoiceAnswer):
        return problem.answer.correct_ids
    if inputs is None:
        batch = fixed_inputs(problem)
    else:
        assert problem.model is not None
        batch = inputs_array(problem.model, np.asarray(inputs, np.float64))
    keys: Array = compute_keys(problem, batch[None], evaluation)
    return np.asarray(keys[0], dtype=np.float64)


def key_to_json(key: Key) -> Any:
    """A key as JSON data: a list of numbers, of n-vectors, or of choice ids."""
    if isinstance(key, tuple):
        return list(key)
    return [json_number(v) if np.ndim(v) == 0 else [json_number(u) for u in v] for v in key]


def describe_key(key: Key) -> str:
    """A key as a person writes it: [1, -1, 0, 1, -1], [[1, 0], [0, 1]] or [c]."""
    if isinstance(key, tuple):
        return "[" + ", ".join(key) + "]"
    items = []
    for value in key:
        if np.ndim(value) == 0:
            items.append(format_number(float(value)))
        else:
            items.append("[" + ", ".join(format_number(float(v)) for v in value) + "]")
    return "[" + ", ".join(items) + "]"
