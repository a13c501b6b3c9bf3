"""The names students read for the entries of an answer, in the answer's own terms.

An answer is a quantity with a label (`h`, `∂L/∂W_1`, `output`) laid out one of three ways:

    sequence  one value per time step, named by the domain's subscript: h_3 (0-based, as the
              statement writes h_0, …, h_T); a step of a vector cell is one entry
    array     one quantity: a number or a list of one (its label), a vector (entry 2 of
              ∂L/∂b_1) or a matrix (row 2, column 1 of ∂L/∂W_1)
    points    one value or vector per input point: output of point 2, output 2 of point 1

Rows, columns, points and vector entries are counted from 1, as people count. Several entries
are named together, grouped by row or point: `h_1, h_2 and h_4`, `entries 1 and 3 of b`,
`row 1 (columns 2 and 3) and row 2 (column 1) of W`, `point 1 (outputs 1 and 2) and point 3
(output 2)`. Entries are given as flat (row-major) indices into the answer's shape.
Only positions are named here, never a value: what a message may show of the key is
grader.feedback.messages' rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Literal

__all__ = ["EntryNames", "Layout", "joined", "plural", "step_names"]

Layout = Literal["sequence", "array", "points"]
LAYOUTS: tuple[Layout, ...] = ("sequence", "array", "points")


def joined(names: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    listed = list(names)
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def step_names(label: str, steps: Iterable[int]) -> str:
    """Steps of a sequence by the statement's subscripts: `h_3`, `h_1, h_2 and h_4`."""
    return joined(f"{label}_{step}" for step in steps)


def plural(word: str) -> str:
    """`columns`, `entries`, `outputs`, `layer-1 outputs` (the last word); a symbol (`∂L/∂a`,
    `y_hat`) stays as it is."""
    head, space, last = word.rpartition(" ")
    if not last.isalpha() or len(last) == 1:
        return word
    return head + space + (last[:-1] + "ies" if last.endswith("y") else last + "s")


def _counted(word: str, numbers: list[int]) -> str:
    """`column 2`, `columns 2 and 3` (numbers already 1-based)."""
    return f"{plural(word) if len(numbers) > 1 else word} {joined(map(str, numbers))}"


@dataclass(frozen=True)
class EntryNames:
    """How the entries of an answer of `shape` are named: `label` laid out as `layout`."""

    label: str
    shape: tuple[int, ...]
    layout: Layout = "array"

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}; got {self.layout!r}")
        if len(self.shape) > 2 or (self.layout != "array" and not self.shape):
            raise ValueError(f"a {self.layout} answer cannot have shape {self.shape}")

    @property
    def _width(self) -> int:
        """Entries per row (per step or point); a sequence's step is one entry."""
        if self.layout == "sequence" or len(self.shape) < 2:
            return 1
        return self.shape[1]

    def count(self) -> int:
        """How many entries the answer has: steps for a sequence, numbers otherwise."""
        if self.layout == "sequence":
            return self.shape[0]
        total = 1
        for size in self.shape:
            total *= size
        return total

    def name(self, index: int) -> str:
        """The name of the entry at flat index `index`."""
        return self.names((index,))

    def names(self, indices: Iterable[int]) -> str:
        """The names of the entries at `indices` (flat, ascending), grouped by row or point."""
        ordered = sorted(set(indices))
        if any(not 0 <= index < self.count() for index in ordered):
            raise IndexError(f"entries {ordered} of an answer of shape {self.shape}")
        if self.layout == "sequence":
            return step_names(self.label, ordered)
        if self.layout == "array":
            return self._array_names(ordered)
        return self._point_names(ordered)

    def _array_names(self, ordered: list[int]) -> str:
        if self.count() == 1 and len(self.shape) < 2:
            return self.label  # one number, typed as such or as a list of one
        if len(self.shape) == 1:
            return f"{_counted('entry', [index + 1 for index in ordered])} of {self.label}"
        rows = [
            (row + 1, [index % self._width + 1 for index in group])
            for row, group in groupby(ordered, key=lambda index: index // self._width)
        ]
        if len(rows) == 1:
            row, columns = rows[0]
            return f"row {row}, {_counted('column', columns)} of {self.label}"
        return joined(f"row {row} ({_counted('column', columns)})" for row, columns in rows) + (
            f" of {self.label}"
        )

    def _point_names(self, ordered: list[int]) -> str:
        if self._width == 1:
            return f"{self.label} of {_counted('point', [index + 1 for index in ordered])}"
        points = [
            (point + 1, [index % self._width + 1 for index in group])
            for point, group in groupby(ordered, key=lambda index: index // self._width)
        ]
        if len(points) == 1:
            point, members = points[0]
            return f"{_counted(self.label, members)} of point {point}"
        return joined(f"point {point} ({_counted(self.label, members)})" for point, members in points)
