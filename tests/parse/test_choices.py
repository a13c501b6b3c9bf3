"""Choice selections: an id or a list of ids, any case, in the spec's spelling and order."""

from __future__ import annotations

import pytest

from grader.parse import InvalidAnswer, parse_choices
from grader.spec.models import ChoiceAnswer


def choices(multiple: bool = True, allow_blank: bool = False, ids: str = "abcd") -> ChoiceAnswer:
    return ChoiceAnswer.model_validate(
        {
            "kind": "choice",
            "multiple": multiple,
            "allow_blank": allow_blank,
            "choices": [{"id": i, "text": i.upper(), "correct": i == ids[-2]} for i in ids],
        }
    )


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
