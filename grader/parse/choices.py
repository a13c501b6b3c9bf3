r"""Choice selections: ids (`c`, `[C]`, `a, c`, `["a", "c"]`) or, failing that, the choices' texts.

Choice ids are read first, so an answer that reads as ids always means those ids. An answer that
does not is read as the texts of the selected choices joined by commas, the way Open edX's
problem response report gives a checkbox or multiple-choice answer: its `Answer` column is
`LoncapaProblem.find_answer_text` (edx-platform, xmodule/capa/capa_problem.py, called by
`ProblemBlock.generate_report_data`), which turns each stored `choice_N` into that `<choice>`'s
raw text (`ChoiceGroup.extract_choices(..., text_only=True)`: the element's text up to its first
tag, unstripped, LaTeX unrendered) and joins a checkbox's list with ", ". Texts are compared
ignoring case, whitespace and LaTeX math delimiters (`$`, `\(` `\)`, `\[` `\]`,
`[mathjaxinline]`), as an edX course writes `$h_t$` of a spec as `\(h_t\)`.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from grader.parse.errors import MAX_ANSWER_CHARS, InvalidAnswer
from grader.spec.models import ChoiceAnswer

__all__ = ["parse_choices"]

_SEPARATORS = re.compile(r"[\s,;]+")
_MATH_DELIMITERS = re.compile(r"\\[()\[\]]|\$|\[/?mathjax(?:inline)?\]", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")
#: How much of an unreadable answer an error message quotes.
_QUOTED_CHARS = 60


def _items(raw: Any) -> list[str]:
    """The answer as strings: one, or one per list item (each read on its own)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)  # a choice id may be a number: `answers: {q: 2}` selects the choice `2`
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list):
        items = []
        for item in raw:
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                raise InvalidAnswer(f"expected choice ids like 'a'; got {item!r}")
            items.append(item)
        return items
    if raw is None:
        return []
    raise InvalidAnswer(f"expected a choice id or a list of ids; got {raw!r}")


def _id_tokens(text: str) -> list[str]:
    if text[:1] in "[(" and text[-1:] in "])":
        text = text[1:-1]
    elif text[:1] in "[(" or text[-1:] in "])":
        raise InvalidAnswer(f"unbalanced brackets in {text!r}; expected choice ids like [a, c]")
    return [token.strip("'\"") for token in _SEPARATORS.split(text) if token.strip("'\"")]


def _comparable(text: str) -> str:
    """A choice's text as compared: NFKC, no math delimiters, no whitespace, case folded."""
    text = _MATH_DELIMITERS.sub("", unicodedata.normalize("NFKC", text))
    return _WHITESPACE.sub("", text).casefold()


def _text_readings(text: str, answer: ChoiceAnswer) -> list[frozenset[str]]:
    """The selections `text` reads as, as choice texts joined by commas (at most two: one is enough
    to grade, two are ambiguous).

    A text may itself contain a comma, so the answer is not split on commas: it is matched against
    the known texts, each starting at the beginning or after a comma and ending at a comma or the
    end.
    """
    answer_text = _comparable(text)
    end = len(answer_text)
    texts = [(choice.id, comparable) for choice in answer.choices if (comparable := _comparable(choice.text))]
    if not answer.multiple:
        # a radio button's answer is one whole text, even if it also reads as several
        whole = [frozenset((choice_id,)) for choice_id, choice_text in texts if choice_text == answer_text]
        if whole:
            return whole[:2]
    # steps[start]: (choice, where the next text starts) for each text that starts at `start` and
    # after which the rest reads as texts too (`done`: nothing is left). Filled from the last start
    # back, so the walk below never meets a dead end.
    done = end + 1
    starts = [0] + [index + 1 for index, char in enumerate(answer_text) if char == ","]
    # A text without a comma is a whole piece between commas: found by the piece, not tried at
    # every start; only texts with a comma are.
    by_piece: dict[str, list[int]] = {}
    with_comma: list[int] = []
    for index, (_, choice_text) in enumerate(texts):
        if "," in choice_text:
            with_comma.append(index)
        else:
            by_piece.setdefault(choice_text, []).append(index)
    steps: dict[int, list[tuple[str, int]]] = {}
    # each start with the start after it (one past the comma that ends its piece)
    for start, after in zip(reversed(starts), itertools.chain([done], reversed(starts[1:])), strict=True):
        found = by_piece.get(answer_text[start : after - 1], [])
        if with_comma:
            found = sorted(found + [i for i in with_comma if answer_text.startswith(texts[i][1], start)])
        steps[start] = []
        for index in found:
            choice_id, choice_text = texts[index]
            stop = start + len(choice_text)
            if stop == end:
                steps[start].append((choice_id, done))
            elif steps.get(stop + 1):
                steps[start].append((choice_id, stop + 1))
    # Depth first, the last step first, one step at a time (so that the first reading costs one
    # pass over the answer, not a branch per choice at every comma); a state (where, what chosen)
    # is walked once.
    readings: list[frozenset[str]] = []
    seen: set[tuple[int, frozenset[str]]] = set()
    walk: list[tuple[frozenset[str], Iterator[tuple[str, int]]]] = [(frozenset(), reversed(steps.get(0, [])))]
    while walk and len(readings) < 2:
        chosen, remaining = walk[-1]
        step = next(remaining, None)
        if step is None:
            walk.pop()
            continue
        choice_id, following = step
        state = (following, chosen if choice_id in chosen else chosen | {choice_id})
        if state in seen:
            continue
        seen.add(state)
        if following == done:
            if state[1] not in readings:
                readings.append(state[1])
        else:
            walk.append((state[1], reversed(steps[following])))
    return readings


