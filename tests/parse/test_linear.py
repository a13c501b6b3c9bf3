"""Reading an answer takes time linear in its length: no regex of the parsers backtracks.

A backtracking regex engine (Python's `re`) is linear on a pattern where, at every choice it makes
(go on repeating or stop, which branch, take an optional part or not), the next character decides:
what a repeat can match next is disjoint from what may follow it, and branches start differently.
Then every wrong choice fails at its first character. `determinism_problems` checks that on the
pattern's parse tree, over an alphabet of the characters that matter; a pattern used to search
(`search`, `findall`, `split`, `sub`) must also not fail after an unbounded repeat, or each start
position would rescan the run. Around the regexes, the readers' own loops are counted: the
calls a reading makes grow linearly with the answer. The figures (time per answer) are in
benchmarks/redos.py.
"""

from __future__ import annotations

import re
import string
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.parse import InvalidAnswer, arrays, choices, parse_array, parse_choices, shapes
from grader.parse.arrays import _parse_text, _parse_tokens
from grader.parse.errors import MAX_ANSWER_CHARS
from tests.parse.conftest import choices as some_choices

if sys.version_info >= (3, 11):
    from re import _parser as sre
else:  # pragma: no cover - Python 3.10
    import sre_parse as sre

#: Every character class the parsers' patterns tell apart, with a few of each kind.
ALPHABET = frozenset(
    string.printable + "\x1c\x1d\x1e\x1f\x85\xa0\u2003\u3000\u2212\u2013\uff0d\u0661\uff11éÉßſK_"
)

_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
Chars = frozenset[str]


class _Determinism:
    def __init__(self, pattern: re.Pattern[str], *, searched: bool) -> None:
        self.pattern = pattern
        self.searched = searched
        self.ascii = pattern.flags & re.ASCII
        self.ignore_case = pattern.flags & re.IGNORECASE
        self.problems: list[str] = []

    def _spellings(self, char: str) -> set[str]:
        return {char, char.lower(), char.upper()} if self.ignore_case else {char}

    def _category(self, category: Any) -> Chars:
        return frozenset(c for c in ALPHABET if re.fullmatch(_CATEGORIES[category], c, self.ascii))

    def atom(self, op: Any, av: Any) -> Chars | None:
        """The characters a one-character item matches; None for anything else."""
        if op == sre.LITERAL:
            return frozenset(c for c in ALPHABET if chr(av) in self._spellings(c))
        if op == sre.NOT_LITERAL:
            return frozenset(c for c in ALPHABET if chr(av) not in self._spellings(c))
        if op == sre.ANY:
            return ALPHABET if self.pattern.flags & re.DOTALL else ALPHABET - {"\n"}
        if op != sre.IN:
            return None
        negated = False
        chars: set[str] = set()
        for item, value in av:
            if item == sre.NEGATE:
                negated = True
            elif item == sre.LITERAL:
                chars |= {c for c in ALPHABET if chr(value) in self._spellings(c)}
            elif item == sre.RANGE:
                low, high = value
                chars |= {c for c in ALPHABET if any(low <= ord(s) <= high for s in self._spellings(c))}
            elif item == sre.CATEGORY:
                chars |= self._category(value)
            else:
                raise NotImplementedError(f"{self.pattern.pattern!r}: {item} in a character class")
        return ALPHABET - chars if negated else frozenset(chars)

    def first(self, items: Iterable[tuple[Any, Any]]) -> tuple[Chars, bool]:
        """The characters a match of `items` can start with, and whether it can be empty."""
        chars: set[str] = set()
        for op, av in items:
            start, empty = self.first_of(op, av)
            chars |= start
            if not empty:
                return frozenset(chars), False
        return frozenset(chars), True

    def first_of(self, op: Any, av: Any) -> tuple[Chars, bool]:
        atom = self.atom(op, av)
        if atom is not None:
            return atom, False
        if op == sre.AT:
            return frozenset(), True
        if op in _REPEATS:
            low, _, body = av
            start, empty = self.first(body)
            return start, empty or low == 0
        if op == sre.SUBPATTERN:
            return self.first(av[-1])
        if op == sre.BRANCH:
            firsts = [self.first(branch) for branch in av[1]]
            return frozenset().union(*(start for start, _ in firsts)), any(empty for _, empty in firsts)
        raise NotImplementedError(f"{self.pattern.pattern!r}: {op} is not checked here")

    def check(self, items: Iterable[tuple[Any, Any]], follow: Chars, may_end: bool) -> None:
        """Check every choice in `items`, followed by what starts with `follow`; `may_end`: the
        match can succeed right after them without reading more."""
        items = list(items)
        for index, (op, av) in enumerate(items):
            rest, rest_empty = self.first(items[index + 1 :])
            after = rest | follow if rest_empty else rest
            ends = rest_empty and may_end
            if op in _REPEATS:
                low, high, body = av
                start, empty = self.first(body)
                if high > 1 and empty:
                    self.problems.append(f"a repeated part can match nothing (item {index})")
                overlap = start & after if high > low else frozenset()
                if overlap:
                    self.problems.append(
                        f"a repeat (item {index}) may go on or stop at {''.join(sorted(overlap))[:12]!r}"
                    )
                if self.searched and high == sre.MAXREPEAT and not ends:
                    self.problems.append(
                        f"an unbounded repeat (item {index}) can fail after it; a search would rescan it"
                    )
                self.check(body, after | start if high > 1 else after, ends)
            elif op == sre.SUBPATTERN:
                self.check(av[-1], after, ends)
            elif op == sre.BRANCH:
                seen: set[str] = set()
                for branch in av[1]:
                    start, empty = self.first(branch)
                    start = start | after if empty else start
                    if start & seen:
                        overlap = "".join(sorted(start & seen))[:12]
                        self.problems.append(f"branches (item {index}) both start with {overlap!r}")
                    seen |= start
                    self.check(branch, after, ends)
            else:
                self.first_of(op, av)  # an atom or an anchor; anything else is not checked here


