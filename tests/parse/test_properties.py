"""Properties of the parsers, for inputs nobody would think to list."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.parse import InvalidAnswer, parse_choices, parse_sequence
from grader.parse.choices import _text_readings
from tests.parse.conftest import choices, texts

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
values = st.lists(finite, min_size=1, max_size=12)

#: The test machine is shared and loaded: slowness must not turn into a failure.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

MINUS_SIGNS = ["-", "\u2212", "\u2013", "\u2014", "\u2012", "\uff0d"]


@st.composite
def typed(draw: st.DrawFn) -> tuple[list[float], str]:
    """A list of floats and one way a person might type it."""
    numbers = draw(values)
    minus = draw(st.sampled_from(MINUS_SIGNS))
    plus = draw(st.booleans())
    exponent = draw(st.booleans())

    def number(value: float) -> str:
        text = format(value, ".17e") if exponent else repr(value)
        if text.startswith("-"):
            return minus + text[1:]
        return ("+" + text) if plus else text

    separator = draw(st.sampled_from([", ", ",", " ", "  ", "; ", "\t", ",\n"]))
    body = separator.join(number(v) for v in numbers)
    brackets = draw(st.sampled_from(["[{}]", "({})", "{}", "[ {} ]", "{},"]))
    return numbers, brackets.format(body)


@relaxed
@given(typed())
def test_any_list_of_finite_floats_typed_any_accepted_way_parses_back(case):
    numbers, text = case
    assert parse_sequence(text).tolist() == numbers


@relaxed
@given(values)
def test_lists_and_strings_in_lists_parse_back(numbers):
    assert parse_sequence(numbers).tolist() == numbers
    assert parse_sequence([repr(v) for v in numbers]).tolist() == numbers


@relaxed
@given(st.lists(st.lists(finite, min_size=3, max_size=3), min_size=1, max_size=6))
def test_vector_rows_parse_back(rows):
    text = "[" + ", ".join("[" + ", ".join(map(repr, row)) + "]" for row in rows) + "]"
    assert parse_sequence(text, vector_size=3).tolist() == rows


@relaxed
@given(st.text(max_size=200))
def test_arbitrary_text_is_parsed_or_invalid_never_anything_else(text):
    try:
        parse_sequence(text)
    except InvalidAnswer as error:
        assert error.message


@relaxed
@given(st.text(alphabet="[](),; \t\n-+.eE0123456789−", max_size=60))
def test_number_like_garbage_is_parsed_or_invalid(text):
    try:
        result = parse_sequence(text)
    except InvalidAnswer:
        return
    assert result.ndim == 1 and len(result) >= 1


json_like = st.recursive(
    st.none() | st.booleans() | finite | st.floats() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=20,
)


@relaxed
@given(json_like)
def test_arbitrary_yaml_values_are_parsed_or_invalid(value):
    try:
        parse_sequence(value)
    except InvalidAnswer as error:
        assert error.message
    try:
        parse_choices(value, choices())
    except InvalidAnswer as error:
        assert error.message


@relaxed
@given(st.sets(st.sampled_from("abcd"), min_size=1), st.data())
def test_choices_in_any_case_and_order(ids, data):
    ordered = data.draw(st.permutations(sorted(ids)))
    cased = [data.draw(st.sampled_from([i, i.upper()])) for i in ordered]
    separator = data.draw(st.sampled_from([", ", " ", ",", ";"]))
    expected = tuple(sorted(ids))
    assert parse_choices(separator.join(cased), choices()) == expected
    assert parse_choices(cased, choices()) == expected
    assert parse_choices("[" + separator.join(cased) + "]", choices()) == expected


@relaxed
@given(st.text(alphabet=string.printable, max_size=40))
def test_arbitrary_choice_text_is_parsed_or_invalid(text):
    try:
        selected = parse_choices(text, choices())
    except InvalidAnswer as error:
        assert error.message
    else:
        assert set(selected) <= set("abcd")


def _every_reading(answer: str, choice_texts: dict[str, str]) -> set[frozenset[str]]:
    """Every selection `answer` reads as, by trying every text at every place: the reference."""
    found: set[frozenset[str]] = set()

    def read(start: int, chosen: frozenset[str]) -> None:
        for choice_id, text in choice_texts.items():
            stop = start + len(text)
            if not answer.startswith(text, start):
                continue
            if stop == len(answer):
                found.add(chosen | {choice_id})
            elif answer[stop] == ",":
                read(stop + 1, chosen | {choice_id})

    read(0, frozenset())
    return found


@relaxed
@given(
    st.lists(st.text(alphabet="xy,", min_size=1, max_size=4), min_size=2, max_size=4),
    st.lists(st.integers(0, 3), max_size=8),
    st.text(alphabet="xy,", max_size=3),
)
def test_choice_texts_read_as_every_way_of_reading_them_says(choice_texts, picks, noise):
    by_id = dict(zip("abcd", choice_texts, strict=False))
    answer = ",".join(by_id[id] for id in ("abcd"[pick % len(by_id)] for pick in picks)) + noise
    every = _every_reading(answer, by_id)
    readings = _text_readings(answer, texts(multiple=True, by_id=by_id))
    # one reading is enough to grade and two make the answer ambiguous: no more are looked for
    assert len(readings) == len(set(readings)) == min(2, len(every))
    assert set(readings) <= every
