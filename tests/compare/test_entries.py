"""Entry names: what a student reads for an entry of an answer, in the answer's own terms."""

from __future__ import annotations

import pytest

from grader.compare.entries import EntryNames

# label, shape, layout, flat indices (row-major), the name a student reads
NAMES = [
    # a sequence's steps keep the statement's 0-based subscripts, h_0 … h_T (today's wording)
    ("h", (5,), "sequence", [3], "h_3"),
    ("h", (5,), "sequence", [0, 4], "h_0 and h_4"),
    ("c", (5,), "sequence", [1, 2, 3], "c_1, c_2 and c_3"),
    ("h", (4, 2), "sequence", [2], "h_2"),  # a vector cell's step is one entry
    # one quantity: a number, a vector, a matrix; rows and columns counted from 1
    ("∂L/∂b_2", (), "array", [0], "∂L/∂b_2"),
    ("∂L/∂W_1", (1,), "array", [0], "∂L/∂W_1"),  # one number typed as a list of one
    ("∂L/∂b_1", (3,), "array", [1], "entry 2 of ∂L/∂b_1"),
    ("∂L/∂b_1", (3,), "array", [0, 2], "entries 1 and 3 of ∂L/∂b_1"),
    ("∂L/∂W_1", (2, 3), "array", [3], "row 2, column 1 of ∂L/∂W_1"),
    ("∂L/∂W_1", (2, 3), "array", [0], "row 1, column 1 of ∂L/∂W_1"),
    ("∂L/∂W_1", (2, 3), "array", [1, 2], "row 1, columns 2 and 3 of ∂L/∂W_1"),
    ("∂L/∂W_1", (2, 3), "array", [1, 2, 3],
     "row 1 (columns 2 and 3) and row 2 (column 1) of ∂L/∂W_1"),
    ("feature map", (3, 3), "array", [2, 4, 6],
     "row 1 (column 3), row 2 (column 2) and row 3 (column 1) of feature map"),
    ("W", (3, 1), "array", [2], "row 3, column 1 of W"),
    # one vector per input point
    ("output", (2, 3), "points", [1], "output 2 of point 1"),
    ("output", (2, 3), "points", [0, 1], "outputs 1 and 2 of point 1"),
    ("output", (3, 2), "points", [0, 1, 5], "point 1 (outputs 1 and 2) and point 3 (output 2)"),
    ("output", (4,), "points", [1], "output of point 2"),
    ("output", (4, 1), "points", [0, 3], "output of points 1 and 4"),
    ("a_1", (2, 2), "points", [0, 1], "a_1 1 and 2 of point 1"),  # a symbol is not pluralised
    ("activity", (2, 2), "points", [2, 3], "activities 1 and 2 of point 2"),
    ("layer-1 output", (2, 2), "points", [0, 1], "layer-1 outputs 1 and 2 of point 1"),  # the last word
    ("layer-1 output", (3,), "points", [1], "layer-1 output of point 2"),
]


@pytest.mark.parametrize(("label", "shape", "layout", "indices", "name"), NAMES)
def test_entry_names(label, shape, layout, indices, name):
    assert EntryNames(label, shape, layout).names(indices) == name


def test_indices_are_named_once_in_order():
    assert EntryNames("h", (5,), "sequence").names([4, 1, 4]) == "h_1 and h_4"


@pytest.mark.parametrize(
    ("shape", "layout", "count"),
    [((5,), "sequence", 5), ((5, 2), "sequence", 5), ((), "array", 1), ((2, 3), "array", 6),
     ((3,), "points", 3), ((3, 2), "points", 6)],
)
def test_entry_count(shape, layout, count):
    assert EntryNames("x", shape, layout).count() == count


@pytest.mark.parametrize(
    ("shape", "layout", "index"), [((5,), "sequence", 5), ((2, 3), "array", 6), ((), "array", -1)]
)
def test_an_entry_outside_the_answer_is_a_programming_error(shape, layout, index):
    with pytest.raises(IndexError):
        EntryNames("x", shape, layout).name(index)


@pytest.mark.parametrize(("shape", "layout"), [((), "sequence"), ((2, 2, 2), "array"), ((2,), "grid")])
def test_a_layout_that_cannot_hold_the_shape_is_refused(shape, layout):
    with pytest.raises(ValueError):
        EntryNames("x", shape, layout)
