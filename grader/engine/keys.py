"""Canonical answers: what the engine says a problem's answer is, for given inputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np
from numpy.typing import NDArray

from grader.engine.lstm import Trace, run_lstm
from grader.errors import SpecError
from grader.spec.models import (
    ChoiceAnswer,
    Evaluation,
    LstmModel,
    Problem,
    SequenceAnswer,
)

__all__ = [
    "CELLS",
    "Key",
    "compute_key",
    "compute_keys",
    "describe_key",
    "fixed_inputs",
    "format_number",
    "inputs_array",
    "key_to_json",
    "trace_for",
]

Array = NDArray[np.float64]
#: A sequence key is an array of shape (T,) for a scalar cell or (T, n); a choice key, the ids.
Key = Union[Array, tuple[str, ...]]

#: cell kind → function running it over a batch; adding a cell type is one entry here.
CELLS: dict[str, Callable[..., Trace]] = {"lstm": run_lstm}


def inputs_array(model: LstmModel, sequence: Sequence[Any] | Array) -> Array:
    """One input sequence as an array of shape (T, d)."""
    return np.asarray(sequence, dtype=np.float64).reshape(len(sequence), model.input_size)


def fixed_inputs(problem: Problem) -> Array:
    """The problem's own inputs, (T, d); only for problems whose inputs do not vary."""
    if problem.model is None or not isinstance(problem.inputs, list):
        raise ValueError(f"problem {problem.id!r} has no fixed inputs")
    return inputs_array(problem.model, problem.inputs)


def trace_for(
    problem: Problem, inputs: Array | None = None, evaluation: Evaluation | None = None
) -> Trace:
    """The full computation for a batch (B, T, d) of inputs, or for the problem's own inputs."""
    if problem.model is None:
        raise ValueError(f"problem {problem.id!r} has no model")
    batch = fixed_inputs(problem)[None] if inputs is None else np.asarray(inputs, np.float64)
    if batch.ndim == 2:
        batch = batch[None]
    trace = CELLS[problem.model.cell](problem.model, evaluation or problem.evaluation, batch)
    finite = np.isfinite(trace.h) & np.isfinite(trace.c_reported)
    if not finite.all():
        step = int(np.argwhere(~finite)[0][1])
        raise SpecError(
            f"problem {problem.id!r}: h_{step} or c_{step} is not a finite number (float64 overflows); "
            "use smaller parameters or inputs",
            field="model",
        )
    return trace


def _answer_of(problem: Problem, trace: Trace) -> Array:
    """Reported values, (B, T) for a scalar cell or (B, T, n)."""
    assert isinstance(problem.answer, SequenceAnswer) and problem.model is not None
    values = trace.h if problem.answer.of == "h" else trace.c_reported
    return values[..., 0] if problem.model.scalar else values


def compute_keys(problem: Problem, inputs: Array, evaluation: Evaluation | None = None) -> Array:
    """Keys for a batch of input sequences (B, T, d) in one engine pass: (B, T) or (B, T, n)."""
    return _answer_of(problem, trace_for(problem, inputs, evaluation))


def compute_key(
    problem: Problem, inputs: Array | None = None, evaluation: Evaluation | None = None
) -> Key:
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


def format_number(value: float) -> str:
    """A number as a person writes it: 1 not 1.0, 0.5, -0.76159."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.12g}"


def key_to_json(key: Key) -> Any:
    """A key as JSON data: a list of numbers, of n-vectors, or of choice ids."""
    if isinstance(key, tuple):
        return list(key)
    return [_json_number(v) if np.ndim(v) == 0 else [_json_number(u) for u in v] for v in key]


def _json_number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


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