def determinism_problems(pattern: re.Pattern[str], *, searched: bool) -> list[str]:
    """Why a backtracking match of `pattern` could be super-linear (none: it is linear)."""
    checker = _Determinism(pattern, searched=searched)
    checker.check(sre.parse(pattern.pattern, pattern.flags), frozenset(), may_end=True)
    return checker.problems


# Every pattern of the parsers, and whether it is used to search (at every start position) or
# matched at one place (`match`, `fullmatch`).
SEARCHED = {
    "arrays._NUMBER": False,
    "arrays._TOKEN": False,
    "arrays._WORD": False,
    "arrays._SIMPLE_LIST": False,
    "arrays._SIMPLE_NUMBER": True,
    "arrays._ROW_MARKS": True,
    "choices._SEPARATORS": True,
    "choices._MATH_DELIMITERS": True,
    "choices._WHITESPACE": True,
    "choices._WORDS": True,
}
MODULES = {"arrays": arrays, "choices": choices, "shapes": shapes}


def _pattern(name: str) -> re.Pattern[str]:
    module, attribute = name.split(".")
    pattern: re.Pattern[str] = getattr(MODULES[module], attribute)
    return pattern


def test_every_pattern_of_the_parsers_is_checked():
    patterns = {
        f"{name}.{attribute}"
        for name, module in MODULES.items()
        for attribute, value in vars(module).items()
        if isinstance(value, re.Pattern)
    }
    assert patterns == set(SEARCHED)


@pytest.mark.parametrize(("name", "searched"), SEARCHED.items())
def test_no_pattern_of_the_parsers_can_backtrack_more_than_once_per_character(name, searched):
    assert determinism_problems(_pattern(name), searched=searched) == []


# what the check must refuse, and accept: patterns and how they are used
@pytest.mark.parametrize(
    ("source", "searched"),
    [
        # the plain-list fast path before: cubic on runs of spaces (an answer of 6,004 took 76 s)
        (r"\s*(?P<open>[\[(]?)\s*(?P<body>[+-]?\d+(?:\.\d+)?(?:(?:\s*[,;]\s*|\s+)[+-]?\d+(?:\.\d+)?)*)"
         r"\s*(?:[,;]\s*)?(?P<close>[\])]?)\s*", False),
        (r"\s*\s*x", False),
        (r"(?:a\d|[ab]x)c", False),
        (r"(?:a+)+b", False),
        (r"(?:a*)*", False),
        (r"\d+\.?\d*", False),
        (r"\s+x", True),
        (r"(?:\d+)?x", True),
        (r"[a-z]+\d", True),
    ],
)
def test_the_check_refuses_patterns_that_backtrack(source, searched):
    assert determinism_problems(re.compile(source), searched=searched)


