"""Arrays as a person types them: `[1, -1, 0]`, `1,-1,0`, `1 -1 0`, `+1`, `1e0`, `−1`, `[[1, 0], [0, 1]]`.

A small recursive-descent parser over a handful of tokens, so that every malformed input gets a
message saying where it went wrong, and nothing is ever evaluated.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.parse.errors import MAX_ANSWER_CHARS, InvalidAnswer

__all__ = ["normalise_text", "parse_number", "parse_sequence", "read_structure"]

Array = NDArray[np.float64]

# Unicode minus, figure dash, en dash, em dash, small and full-width hyphen-minus: all typed as "-".
_MINUS_SIGNS = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\ufe63\uff0d"), "-")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TOKEN = re.compile(
    r"\s*(?:(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<open>[\[(])|(?P<close>[\])])|(?P<separator>[,;]))"
)
_CLOSING = {"[": "]", "(": ")"}
#: What an error message quotes as the word that is not a number: up to a space, separator or bracket.
_WORD = re.compile(r"[^\s,;\[\]()]+")
#: The numbers of a flat list of plain ASCII numbers (`0, 1, -1`, `1 -1 0`, `1; 0`), which
#: `_parse_text` reads without the tokenizer once `_plain_body` has taken off the outer white
#: space, the brackets and one trailing separator: numbers apart by a separator or spaces.
#: No quantifier here is followed by anything that can match the same character (`\s+` by
#: `[,;]` or a number, a number's digits by `.`, white space or the end), so every text has at
#: most one way to match and a failure costs one step back per character: the match is linear.
#: Adjacent white-space quantifiers (`\s*[\[(]?\s*`) would instead try every split of a run of
#: spaces, polynomial time on an answer of spaces.
_SIMPLE_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_SIMPLE_LIST = re.compile(
    r"[+-]?\d+(?:\.\d+)?(?:(?:\s+(?:[,;]\s*)?|[,;]\s*)[+-]?\d+(?:\.\d+)?)*", re.ASCII
)
#: Brackets, separators or inner spaces: a string in a list that is a row, not one number.
_ROW_MARKS = re.compile(r"[\[\](),;\s]")
#: What may follow a number, besides white space: a separator or a bracket.
_BOUNDARY = frozenset(",;[]()")
#: A list of rows is two levels of brackets; anything deeper is no answer (and must not recurse).
_MAX_BRACKET_DEPTH = 2
_BRACKETS = frozenset("[]()")


def normalise_text(text: str) -> str:
    """NFKC (full-width digits become ASCII) and every minus-like dash as '-'."""
    return unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).strip()


def parse_number(text: str) -> float:
    """One finite number in the forms a person types; raise InvalidAnswer otherwise."""
    cleaned = normalise_text(text)
    if not _NUMBER.fullmatch(cleaned):
        raise InvalidAnswer(f"{text.strip()!r} is not a number")
    return _finite(cleaned, text.strip())


def _finite(number: str, typed: str) -> float:
    """`number`, already read as `_NUMBER`, as a float; refused, quoted as `typed`, if too large."""
    value = float(number)
    if not math.isfinite(value):
        raise InvalidAnswer(f"{typed!r} is too large to be a number here")
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def _describe(self, position: int) -> str:
        if position >= len(self.text):
            return "at the end"
        return f"at character {position + 1} ({self.text[position]!r})"

    def next_token(self) -> tuple[str, str, int] | None:
        match = _TOKEN.match(self.text, self.position)
        if match is None:
            rest = self.text[self.position :].lstrip()
            if not rest:
                self.position = len(self.text)
                return None
            start = len(self.text) - len(rest)
            word = _WORD.match(rest)
            shown = word.group(0) if word else rest[0]
            raise InvalidAnswer(
                f"{shown!r} (at character {start + 1}) is not a number; "
                "expected numbers like [1, -1, 0]"
            )
        end = self.position = match.end()
        kind = match.lastgroup
        assert kind is not None
        after = self.text[end : end + 1]
        if kind == "number" and after and not (after.isspace() or after in _BOUNDARY):
            # `1.5.5`, `1..5`, `1-1`: two numbers only with a space or separator between them
            start = match.start(kind)
            word = _WORD.match(self.text, start)
            assert word is not None
            raise InvalidAnswer(
                f"{word.group(0)!r} (at character {start + 1}) is not a number; "
                "expected numbers like [1, -1, 0]"
            )
        return kind, match.group(kind), match.start(kind)

    def peek(self) -> tuple[str, str, int] | None:
        saved = self.position
        try:
            return self.next_token()
        finally:
            self.position = saved

    def items(self, closing: str | None, depth: int = 0) -> list[Any]:
        """Items up to `closing` (or the end), separated by commas, semicolons or spaces.

        A trailing separator is forgiven (`1, 2,`); an empty entry (`[1,,2]`, `[,1]`) is not.
        """
        items: list[Any] = []
        after_separator = False
        while True:
            token = self.next_token()
            if token is None:
                if closing is not None:
                    raise InvalidAnswer(f"missing {closing!r}: a bracket is never closed")
                return items
            kind, value, start = token
            if kind == "close":
                if value != closing:
                    raise InvalidAnswer(f"unexpected {value!r} {self._describe(start)}")
                return items
            if kind == "separator":
                if after_separator or not items:
                    raise InvalidAnswer(
                        f"empty entry {self._describe(start)}: a separator with no number before it"
                    )
                after_separator = True
                continue
            if kind == "number":
                items.append(_finite(value, value))  # a token of the normalised text: normalised
            else:  # an opening bracket: a nested row
                if depth + 1 >= _MAX_BRACKET_DEPTH:
                    raise InvalidAnswer(f"brackets nested too deeply {self._describe(start)}")
                items.append(self.items(_CLOSING[value], depth + 1))
            after_separator = False


def _parse_text(text: str) -> list[Any]:
    if len(text) > MAX_ANSWER_CHARS:
        raise InvalidAnswer(f"the answer is too long ({len(text)} characters; at most {MAX_ANSWER_CHARS})")
    body = _plain_body(text)
    if body is not None and _SIMPLE_LIST.fullmatch(body):
        # most answers are a plain flat list: read at once, as `_parse_tokens` would read them
        numbers = [float(number) for number in _SIMPLE_NUMBER.findall(body)]
        if all(map(math.isfinite, numbers)):
            return numbers
    return _parse_tokens(text)


def _plain_body(text: str) -> str | None:
    """An ASCII answer without its outer white space, its paired brackets and one trailing
    separator, which `_SIMPLE_LIST` may then read; None for anything else (for the tokenizer).

    Done with string methods rather than in the pattern: they take each end once.
    """
    if not text.isascii():
        return None
    body = text.strip()
    if body[:1] in _CLOSING:
        if body[-1:] != _CLOSING[body[0]]:
            return None
        body = body[1:-1].strip()
    elif body[-1:] in ("]", ")"):
        return None
    if body[-1:] in (",", ";"):
        body = body[:-1].rstrip()
    return body


def _parse_tokens(text: str) -> list[Any]:
    """Any answer text, token by token, with a message saying where a malformed one goes wrong."""
    cleaned = normalise_text(text)
    if not cleaned:
        raise InvalidAnswer("the answer is empty")
    parser = _Parser(cleaned)
    first = parser.peek()
    if first is not None and first[0] == "open":
        parser.next_token()
        items = parser.items(_CLOSING[first[1]])
        trailing = parser.peek()
        if trailing is None:
            return items
        # `[1, 0] [0, 1]`: several bracketed rows without an outer bracket
        parser = _Parser(cleaned)
    return parser.items(None)


def _from_data(value: Any, depth: int = 0) -> Any:
    """Lists from YAML/JSON: numbers, numbers typed as strings, nested lists."""
    if isinstance(value, bool):
        raise InvalidAnswer(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise InvalidAnswer(f"{value!r} is not a finite number")
        return number
    if isinstance(value, str):
        if depth == 0:
            return _parse_text(value)
        if depth == 1 and _ROW_MARKS.search(value.strip()):
            # a list with one typed row per step, as a form with a field per h_t sends it
            row = _parse_text(value)
            if any(isinstance(item, list) for item in row):
                raise InvalidAnswer(f"{value.strip()!r} is not a number or a row of numbers")
            return row
        return parse_number(value)
    if isinstance(value, list):
        if depth > 1:
            raise InvalidAnswer("lists are nested too deeply")
        return [_from_data(item, depth + 1) for item in value]
    if value is None:
        if depth == 0:
            raise InvalidAnswer("the answer is empty: expected a list of numbers")
        raise InvalidAnswer("an entry is empty (null); expected a number")
    shown = "a mapping" if isinstance(value, dict) else type(value).__name__
    raise InvalidAnswer(f"expected a list of numbers; got {shown}")


def _rows_of_text(text: str) -> list[Any] | None:
    """A matrix typed without inner brackets (`1 2; 3 4`, `[1 2; 3 4]`, rows on lines), as rows;
    None when the text has inner brackets or a single row (for the ordinary reader)."""
    body = normalise_text(text)
    if body[:1] in _CLOSING and body[-1:] == _CLOSING[body[0]]:
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


def read_structure(raw: Any, *, rows: bool) -> Any:
    """The answer (text or YAML/JSON data) as a number or nested lists of numbers, not yet fitted
    to a shape; with `rows`, text without inner brackets is split into rows at `;` and line ends
    (`1 2; 3 4`), as an answer of rows may be typed."""
    if isinstance(raw, str):
        if len(raw) > MAX_ANSWER_CHARS:
            raise InvalidAnswer(
                f"the answer is too long ({len(raw)} characters; at most {MAX_ANSWER_CHARS})"
            )
        if rows:
            read = _rows_of_text(raw)
            if read is not None:
                return read
    return _from_data(raw)


def parse_sequence(raw: Any, *, vector_size: int | None = None, symbol: str = "h") -> Array:
    """A student's array: shape (T,) for a scalar cell, (T, n) when `vector_size` is n; `symbol`
    names what each entry is in the messages (`h` for h_t)."""
    # a vector cell's steps may be typed as rows without inner brackets (`1 0; 0 1`); one unit's
    # `1; -1` stays a list of numbers, as it always read
    data = read_structure(raw, rows=vector_size is not None and vector_size > 1)
    if isinstance(data, float):
        data = [data]
    if not data:
        raise InvalidAnswer("the answer is empty: expected a list of numbers")
    if vector_size is None:
        if any(isinstance(item, list) for item in data):
            if all(isinstance(item, list) and len(item) == 1 for item in data):
                data = [item[0] for item in data]
            else:
                raise InvalidAnswer("expected a flat list of numbers like [1, -1, 0]")
        return np.asarray(data, dtype=np.float64)
    if vector_size == 1 and not any(isinstance(item, list) for item in data):
        data = [[item] for item in data]  # one unit: [1, -1] means [[1], [-1]]
    row = "[" + ", ".join(["0"] * vector_size) + "]"
    rows: list[list[float]] = []
    for index, item in enumerate(data):
        if not isinstance(item, list) or any(isinstance(v, list) for v in item):
            raise InvalidAnswer(
                f"expected a list of {vector_size}-vectors like [{row}, {row}]; "
                f"entry {index} is not a list of numbers"
            )
        if len(item) != vector_size:
            raise InvalidAnswer(
                f"entry {index} has {len(item)} numbers; each {symbol}_t here has {vector_size}"
            )
        rows.append(item)
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), vector_size)
