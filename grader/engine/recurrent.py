"""What the recurrent kinds after the LSTM share: a parameter set (W_h, W_x, b) of a model with n
units and inputs of size d, checked for shape, and its entries as arrays and as named parameters.

A model is scalar when its first `b` is a number (n = d = 1, answers are plain numbers); else
every b has n entries, every W_h is n×n and every W_x n×d.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from grader.engine.activations import Activations
from grader.engine.kinds import Parameter
from grader.spec.models import (
    FieldValueError,
    Matrix,
    Number,
    SpecBlock,
    Vector,
    check_rectangular,
    describe_shape,
    shape_of,
)

__all__ = [
    "InitialState",
    "NONLINEARITIES",
    "ParameterSet",
    "check_initial",
    "check_parameters",
    "input_size_of",
    "nonlinearity",
    "parameter_entries",
    "per_model",
]

Array = NDArray[np.float64]

#: The nonlinearities a recurrent kind may name; sigmoid and tanh follow `evaluation.activation`.
NONLINEARITIES: tuple[str, ...] = ("tanh", "relu", "sigmoid", "identity")


class ParameterSet(SpecBlock):
    """W_h, W_x and b: scalars for a scalar model, else n×n, n×d and n."""

    W_h: Number | Matrix
    W_x: Number | Matrix
    b: Number | Vector


class InitialState(SpecBlock):
    """h_{-1}: a scalar (broadcast to every unit) or one value per unit."""

    h: Number | Vector = 0.0


def check_parameters(
    parameters: ParameterSet,
    path: tuple[str | int, ...],
    size: int,
    input_size: int,
    scalar: bool,
    first: str,
) -> None:
    """Raise a located FieldValueError when a parameter set does not fit n = `size`, d = `input_size`.

    `first` is where the first parameter set sits, which fixed n (its b) and d (its W_x), as the
    messages name it: `forget.` for the LSTM, `update.` for the GRU, `` for the RNN's one set.
    """
    if scalar:
        for key in ("W_h", "W_x", "b"):
            if isinstance(getattr(parameters, key), list):
                raise FieldValueError(
                    (*path, key),
                    f"this cell is scalar ({first}b is a number), so every parameter must be a number",
                )
        return
    if shape_of(parameters.b) != (size,):
        raise FieldValueError(
            (*path, "b"),
            f"expected a list of {size} numbers (the state size, as {first}b); "
            f"got {describe_shape(parameters.b)}",
        )
    check_rectangular(parameters.W_h, (*path, "W_h"))
    if shape_of(parameters.W_h) != (size, size):
        raise FieldValueError(
            (*path, "W_h"),
            f"expected a {size}×{size} matrix (n = {size}, the length of {first}b); "
            f"got {describe_shape(parameters.W_h)}",
        )
    check_rectangular(parameters.W_x, (*path, "W_x"))
    w_x_shape = shape_of(parameters.W_x)
    if len(w_x_shape) != 2 or w_x_shape[0] != size:
        raise FieldValueError(
            (*path, "W_x"),
            f"expected a {size}×d matrix (d: input size); got {describe_shape(parameters.W_x)}",
        )
    if w_x_shape[1] != input_size:
        raise FieldValueError(
            (*path, "W_x"), f"expected {input_size} columns like {first}W_x; got {w_x_shape[1]}"
        )


def check_initial(initial: SpecBlock, size: int) -> None:
    """Raise a located FieldValueError when a state of `initial` (h, and c for the LSTM) that is a
    list does not have `size` entries."""
    for key, value in initial:
        if isinstance(value, list) and len(value) != size:
            raise FieldValueError(
                ("initial", key), f"expected a number or a list of {size} numbers; got {len(value)}"
            )


def input_size_of(parameters: ParameterSet) -> int:
    """d, from W_x (1 for a scalar model)."""
    return len(parameters.W_x[0]) if isinstance(parameters.W_x, list) and parameters.W_x else 1


Model = TypeVar("Model")
Built = TypeVar("Built", bound=tuple[Array, ...])

#: Models a `per_model` memo holds at most before it starts again empty.
_MODELS_REMEMBERED = 256


def per_model(build: Callable[[Model], Built]) -> Callable[[Model], Built]:
    """`build(model)` (a model's parameters as arrays) once per model object, read-only.

    The follow-through runs one step per answer entry, each asking for the parameters: building
    them from the spec's fields costs more than the step itself. A model is found by its id,
    without hashing it (a pydantic hash walks every field); the memo holds the model, so that
    its id cannot be reused while it is there. An equal model that is another object is built
    again. Bounded: past _MODELS_REMEMBERED models it starts again empty.
    """
    seen: dict[int, tuple[Model, Built]] = {}

    def shared(model: Model) -> Built:
        found = seen.get(id(model))
        if found is not None and found[0] is model:
            return found[1]
        built = build(model)
        for array in built:
            array.setflags(write=False)  # shared by every later call
        if len(seen) >= _MODELS_REMEMBERED:
            seen.clear()
        seen[id(model)] = (model, built)
        return built

    return shared


def arrays(parameters: ParameterSet, n: int, d: int) -> tuple[Array, Array, Array]:
    """(W_h (n, n), W_x (n, d), b (n,)) as float64 arrays."""
    return (
        np.reshape(np.asarray(parameters.W_h, dtype=np.float64), (n, n)),
        np.reshape(np.asarray(parameters.W_x, dtype=np.float64), (n, d)),
        np.reshape(np.asarray(parameters.b, dtype=np.float64), (n,)),
    )


def initial_h(initial: InitialState, n: int) -> Array:
    """h_{-1} as an (n,) array."""
    h: Array = np.broadcast_to(np.asarray(initial.h, dtype=np.float64), (n,)).copy()
    return h


def parameter_entries(
    parameters: ParameterSet, path: tuple[str, ...], scalar: bool, symbols: dict[str, str], prefix: str = ""
) -> list[Parameter]:
    """Every entry of a parameter set at `path` in the model, named `<prefix>W_h[i][j]` and so on."""
    found = []
    for key in ("W_h", "W_x", "b"):
        array = np.atleast_1d(np.asarray(getattr(parameters, key), dtype=np.float64))
        for index in np.ndindex(array.shape):
            spec_index = () if scalar else tuple(int(i) for i in index)
            suffix = "".join(f"[{i}]" for i in spec_index)
            name = prefix + key + suffix
            found.append(
                Parameter(name, (*path, key, *spec_index), symbols[key] + suffix, float(array[index]))
            )
    return found


def nonlinearity(name: str, activations: Activations) -> Any:
    """The function `name` stands for; sigmoid and tanh exact or saturating as the evaluation says."""
    functions = {
        "tanh": activations.tanh,
        "sigmoid": activations.sigmoid,
        "relu": lambda z: np.maximum(z, 0.0) + 0.0,
        "identity": lambda z: z,
    }
    return functions[name]
