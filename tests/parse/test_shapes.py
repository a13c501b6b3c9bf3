"""Answers of any shape: the notations a student may type, and the messages for a wrong shape."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.parse import InvalidAnswer, describe_shape, parse_array, read_array

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
#: The test machine is shared and loaded: slowness must not turn into a failure.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
MINUS_SIGNS = ["-", "\u2212", "\u2013", "\u2014", "\u2012", "\uff0d"]

# what a student typed, the shape asked for, and what it means
ACCEPTED = [
    # a single number
    ("3", (), 3),
    ("−0.5", (), -0.5),
    ("[3]", (), 3),
    (3, (), 3),
    ([3], (), 3),
    ("[[3]]", (), 3),
    # vectors: everything parse_sequence reads, plus the readings the shape makes certain
    ("[1, -1, 0]", (3,), [1, -1, 0]),
    ("1 -1 0", (3,), [1, -1, 0]),
    ("1; -1; 0;", (3,), [1, -1, 0]),
    ("1\n-1\n0", (3,), [1, -1, 0]),
    ("[[1], [-1], [0]]", (3,), [1, -1, 0]),  # a column
    ("[[1, -1, 0]]", (3,), [1, -1, 0]),  # one row
    (["1", "−1", 0], (3,), [1, -1, 0]),
    (["1 -1 0"], (3,), [1, -1, 0]),
    ("7", (1,), [7]),
    # matrices, every notation
    ("[[1, 2], [3, 4]]", (2, 2), [[1, 2], [3, 4]]),
    ("[1, 2] [3, 4]", (2, 2), [[1, 2], [3, 4]]),
    ("[1, 2]\n[3, 4]", (2, 2), [[1, 2], [3, 4]]),
    ("((1, 2), (3, 4))", (2, 2), [[1, 2], [3, 4]]),
    ("1 2; 3 4", (2, 2), [[1, 2], [3, 4]]),
    ("[1 2; 3 4]", (2, 2), [[1, 2], [3, 4]]),
    ("[1, 2; 3, 4;]", (2, 2), [[1, 2], [3, 4]]),  # a trailing ';' is forgiven, as a comma is
    ("1 2\n3 4\n", (2, 2), [[1, 2], [3, 4]]),
    ("1, 2,\r\n\r\n3, 4,", (2, 2), [[1, 2], [3, 4]]),  # blank lines are no rows
    ("1 2；3 4", (2, 2), [[1, 2], [3, 4]]),  # a full-width semicolon
    ("−1 +2e0; .5 －4", (2, 2), [[-1, 2], [0.5, -4]]),
    ([[1, 2], [3, 4]], (2, 2), [[1, 2], [3, 4]]),  # a YAML/JSON list of rows
    ([["1", "2"], [3, "4.0"]], (2, 2), [[1, 2], [3, 4]]),
    (["1 2", "[3, 4]"], (2, 2), [[1, 2], [3, 4]]),  # one typed row per field
    ("1 2 3", (3, 1), [[1], [2], [3]]),  # a column may be typed flat
    ("1 2 3", (1, 3), [[1, 2, 3]]),  # and a single row
    ([1, 2, 3], (1, 3), [[1, 2, 3]]),
    ("[[1, 0, 0], [0, 1, 0]]", (2, 3), [[1, 0, 0], [0, 1, 0]]),
]


@pytest.mark.parametrize(("raw", "shape", "values"), ACCEPTED)
def test_accepted_notations(raw, shape, values):
    parsed = parse_array(raw, shape)
    assert parsed.shape == shape
    assert parsed.dtype == float
    assert parsed.tolist() == values


MATRIX_2x3 = "expected 2 rows of 3 numbers (a 2×3 matrix)"

# what a student typed, the shape asked for, and the message naming what was expected and found
WRONG = [
    ("1 2 3; 4 5 6; 7 8 9", (2, 3), f"{MATRIX_2x3}; got 3 rows"),
    ("[[1, 2, 3]]", (2, 3), f"{MATRIX_2x3}; got 1 row"),
    ("1 2 3; 4 5", (2, 3), "row 2 has 2 numbers; expected 3"),
    ("[[1, 2, 3], [4, 5, 6, 7]]", (2, 3), "row 2 has 4 numbers; expected 3"),
    ([[1, 2, 3], [4]], (2, 3), "row 2 has 1 number; expected 3"),
    ([[1, 2, 3], 4], (2, 3), f"{MATRIX_2x3}; row 2 is a number, not a row"),
    ("1 2 3 4 5 6", (2, 3),
     f"{MATRIX_2x3}; got one row of 6 numbers: put each row in brackets, or separate rows with ';' "
     "or new lines"),
    ("1 2", (), "expected a single number; got 2 numbers"),
    ("[[1, 2]]", (), "expected a single number; got 1 row"),
    ("1 2", (3,), "expected 3 numbers (a vector); got 2 numbers"),
    ("[[1, 2], [3, 4]]", (3,), "expected 3 numbers (a vector); got 2 rows"),
    ("[[1, 2], [3, 4]]", (1,), "expected 1 number; got 2 rows"),
    ("1 2; x 4", (2, 2), "row 2: 'x' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("1 2;;3 4", (2, 2), "row 2 is empty: rows are apart by one ';' or one line end"),
    ("1 2; 1e400", (2, 2), "row 2: '1e400' is too large to be a number here"),
    ("[[[1]]]", (2, 2), "brackets nested too deeply at character 3 ('[')"),
    ([[[1]]], (1, 1), "lists are nested too deeply"),
    ("", (2, 2), "the answer is empty"),
    ("[]", (2, 2), "the answer is empty: expected 2 rows of 2 numbers (a 2×2 matrix)"),
    ([], (), "the answer is empty: expected a single number"),
    (None, (2,), "the answer is empty: expected a list of numbers"),
    ({"W": 1}, (2, 2), "expected a list of numbers; got a mapping"),
    ("1" * 10_001, (2, 2), "the answer is too long (10001 characters; at most 10000)"),
]


@pytest.mark.parametrize(("raw", "shape", "message"), WRONG)
def test_a_wrong_shape_says_the_expected_one(raw, shape, message):
    with pytest.raises(InvalidAnswer) as error:
        parse_array(raw, shape)
    assert error.value.message == message


@pytest.mark.parametrize(
    ("shape", "words"),
    [((), "a single number"), ((1,), "1 number"), ((4,), "4 numbers (a vector)"),
     ((2, 3), "2 rows of 3 numbers (a 2×3 matrix)"), ((1, 1), "1 row of 1 number (a 1×1 matrix)")],
)
def test_shapes_in_words(shape, words):
    assert describe_shape(shape) == words


@pytest.mark.parametrize("shape", [(2, 2, 2), (0,), (2, 0)])
def test_a_shape_no_answer_has_is_a_programming_error(shape):
    with pytest.raises(ValueError, match="at most two axes"):
        parse_array("1", shape)


@pytest.mark.parametrize("depth", [3, 64, 1000])
@pytest.mark.parametrize("shape", [(), (2,), (2, 2)])
def test_deeply_nested_lists_are_invalid_without_recursing(depth, shape):
    raw: object = 1
    for _ in range(depth):
        raw = [raw]
    with pytest.raises(InvalidAnswer, match="nested too deeply"):
        parse_array(raw, shape)
    with pytest.raises(InvalidAnswer, match="nested too deeply"):
        parse_array("[" * depth + "1" + "]" * depth, shape)


shapes = st.one_of(
    st.just(()),
    st.tuples(st.integers(1, 6)),
    st.tuples(st.integers(1, 5), st.integers(1, 5)),
)


@st.composite
def typed_arrays(draw: st.DrawFn) -> tuple[list[object] | float, tuple[int, ...], str]:
    """An array of any shape, and one way a person might type it in one of the notations."""
    shape = draw(shapes)
    count = 1
    for size in shape:
        count *= size
    flat = draw(st.lists(finite, min_size=count, max_size=count))
    minus = draw(st.sampled_from(MINUS_SIGNS))

    def number(value: float) -> str:
        text = repr(value)
        return minus + text[1:] if text.startswith("-") else text

    separator = draw(st.sampled_from([", ", ",", " ", "  ", "\t"]))
    if len(shape) < 2:
        body = separator.join(map(number, flat))
        text = draw(st.sampled_from(["[{}]", "({})", "{}", "{},"])).format(body)
        return (flat[0] if shape == () else flat), shape, text
    rows, columns = shape
    matrix = [flat[row * columns : (row + 1) * columns] for row in range(rows)]
    typed_rows = [separator.join(map(number, row)) for row in matrix]
    notation = draw(st.sampled_from(["brackets", "bracketed rows", "semicolons", "lines"]))
    if notation == "brackets":
        text = "[" + ", ".join(f"[{row}]" for row in typed_rows) + "]"
    elif notation == "bracketed rows":
        text = "\n".join(f"[{row}]" for row in typed_rows)
    elif notation == "semicolons":
        text = draw(st.sampled_from(["{}", "[{}]"])).format("; ".join(typed_rows))
    else:
        text = "\n".join(typed_rows) + "\n"
    return matrix, shape, text


@relaxed
@given(typed_arrays())
def test_every_array_typed_in_each_notation_reads_back_to_itself(case):
    values, shape, text = case
    assert parse_array(text, shape).tolist() == values


matrices = st.tuples(st.integers(1, 5), st.integers(1, 5)).flatmap(
    lambda shape: st.lists(
        st.lists(finite, min_size=shape[1], max_size=shape[1]), min_size=shape[0], max_size=shape[0]
    )
)


@relaxed
@given(matrices)
def test_yaml_lists_of_rows_and_of_typed_rows_read_back(rows):
    shape = (len(rows), len(rows[0]))
    assert parse_array(rows, shape).tolist() == rows
    assert parse_array([" ".join(map(repr, row)) for row in rows], shape).tolist() == rows


@relaxed
@given(typed_arrays(), shapes)
def test_any_shape_mismatch_is_an_invalid_answer_never_an_exception(case, asked):
    _, shape, text = case
    try:
        parsed = parse_array(text, asked)
    except InvalidAnswer as error:
        assert error.message and asked != shape
    else:
        assert parsed.shape == asked


@relaxed
@given(st.text(alphabet="[](),; \t\n-+.eE0123456789−；", max_size=60), shapes)
def test_number_like_garbage_is_read_into_the_shape_or_invalid(text, shape):
    try:
        parsed = parse_array(text, shape)
    except InvalidAnswer as error:
        assert error.message
    else:
        assert parsed.shape == shape


json_like = st.recursive(
    st.none() | st.booleans() | finite | st.floats() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=20,
)


@relaxed
@given(json_like, shapes)
def test_arbitrary_yaml_values_are_read_into_the_shape_or_invalid(value, shape):
    try:
        parsed = parse_array(value, shape)
    except InvalidAnswer as error:
        assert error.message
    else:
        assert parsed.shape == shape


# read_array: the key's rank, the sizes as typed (a wrong size is graded, not refused)
READ = [
    ("1 2; 3 4", (2, 3), [[1, 2], [3, 4]]),
    ("[[1, 2, 3], [4, 5, 6], [7, 8, 9]]", (2, 2), [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
    ([[1, 2]], (2, 2), [[1, 2]]),
    ("1 2 3", (None,), [1, 2, 3]),
    ("1 2 3", (2,), [1, 2, 3]),
    ("[[1], [2], [3]]", (2,), [1, 2, 3]),
    ("1 2 3", (2, 1), [[1], [2], [3]]),  # a column may be typed flat, of any length
    ("1 2 3", (1, 2), [[1, 2, 3]]),  # and a single row
    ("[[1, 2], [3, 4]]", (None, 3), [[1, 2], [3, 4]]),
    ("4", (1,), [4]),
]


@pytest.mark.parametrize(("raw", "shape", "values"), READ)
def test_read_array_keeps_the_sizes_typed(raw, shape, values):
    read = read_array(raw, shape)
    assert read.dtype == float and read.tolist() == values


READ_WRONG = [
    (
        "1 2 3 4",
        (2, 2),
        "expected 2 rows of 2 numbers (a 2×2 matrix); got one row of 4 numbers: put each row in "
        "brackets, or separate rows with ';' or new lines",
    ),
    ("[[1, 2], [3]]", (2, 2), "row 2 has 1 number; expected 2"),
    ("[[1, 2], [3, 4, 5]]", (2, 3), "row 1 has 2 numbers; expected 3"),
    ("[[1, 2], [3, 4]]", (3,), "expected 3 numbers (a vector); got 2 rows"),
    ("[[1, 2], [3, 4]]", (None,), "expected numbers (a vector); got 2 rows"),
    ("1 2", (), "expected a single number; got 2 numbers"),
    ("[]", (None, 2), "the answer is empty: expected rows of 2 numbers (a matrix)"),
]


@pytest.mark.parametrize(("raw", "shape", "message"), READ_WRONG)
def test_read_array_refuses_another_rank_or_ragged_rows(raw, shape, message):
    with pytest.raises(InvalidAnswer) as error:
        read_array(raw, shape)
    assert error.value.message == message
