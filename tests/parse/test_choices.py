"""Choice selections: an id or a list of ids, any case, in the spec's spelling and order; else the
choices' texts, as Open edX reports them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.parse import InvalidAnswer, parse_choices
from tests.parse.conftest import EDX_TEXTS, choices, texts


@pytest.mark.parametrize(
    ("raw", "selected"),
    [
        ("c", ("c",)),
        ("C", ("c",)),
        (" c \n", ("c",)),
        ("[c]", ("c",)),
        ("(c)", ("c",)),
        ("[C, a]", ("a", "c")),  # reported in the spec's order
        ("a, c", ("a", "c")),
        ("a c", ("a", "c")),
        ("a;c", ("a", "c")),
        ('["a", "c"]', ("a", "c")),
        ("'c'", ("c",)),
        ("ｃ", ("c",)),  # full-width letter
        (["a", "C"], ("a", "c")),
        (["c", "c"], ("c",)),  # ticking twice is ticking once
        ("c,c", ("c",)),
        (["a, c"], ("a", "c")),
    ],
)
def test_accepted_selections(raw, selected):
    assert parse_choices(raw, choices()) == selected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("e", "unknown choice 'e'; the choices are a, b, c, d"),
        (["c", "x"], "unknown choice 'x'; the choices are a, b, c, d"),
        ("c.", "unknown choice 'c.'; the choices are a, b, c, d"),
        ("[c", "unbalanced brackets in '[c'; expected choice ids like [a, c]"),
        ("a, c]", "unbalanced brackets in 'a, c]'; expected choice ids like [a, c]"),
        ("", "no choice selected; select one or more of a, b, c, d"),
        ("[]", "no choice selected; select one or more of a, b, c, d"),
        (None, "no choice selected; select one or more of a, b, c, d"),
        ([], "no choice selected; select one or more of a, b, c, d"),
        (True, "expected a choice id or a list of ids; got True"),
        ([True], "expected choice ids like 'a'; got True"),
        ({"c": 1}, "expected a choice id or a list of ids; got {'c': 1}"),
        ([["c"]], "expected choice ids like 'a'; got ['c']"),
        ("c" * 10_001, "the answer is too long (10001 characters)"),
    ],
)
def test_invalid_selections(raw, message):
    with pytest.raises(InvalidAnswer) as error:
        parse_choices(raw, choices())
    assert error.value.message == message


def test_radio_buttons_take_exactly_one():
    radio = choices(multiple=False)
    assert parse_choices("B", radio) == ("b",)
    with pytest.raises(InvalidAnswer, match=r"^select exactly one choice; got 2$"):
        parse_choices("a, b", radio)
    with pytest.raises(InvalidAnswer, match=r"^no choice selected; select one of a, b, c, d$"):
        parse_choices("", radio)


def test_blank_allowed_when_the_spec_says_so():
    assert parse_choices([], choices(allow_blank=True)) == ()


@pytest.mark.parametrize(("raw", "selected"), [(2, ("2",)), ([1, 3], ("1", "3")), ("3", ("3",))])
def test_numeric_ids_typed_as_numbers(raw, selected):
    assert parse_choices(raw, choices(ids="123")) == selected


@pytest.mark.parametrize(
    ("raw", "selected"),
    [
        ("Whether the total number of zeros is odd.", ("a",)),
        ("  WHETHER the total  number of\nzeros is odd. ", ("a",)),
        ("Whetherthetotalnumberofzerosisodd.", ("a",)),  # whitespace is ignored, not just collapsed
        ("Ｗhether the total number of zeros is odd．", ("a",)),  # full-width letter and stop
        ("Odd, then even.", ("b",)),  # not d and an unknown 'then even.'
        ("Odd", ("d",)),
        ("Odd, Odd, then even.", ("b", "d")),
        ("Odd, then even., Odd", ("b", "d")),
        ("Whether \\(h_t\\) is odd.", ("c",)),
        ("Whether \\( h_t \\) is odd.", ("c",)),
        ("Whether \\[h_t\\] is odd.", ("c",)),
        ("Whether $$h_t$$ is odd.", ("c",)),
        ("Whether [mathjaxinline]h_t[/mathjaxinline] is odd.", ("c",)),
        ("Whether h_t is odd.", ("c",)),
        ("Whether the total number of zeros is odd., Whether \\(h_t\\) is odd.", ("a", "c")),
        ("Whether \\(h_t\\) is odd.,Whether the total number of zeros is odd.", ("a", "c")),
        (
            "Whether the total number of zeros is odd., Odd, then even., Whether \\(h_t\\) is odd., Odd",
            ("a", "b", "c", "d"),
        ),
        (["Odd, then even.", "Whether \\(h_t\\) is odd."], ("b", "c")),  # a list: each item whole
        (["Odd", "c"], ("c", "d")),  # ids and texts in different items
        ("c", ("c",)),
        ("a, d", ("a", "d")),  # ids first: 'd' is the id d, not the text 'Odd'
    ],
)
def test_choice_texts_read_as_their_ids(raw, selected):
    assert parse_choices(raw, texts()) == selected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "Whether the number of zeros is odd.",
            "'Whether the number of zeros is odd.' is not the text of any choice, nor choice ids; "
            "the choices are a, b, c, d",
        ),
        (
            "Answer Text Missing",  # what edX writes when it cannot find a choice's text
            "'Answer Text Missing' is not the text of any choice, nor choice ids; the choices are a, b, c, d",
        ),
        (
            "Odd, then odd.",
            "'Odd, then odd.' is not the text of any choice, nor choice ids; the choices are a, b, c, d",
        ),
        (
            "Whether the total number of zeros is odd (and, of course, whether the number of ones is too).",
            "'Whether the total number of zeros is odd (and, of course, w…' is not the text of any "
            "choice, nor choice ids; the choices are a, b, c, d",
        ),
        (
            "Whether the total number of zeros\n is odd., e",
            "'Whether the total number of zeros is odd., e' is not the text of any choice, nor choice "
            "ids; the choices are a, b, c, d",
        ),
        ("e", "unknown choice 'e'; the choices are a, b, c, d"),  # an id typo is told as one
        ("a, e", "unknown choice 'e'; the choices are a, b, c, d"),
        ("[Odd", "unbalanced brackets in '[Odd'; expected choice ids like [a, c]"),
    ],
)
def test_unknown_texts_are_invalid_and_name_the_ids(raw, message):
    with pytest.raises(InvalidAnswer) as error:
        parse_choices(raw, texts())
    assert error.value.message == message


AMBIGUOUS = {"a": "Odd", "b": "then even", "c": "Odd, then even"}


@pytest.mark.parametrize(
    ("multiple", "raw", "outcome"),
    [
        (
            True,
            "Odd, then even",
            "'Odd, then even' is ambiguous: it reads as the texts of choice c or of choices a and b",
        ),
        (False, "Odd, then even", ("c",)),  # one radio button: the whole text
        (True, "then even, Odd", ("a", "b")),
        (False, "then even, Odd", "select exactly one choice; got 2"),
        (False, "Odd", ("a",)),
    ],
)
def test_texts_joined_like_another_text(multiple, raw, outcome):
    if isinstance(outcome, str):
        with pytest.raises(InvalidAnswer) as error:
            parse_choices(raw, texts(multiple, AMBIGUOUS))
        assert error.value.message == outcome
    else:
        assert parse_choices(raw, texts(multiple, AMBIGUOUS)) == outcome


def test_two_choices_with_one_text_are_ambiguous():
    same = texts(multiple=False, by_id={"x": "Yes", "y": "yes ", "z": "No"})
    with pytest.raises(InvalidAnswer) as error:
        parse_choices("YES", same)
    assert error.value.message == "'YES' is ambiguous: it reads as the texts of choice x or of choice y"
    assert parse_choices("no", same) == ("z",)


def test_ids_win_over_texts():
    """An answer that reads as ids means those ids, even when it is also another choice's text."""
    numbers = texts(multiple=False, by_id={"1": "2", "2": "4", "3": "8"})
    assert parse_choices("4", numbers) == ("2",)  # no id 4: the text of choice 2
    assert parse_choices("8", numbers) == ("3",)
    assert parse_choices("2", numbers) == ("2",)  # the id 2, though it is also choice 1's text


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(EDX_TEXTS)), min_size=1, unique=True), st.data())
def test_any_texts_joined_as_edx_does_read_back(selection, data):
    def respelled(text: str) -> str:
        text = text.replace("$", data.draw(st.sampled_from(["$", "\\(", " "])), 1).replace(
            "$", data.draw(st.sampled_from(["$", "\\)", " "]))
        )
        return data.draw(st.sampled_from([text, text.upper(), f" {text}\n"]))

    raw = ", ".join(respelled(EDX_TEXTS[i]) for i in selection)
    assert parse_choices(raw, texts()) == tuple(sorted(selection))
