"""Arrays as students type them: the accepted forms, and the invalid ones with their messages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.parse import InvalidAnswer, parse_sequence
from grader.parse.errors import MAX_ANSWER_CHARS

# what a student typed (text from a web form or a YAML/JSON value), and what it means
ACCEPTED = [
    ("[1, -1, 0, 1, -1]", [1, -1, 0, 1, -1]),
    ("1,-1,0,1,-1", [1, -1, 0, 1, -1]),
    ("1 -1 0 1 -1", [1, -1, 0, 1, -1]),
    ("+1", [1]),
    ("1.0", [1]),
    ("1e0", [1]),
    ("−1", [-1]),  # U+2212 MINUS SIGN, as pasted from a typeset page
    ("–1, —1, ‒1, －1", [-1, -1, -1, -1]),  # en dash, em dash, figure dash, full-width hyphen-minus
    ("[0, 0, +1, −1, 1.0, 0]", [0, 0, 1, -1, 1, 0]),
    ("(1, -1, 0)", [1, -1, 0]),
    ("[1; -1; 0]", [1, -1, 0]),
    ("[ 1 ,  -1 , 0 ]", [1, -1, 0]),
    ("[\n  1,\n  -1,\n  0\n]", [1, -1, 0]),
    ("1\t-1\t0", [1, -1, 0]),
    ("1, -1, 0,", [1, -1, 0]),  # a trailing comma is forgiven
    ("[1, -1, 0,]", [1, -1, 0]),
    ("  [1, -1]  ", [1, -1]),
    (".5, -.5, 5., 1E-1, 2e+1", [0.5, -0.5, 5, 0.1, 20]),
    ("１, ２", [1, 2]),  # full-width digits
    ("\u00a01\u2003-1", [1, -1]),  # no-break and em spaces
    ("[[1], [-1]]", [1, -1]),  # one-element rows of a scalar cell
    ("[1] [-1]", [1, -1]),
    ([0, 0, 1, -1, 1, 0], [0, 0, 1, -1, 1, 0]),  # a YAML/JSON list
    ([1.0, -1.0], [1, -1]),
    (["1", "−1", "+0"], [1, -1, 0]),  # numbers typed as strings inside a list
    ([[1], [-1]], [1, -1]),
    (1, [1]),  # a single number
    (-0.5, [-0.5]),
]


@pytest.mark.parametrize(("raw", "values"), ACCEPTED)
def test_accepted_forms(raw, values):
    assert parse_sequence(raw).tolist() == values


# what a student typed, and the message they get (what was expected, where it went wrong)
INVALID = [
    ("banana", "'banana' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("[1,,2]", "empty entry at character 4 (','): a separator with no number before it"),
    (",1", "empty entry at character 1 (','): a separator with no number before it"),
    ("1, , 2", "empty entry at character 4 (','): a separator with no number before it"),
    ("[1, 2", "missing ']': a bracket is never closed"),
    ("(1, 2", "missing ')': a bracket is never closed"),
    ("[1, 2)", "unexpected ')' at character 6 (')')"),
    ("1, 2]", "unexpected ']' at character 5 (']')"),
    ("NaN", "'NaN' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("[1, nan]", "'nan' (at character 5) is not a number; expected numbers like [1, -1, 0]"),
    ("inf", "'inf' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("-Infinity", "'-Infinity' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("1e400", "'1e400' is too large to be a number here"),
    ("", "the answer is empty"),
    ("   ", "the answer is empty"),
    ("[]", "the answer is empty: expected a list of numbers"),
    ("0x10", "'0x10' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("1_000", "'1_000' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    # numbers run together are a typo, not two numbers
    ("1.5.5", "'1.5.5' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("[1, 1..5]", "'1..5' (at character 5) is not a number; expected numbers like [1, -1, 0]"),
    ("1-1", "'1-1' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("0, 0.5-0.5", "'0.5-0.5' (at character 4) is not a number; expected numbers like [1, -1, 0]"),
    ("1e5e5", "'1e5e5' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("--1", "'--1' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ("[1, 2] [", "missing ']': a bracket is never closed"),
    ("[[1, 2], [3, 4]]", "expected a flat list of numbers like [1, -1, 0]"),
    ("[[[1]]]", "brackets nested too deeply at character 3 ('[')"),
    ("[" * 5000, "brackets nested too deeply at character 3 ('[')"),
    ("[[[1, 2]]]", "brackets nested too deeply at character 3 ('[')"),
    ("1" * (MAX_ANSWER_CHARS + 1),
     f"the answer is too long ({MAX_ANSWER_CHARS + 1} characters; at most {MAX_ANSWER_CHARS})"),
    ([], "the answer is empty: expected a list of numbers"),
    (None, "the answer is empty: expected a list of numbers"),
    ({"h": 1}, "expected a list of numbers; got a mapping"),
    (True, "True is not a number"),
    ([1, True], "True is not a number"),
    ([1, None], "an entry is empty (null); expected a number"),
    ([1, "two"], "'two' is not a number"),
    (["1 2"], "expected a flat list of numbers like [1, -1, 0]"),
    (["[[1]]"], "'[[1]]' is not a number or a row of numbers"),
    (["[1,,2]"], "empty entry at character 4 (','): a separator with no number before it"),
    (["−1e400"], "'−1e400' is too large to be a number here"),  # quoted as typed, not as read
    ([float("nan")], "nan is not a finite number"),
    (float("inf"), "inf is not a finite number"),
    ([[[1]]], "lists are nested too deeply"),
    ([[1, 2]], "expected a flat list of numbers like [1, -1, 0]"),
]


@pytest.mark.parametrize(("raw", "message"), INVALID)
def test_invalid_forms_say_what_was_expected(raw, message):
    with pytest.raises(InvalidAnswer) as error:
        parse_sequence(raw)
    assert error.value.message == message


# vector cells (n = 2): one row per step
@pytest.mark.parametrize(
    ("raw", "values"),
    [
        ("[[1, 0], [0, 1]]", [[1, 0], [0, 1]]),
        ("[1, 0] [0, 1]", [[1, 0], [0, 1]]),
        ("[(1, 0), (0, −1)]", [[1, 0], [0, -1]]),
        ([[1, 0], [0, 1]], [[1, 0], [0, 1]]),
        ([["1", "0"], [0, "1e0"]], [[1, 0], [0, 1]]),
        (["[1, 0]", "0 1"], [[1, 0], [0, 1]]),  # one typed row per step
        ("[[0.5, -0.25]]", [[0.5, -0.25]]),
        # rows without inner brackets, as parse_array reads a matrix
        ("1 0; 0 1", [[1, 0], [0, 1]]),
        ("[1, 0; 0, −1;]", [[1, 0], [0, -1]]),
        ("1 0\n0 1\n", [[1, 0], [0, 1]]),
    ],
)
def test_vector_answers(raw, values):
    assert parse_sequence(raw, vector_size=2).tolist() == values


NOT_ROWS = "expected a list of 2-vectors like [[0, 0], [0, 0]]; entry {} is not a list of numbers"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[1, 0, 0, 1]", NOT_ROWS.format(0)),
        ([1, 0], NOT_ROWS.format(0)),
        ("[[1, 0], [0]]", "entry 1 has 1 numbers; each h_t here has 2"),
        ("[[1, 0], [0, 1, 2]]", "entry 1 has 3 numbers; each h_t here has 2"),
        ("[[1, 0], [[0], 1]]", "brackets nested too deeply at character 11 ('[')"),
        ([[1, 0], [[0], 1]], "lists are nested too deeply"),
        ("1 0; 0", "entry 1 has 1 numbers; each h_t here has 2"),
        ("1 0; x 1", "row 2: 'x' (at character 1) is not a number; expected numbers like [1, -1, 0]"),
    ],
)
def test_vector_answers_of_the_wrong_shape(raw, message):
    with pytest.raises(InvalidAnswer) as error:
        parse_sequence(raw, vector_size=2)
    assert error.value.message == message


def test_nothing_is_ever_evaluated():
    with pytest.raises(InvalidAnswer):
        parse_sequence("__import__('os').system('true')")


@pytest.mark.parametrize(
    ("raw", "values"),
    [("[1, -1]", [[1], [-1]]), ("[[1], [-1]]", [[1], [-1]]), (0, [[0]]),
     # one unit: `;` and line ends still only separate numbers, as they always did
     ("1; -1", [[1], [-1]]), ("1 2; 3 4", [[1], [2], [3], [4]]), ("1\n-1", [[1], [-1]])],
)
def test_a_one_unit_vector_cell_takes_plain_numbers(raw, values):
    assert parse_sequence(raw, vector_size=1).tolist() == values


def test_the_example_row_has_the_cell_size():
    with pytest.raises(InvalidAnswer) as error:
        parse_sequence("1 2 3", vector_size=3)
    assert error.value.message == (
        "expected a list of 3-vectors like [[0, 0, 0], [0, 0, 0]]; entry 0 is not a list of numbers"
    )


@pytest.mark.parametrize("depth", [3, 64, 1000])
@pytest.mark.parametrize("vector_size", [None, 2])
def test_deeply_nested_lists_are_invalid_without_recursing(depth, vector_size):
    raw: object = 1
    for _ in range(depth):
        raw = [raw]
    with pytest.raises(InvalidAnswer) as error:
        parse_sequence(raw, vector_size=vector_size)
    assert error.value.message == "lists are nested too deeply"


_SIMPLE_ALPHABET = "0123456789+-.,; \t[]()١"


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=_SIMPLE_ALPHABET, max_size=24))
def test_the_fast_path_for_plain_lists_reads_as_the_tokenizer_does(text):
    from grader.parse.arrays import _parse_text, _parse_tokens

    try:
        expected: object = _parse_tokens(text)
    except InvalidAnswer as error:
        expected = error.message
    try:
        got: object = _parse_text(text)
    except InvalidAnswer as error:
        got = error.message
    assert got == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("[0, 0, 1, -1, 1, 0]", [0, 0, 1, -1, 1, 0]), ("(1; 0,)", [1, 0]), ("1 -1 +1", [1, -1, 1]),
     (" [1.50,-0.5] ", [1.5, -0.5])],
)
def test_plain_lists(text, expected):
    assert parse_sequence(text).tolist() == expected


def test_a_plain_list_with_a_number_too_large_is_still_refused():
    with pytest.raises(InvalidAnswer, match="too large"):
        parse_sequence("[1, " + "9" * 400 + "]")
