"""Answers of any shape: a number, a vector, a matrix, a list of vectors, read into exactly `shape`.

    parse_array(raw, shape) -> float ndarray of `shape`, or InvalidAnswer

`shape` is what the problem asks for: `()` a single number, `(n,)` a vector, `(r, c)` a matrix
(or one vector per input point). A student may type, besides everything `parse_sequence` reads
(`[1, -1, 0]`, `1 -1 0`, `−1`, `+1`, `1e0`, trailing commas):

- a matrix with brackets, `[[1, 2], [3, 4]]` or `[1, 2] [3, 4]` (rows on lines too);
- a matrix without inner brackets, rows apart by `;` or line ends: `1 2; 3 4`, `[1 2; 3 4]`;
- YAML or JSON: a number, a list of numbers, a list of rows, a list of typed rows (`["1 2", "3 4"]`).

Where the shape leaves no doubt, the forgiving readings: a single number for shape `()` may come
in brackets (`[3]`); a column `(r, 1)` may be a flat list of r numbers, and a single row `(1, c)` a
flat list of c; a vector `(n,)` may be n one-number rows (`[[1], [2]]`) or one row of n. A flat
list is never cut into rows (`1 2 3 4` is no square matrix): the message asks for the rows.
Messages name the expected and the found shape, in the words of `describe_shape` ("expected 2
rows of 3 numbers (a …matrix); got 3 rows", "row 2 has 2 numbers; expected 3").

Reading is `grader.parse.arrays.read_structure`, which `parse_sequence` shares: linear in the
answer's length (rows are split at `;` and line ends with string methods, each row read by the
linear reader), nesting deeper than a list of rows refused before it is walked.

Sequence answers (h_0 … h_T of a recurrent cell) keep `parse_sequence(raw, vector_size=n)`: their
length is free when read, since a wrong length is graded and diagnosed (the initial state
included, a step missing), not refused as unreadable; they read rows typed as `1 0; 0 1` the same
way. Call `parse_array(raw, key.shape)` where the shape is the problem's and a wrong one is not
a mistake to diagnose: a gradient, a feature map, the outputs for the given points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.parse.arrays import read_structure
from grader.parse.errors import InvalidAnswer

__all__ = ["describe_shape", "parse_array"]

Array = NDArray[np.float64]
Shape = tuple[int, ...]


def _numbers(count: int) -> str:
    return "1 number" if count == 1 else f"{count} numbers"


def describe_shape(shape: Shape) -> str:
    """What an answer of `shape` is, in words: 'a single number', '3 numbers (a vector)', or for
    a matrix its rows, its numbers per row, and both again as the matrix's size."""
    if len(shape) == 0:
        return "a single number"
    if len(shape) == 1:
        return f"{_numbers(shape[0])} (a vector)" if shape[0] > 1 else "1 number"
    rows, columns = shape
    return f"{rows} row{'s' if rows != 1 else ''} of {_numbers(columns)} (a {rows}×{columns} matrix)"


def _found(data: list[Any]) -> str:
    """What a list read from an answer is, in the words of `describe_shape`."""
    if not any(isinstance(item, list) for item in data):
        return _numbers(len(data))
    return f"{len(data)} row{'s' if len(data) != 1 else ''}"


def _flat(data: list[Any], count: int, shape: Shape) -> list[float]:
    """`data` as a vector of `count` numbers: flat, n one-number rows, or one row of n."""
    if any(isinstance(item, list) for item in data):
        if all(isinstance(item, list) and len(item) == 1 for item in data):
            data = [item[0] for item in data]
        elif len(data) == 1:
            data = data[0]
        else:
            raise InvalidAnswer(f"expected {describe_shape(shape)}; got {_found(data)}")
    if len(data) != count:
        raise InvalidAnswer(f"expected {describe_shape(shape)}; got {_numbers(len(data))}")
    return data


def _fit(data: Any, shape: Shape) -> list[Any] | float:
    expected = describe_shape(shape)
    if isinstance(data, float):
        data = [data]
    if not data:
        raise InvalidAnswer(f"the answer is empty: expected {expected}")
    if len(shape) == 0:
        if len(data) == 1 and isinstance(data[0], list) and len(data[0]) == 1:
            data = data[0]
        if len(data) != 1 or isinstance(data[0], list):
            raise InvalidAnswer(f"expected {expected}; got {_found(data)}")
        number: float = data[0]
        return number
    if len(shape) == 1:
        return _flat(data, shape[0], shape)
    rows, columns = shape
    if not any(isinstance(item, list) for item in data):
        if columns == 1 and len(data) == rows:
            return [[item] for item in data]  # a column typed as a flat list
        if rows == 1 and len(data) == columns:
            return [data]  # one row typed without its brackets
        raise InvalidAnswer(
            f"expected {expected}; got one row of {_numbers(len(data))}: "
            "put each row in brackets, or separate rows with ';' or new lines"
        )
    if len(data) != rows:
        raise InvalidAnswer(f"expected {expected}; got {_found(data)}")
    for number, item in enumerate(data, start=1):
        if not isinstance(item, list):
            raise InvalidAnswer(f"expected {expected}; row {number} is a number, not a row")
        if len(item) != columns:
            raise InvalidAnswer(f"row {number} has {_numbers(len(item))}; expected {columns}")
    fitted: list[Any] = data
    return fitted


def parse_array(raw: Any, shape: Shape) -> Array:
    """A student's answer (text or YAML/JSON data) as a float array of exactly `shape` (rank 0 to 2).

    Raise InvalidAnswer, naming the expected and the found shape, for anything else.
    """
    if len(shape) > 2 or any(size < 1 for size in shape):
        raise ValueError(f"answers have at most two axes of at least one entry; got shape {shape}")
    data = _fit(read_structure(raw, rows=len(shape) == 2), shape)
    return np.asarray(data, dtype=np.float64).reshape(shape)