def _quoted(text: str) -> str:
    shown = _WHITESPACE.sub(" ", text)
    if len(shown) > _QUOTED_CHARS:
        shown = shown[: _QUOTED_CHARS - 1] + "…"
    return repr(shown)


def _named(selection: Iterable[str], answer: ChoiceAnswer) -> str:
    ids = [choice.id for choice in answer.choices if choice.id in selection]
    if len(ids) == 1:
        return f"choice {ids[0]}"
    return f"choices {', '.join(ids[:-1])} and {ids[-1]}"


def _read(item: str, answer: ChoiceAnswer, by_folded: dict[str, str], ids: str) -> set[str]:
    """The choices one answer string selects: by id, else by text."""
    if len(item) > MAX_ANSWER_CHARS:
        raise InvalidAnswer(f"the answer is too long ({len(item)} characters)")
    text = unicodedata.normalize("NFKC", item).strip()  # full-width letters as ASCII
    try:
        selected = set()
        for token in _id_tokens(text):
            choice_id = by_folded.get(token.casefold())
            if choice_id is None:
                raise InvalidAnswer(f"unknown choice {token!r}; the choices are {ids}")
            selected.add(choice_id)
        return selected
    except InvalidAnswer as not_ids:
        readings = _text_readings(text, answer)
        if len(readings) == 1:
            return set(readings[0])
        if readings:
            order = {choice.id: index for index, choice in enumerate(answer.choices)}
            first, second = sorted(
                readings, key=lambda reading: (len(reading), sorted(order[choice] for choice in reading))
            )
            raise InvalidAnswer(
                f"{_quoted(text)} is ambiguous: it reads as the texts of "
                f"{_named(first, answer)} or of {_named(second, answer)}"
            ) from None
        # Prose (several words, one longer than any id) was meant as a choice's text: saying
        # which word is not an id would not help.
        longest_id = max(len(choice_id) for choice_id in by_folded)
        words = _WORDS.findall(text)
        if len(words) > 1 and any(
            len(word) > longest_id and word.casefold() not in by_folded for word in words
        ):
            raise InvalidAnswer(
                f"{_quoted(text)} is not the text of any choice, nor choice ids; the choices are {ids}"
            ) from None
        raise not_ids


def parse_choices(raw: Any, answer: ChoiceAnswer) -> tuple[str, ...]:
    """The selected choice ids, in the spec's order and spelling; raise InvalidAnswer if malformed."""
    by_folded = {choice.id.casefold(): choice.id for choice in answer.choices}
    ids = ", ".join(choice.id for choice in answer.choices)
    selected: set[str] = set()
    for item in _items(raw):
        selected |= _read(item, answer, by_folded, ids)
    if not selected and not answer.allow_blank:
        raise InvalidAnswer(
            f"no choice selected; select {'one or more' if answer.multiple else 'one'} of {ids}"
        )
    if not answer.multiple and len(selected) > 1:
        raise InvalidAnswer(f"select exactly one choice; got {len(selected)}")
    return tuple(choice.id for choice in answer.choices if choice.id in selected)
