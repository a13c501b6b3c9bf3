"""Choice selections: an id or a list of ids, any case: `c`, `[C]`, `a, c`, `["a", "c"]`."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from grader.parse.errors import MAX_ANSWER_CHARS, InvalidAnswer
from grader.spec.models import ChoiceAnswer

__all__ = ["parse_choices"]

_SEPARATORS = re.compile(r"[\s,;]+")


def _tokens(raw: Any) -> list[str]:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)  # a choice id may be a number: `answers: {q: 2}` selects the choice `2`
    if isinstance(raw, str):
        if len(raw) > MAX_ANSWER_CHARS:
            raise InvalidAnswer(f"the answer is too long ({len(raw)} characters)")
        text = unicodedata.normalize("NFKC", raw).strip()  # full-width letters as ASCII
        if text[:1] in "[(" and text[-1:] in "])":
            text = text[1:-1]
        elif text[:1] in "[(" or text[-1:] in "])":
            raise InvalidAnswer(f"unbalanced brackets in {text!r}; expected choice ids like [a, c]")
        return [token.strip("'\"") for token in _SEPARATORS.split(text) if token.strip("'\"")]
    if isinstance(raw, list):
        tokens = []
        for item in raw:
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                raise InvalidAnswer(f"expected choice ids like 'a'; got {item!r}")
            tokens.extend(_tokens(item))
        return tokens
    if raw is None:
        return []
    raise InvalidAnswer(f"expected a choice id or a list of ids; got {raw!r}")


def parse_choices(raw: Any, answer: ChoiceAnswer) -> tuple[str, ...]:
    """The selected choice ids, in the spec's order and spelling; raise InvalidAnswer if malformed."""
    by_folded = {choice.id.casefold(): choice.id for choice in answer.choices}
    ids = ", ".join(choice.id for choice in answer.choices)
    selected: set[str] = set()
    for token in _tokens(raw):
        choice_id = by_folded.get(token.casefold())
        if choice_id is None:
            raise InvalidAnswer(f"unknown choice {token!r}; the choices are {ids}")
        selected.add(choice_id)
    if not selected and not answer.allow_blank:
        raise InvalidAnswer(
            f"no choice selected; select {'one or more' if answer.multiple else 'one'} of {ids}"
        )
    if not answer.multiple and len(selected) > 1:
        raise InvalidAnswer(f"select exactly one choice; got {len(selected)}")
    return tuple(choice.id for choice in answer.choices if choice.id in selected)
