"""Answers of any shape: a number, a vector, a matrix, a list of vectors, read into exactly `shape`.

    parse_array(raw, shape) -> float ndarray of `shape`, or InvalidAnswer

`shape` is what the problem asks for: `()` a single number, `(n,)` a vector, `(r, c)` a matrix
(or a sequence of T vectors, or one vector per input point). A student may type, besides
everything `parse_sequence` reads (`[1, -1, 0]`, `1 -1 0`, `−1`, `+1`, `1e0`, trailing commas):

- a matrix with brackets, `[[1, 2], [3, 4]]` or `[1, 2] [3, 4]` (rows on lines too);
- a matrix without inner brackets, rows apart by `;` or new lines: `1 2; 3 4`, `[1 2; 3 4]`,
  `1, 2` newline `3, 4`;
- YAML or JSON: a number, a list of numbers, a list of rows, a list of typed rows (`["1 2", "3 4"]`).

Where the shape leaves no doubt, the forgiving readings: a single number for shape `()` may come
in brackets (`[3]`); a column `(r, 1)` may be a flat list of r numbers, and a single row `(1, c)` a
flat list of c; a vector `(n,)` may be n one-number rows (`[[1], [2]]`) or one row of n. A flat
list is never cut into rows (`1 2 3 4` is not a 2×2 matrix): the message asks for the rows.

Reading is linear in the answer's length: the text is split at `;` and line ends with string
methods, each piece read by `grader.parse.arrays`' linear reader; nesting deeper than two levels
is refused before it is walked (as `parse_sequence` refuses it). Messages name the expected and
the found shape: "expected 2 rows of 3 numbers (a 2×3 matrix); got 3 rows".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.parse.arrays import _from_data, _parse_text, normalise_text
from grader.parse.errors import MAX_ANSWER_CHARS, InvalidAnswer

__all__ = ["describe_shape", "parse_array"]

Array = NDArray[np.float64]
Shape = tuple[int, ...]

_OPENING = {"[": "]", "(": ")"}
_BRACKETS = frozenset("[]()")


def _numbers(count: int) -> str:
    return "1 number" if count == 1 else f"{count} numbers"


def describe_shape(shape: Shape) -> str:
    """What an answer of `shape` is, in words: 'a single number', '3 numbers (a vector)',
    '2 rows of 3 numbers (a 2×3 matrix)'."""
    if len(shape) == 0:
        return "a single number"
    if len(shape) == 1:
        return f"{_numbers(shape[0])} (a vector)" if shape[0] > 1 else "1 number"
    rows, columns = shape
    return f"{rows} row{'s' if rows != 1 else ''} of {_numbers(columns)} (a {rows}×{columns} matrix)"


def _rows_of_text(text: str) -> list[Any] | None:
    """A matrix typed without inner brackets (`1 2; 3 4`, `[1 2; 3 4]`, rows on lines), as rows;
    None when the text has inner brackets or a single row (for the ordinary reader)."""
    body = normalise_text(text)
    if body[:1] in _OPENING and body[-1:] == _OPENING[body[0]]:
        body = body[1:-1]
    if any(char in _BRACKETS for char in body):
        return None
    lines = [line for line in body.splitlines() if line.strip()]
    pieces: list[str] = []
    for line in lines:
        parts = line.split(";")
        if len(parts) > 1 and not parts[-1].strip():
            parts.pop()  # a trailing `;` is forgiven, as a trailing comma is
        pieces.extend(parts)
    if len(pieces) < 2:
        return None
    rows: list[Any] = []
    for number, piece in enumerate(pieces, start=1):
        if not piece.strip():
            raise InvalidAnswer(f"row {number} is empty: rows are apart by one ';' or one line end")
        try:
            rows.append(_parse_text(piece))
        except InvalidAnswer as error:
            # a character count within the row: say which row it counts in
            raise InvalidAnswer(f"row {number}: {error.message}") from None
    return rows


def _structure(raw: Any, rank: int) -> Any:
    """The answer as a number or nested lists of numbers, not yet fitted to a shape."""
    if isinstance(raw, str):
        if len(raw) > MAX_ANSWER_CHARS:
            raise InvalidAnswer(
                f"the answer is too long ({len(raw)} characters; at most {MAX_ANSWER_CHARS})"
            )
        if rank == 2:
            rows = _rows_of_text(raw)
            if rows is not None:
                return rows
        return _parse_text(raw)
    return _from_data(raw)


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
    data = _fit(_structure(raw, len(shape)), shape)
    return np.asarray(data, dtype=np.float64).reshape(shape)