@pytest.mark.parametrize(
    ("source", "searched"),
    [(r"\s*x", False), (r"\d+(?:\.\d+)?", True), (r"(?:ab|c)*d", False), (r"[A-Z]+\d", False),
     (r"(?i:[a-z]+)\d", False), (r"\[/?math(?:inline)?\]", True)],
)
def test_the_check_accepts_deterministic_patterns(source, searched):
    assert determinism_problems(re.compile(source), searched=searched) == []


# Runs of what a plain list is made of, the worst for a backtracking fast path.
RUNS = [" ", "\t", "\n", "\u00a0", "+", "-", "\u2212", ",", ";", "[", "]", "(", ")", ".", "0", "1", "9",
        "e", "E", "x", "1 ", " ,", ", ", "1,", "-1", "1.5", "1e", "[1", "1]",
        # the rows of a matrix typed without inner brackets
        "1;", "1 2;", "\n1", "1\n", "; ", "\r\n", "\uff1b"]


@st.composite
def adversarial_answers(draw: st.DrawFn) -> str:
    """Up to MAX_ANSWER_CHARS of a few long runs (`" " * 1600 + "1" + " " * 1600 + "x"`)."""
    runs = draw(st.lists(st.tuples(st.sampled_from(RUNS), st.integers(1, MAX_ANSWER_CHARS)), min_size=1,
                         max_size=6))
    return "".join(piece * count for piece, count in runs)[:MAX_ANSWER_CHARS]


def _reading(read: Any, text: str) -> object:
    try:
        return read(text)
    except InvalidAnswer as error:
        return error.message


def _calls(read: Any, text: str) -> int:
    """How many functions (Python or built-in) reading `text` calls: a count of its steps."""
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        _reading(read, text)
    finally:
        sys.setprofile(None)
    return calls


#: Steps a reading may take per character, and for any answer: a few calls per token or piece
#: (the most adversarial answers take under 8 per character). The regexes are single calls:
#: `test_no_pattern_of_the_parsers_can_backtrack_more_than_once_per_character` bounds those.
STEPS_PER_CHARACTER = 20
STEPS_PER_ANSWER = 200


#: The shapes of answers: a number, a vector, a matrix, a column, a row, one with many rows.
SHAPES = [(), (3,), (2, 3), (3, 1), (1, 3), (3000, 2)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adversarial_answers())
def test_adversarial_answers_at_the_size_limit_are_read_in_linear_steps(text):
    assert _reading(_parse_text, text) == _reading(_parse_tokens, text)
    choices_read = _reading(lambda answer: parse_choices(answer, some_choices()), text)
    assert isinstance(choices_read, (str, tuple))
    bound = STEPS_PER_CHARACTER * len(text) + STEPS_PER_ANSWER
    assert _calls(_parse_text, text) <= bound
    assert _calls(lambda answer: parse_choices(answer, some_choices()), text) <= bound
    for shape in SHAPES:
        assert _calls(lambda answer: parse_array(answer, shape), text) <= bound  # noqa: B023


#: The issue's answers, and the longest of their kind: before, 76 s and several minutes.
_FROZE = """
from grader.parse import InvalidAnswer, parse_sequence
for half in (3001, (10_000 - 2) // 2):
    try:
        parse_sequence(" " * half + "1" + " " * half + "x")
    except InvalidAnswer:
        pass
"""


def test_the_answers_that_froze_a_server_are_read_at_once():
    # a subprocess, so that a regression fails after the timeout instead of hanging the suite;
    # the timeout is seconds for what takes milliseconds, and minutes before the fix
    subprocess.run([sys.executable, "-c", _FROZE], check=True, timeout=30)
