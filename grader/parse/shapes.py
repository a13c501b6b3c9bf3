"""Answers of any shape: a number, a vector, a matrix, a list of vectors, read into exactly `shape`.

    parse_array(raw, shape) -> float ndarray of `shape`, or InvalidAnswer
    read_array(raw, shape)  -> float ndarray of the rank of `shape`, its sizes as typed

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
way. Array answers (a gradient, a feature map, the outputs for the given points) are read with
`read_array(raw, shape)`: of the key's rank, their sizes as typed, so that a map of the wrong
size is graded and its mistake diagnosed (padding forgotten makes a larger map), not refused;
`parse_array(raw, shape)` reads exactly `shape`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.parse.arrays import read_structure
from grader.parse.errors import InvalidAnswer

__all__ = ["describe_shape", "parse_array", "read_array"]

Array = NDArray[np.float64]
Shape = tuple[int, ...]
#: a shape whose axes may be of any size (None)
FreeShape = tuple[int | None, ...]


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


def _flat(data: list[Any], count: int | None, expected: str) -> list[float]:
    """`data` as a vector of `count` numbers (any number when None): flat, one-number rows, or
    one row; `expected` is the vector in the words of the messages."""
    if any(isinstance(item, list) for item in data):
        if all(isinstance(item, list) and len(item) == 1 for item in data):
            data = [item[0] for item in data]
        elif len(data) == 1:
            data = data[0]
        else:
            raise InvalidAnswer(f"expected {expected}; got {_found(data)}")
    if count is not None and len(data) != count:
        raise InvalidAnswer(f"expected {expected}; got {_numbers(len(data))}")
    return data


def _fit(data: Any, shape: FreeShape, exact: bool) -> list[Any] | float:
    """`data` fitted to `shape`; when not `exact`, of its rank with the sizes the student gave."""
    named: Shape = tuple(1 if size is None else size for size in shape)
    expected = describe_shape(named) if all(size is not None for size in shape) else _rank_words(shape)
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
        return _flat(data, shape[0] if exact else None, expected)
    rows, columns = shape
    if not any(isinstance(item, list) for item in data):
        if columns == 1 and (len(data) == rows or not exact):
            return [[item] for item in data]  # a column typed as a flat list
        if rows == 1 and (len(data) == columns or not exact):
            return [data]  # one row typed without its brackets
        raise InvalidAnswer(
            f"expected {expected}; got one row of {_numbers(len(data))}: "
            "put each row in brackets, or separate rows with ';' or new lines"
        )
    if exact and len(data) != rows:
        raise InvalidAnswer(f"expected {expected}; got {_found(data)}")
    width = columns
    for number, item in enumerate(data, start=1):
        if not isinstance(item, list):
            raise InvalidAnswer(f"expected {expected}; row {number} is a number, not a row")
        if not exact and number == 1 and all(isinstance(row, list) and len(row) == len(item) for row in data):
            width = len(item)  # every row of one width: a matrix of the student's own size
        if len(item) != width:
            raise InvalidAnswer(f"row {number} has {_numbers(len(item))}; expected {width}")
    fitted: list[Any] = data
    return fitted


def _rank_words(shape: FreeShape) -> str:
    """What an answer of a shape with free sizes is: 'numbers (a vector)', 'rows of 3 numbers'."""
    if len(shape) == 1:
        return "numbers (a vector)" if shape[0] is None else describe_shape((shape[0],))
    rows, columns = shape
    if rows is None:
        return "rows (a matrix)" if columns is None else f"rows of {_numbers(columns)} (a matrix)"
    return f"{rows} row{'s' if rows != 1 else ''} (a matrix)"


def _checked(shape: FreeShape) -> None:
    if len(shape) > 2 or any(size is not None and size < 1 for size in shape):
        raise ValueError(f"answers have at most two axes of at least one entry; got shape {shape}")


def parse_array(raw: Any, shape: Shape) -> Array:
    """A student's answer (text or YAML/JSON data) as a float array of exactly `shape` (rank 0 to 2).

    Raise InvalidAnswer, naming the expected and the found shape, for anything else.
    """
    _checked(shape)
    data = _fit(read_structure(raw, rows=len(shape) == 2), shape, exact=True)
    return np.asarray(data, dtype=np.float64).reshape(shape)


def read_array(raw: Any, shape: FreeShape) -> Array:
    """A student's answer as a float array of the rank of `shape`, with the sizes they gave.

    For an answer whose wrong size is graded rather than refused (the key's shape says what the
    student should have given, and feedback says it): a matrix of 3 rows for 2 is read as one,
    where `parse_array` refuses it. The forgiving readings are `parse_array`'s, taken wherever
    they leave no doubt (a flat list for a one-column matrix is a column, of any length); `shape`
    may have None for an axis of any size. Raise InvalidAnswer for an answer of another rank or
    with rows of different lengths, naming the expected shape.
    """
    _checked(shape)
    data = _fit(read_structure(raw, rows=len(shape) == 2), shape, exact=False)
    array = np.asarray(data, dtype=np.float64)
    return array.reshape(()) if len(shape) == 0 else array
