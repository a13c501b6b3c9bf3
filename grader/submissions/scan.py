"""A JSONL export cut into columns by one regular-expression pass, when every line is common.

The common line is `{"student": "ID", "answers": {"P": VALUE, …}}`: a printable-ASCII id with
no quote, backslash or comma and no space at either end, each known problem id at most once (in
one order), and each VALUE a string of printable ASCII without escapes, a flat list (no brackets,
braces or backslashes inside) or a JSON number. `scan_jsonl` returns each line's student id and
raw answer bytes per problem (b"" where a line does not answer), all as bytes, with no object per
line but the ones `re.findall` makes in C. The file is read in one call (a memory map gains
nothing here: the bytes are counted and matched whole) and the read is the snapshot graded;
`scan_lines` cuts a part of one (`grading.columnar` gives each core a half).

The matches are anchored at line starts and cannot cross a newline, so they tile the file exactly
when there are as many as there are lines; anything else (a line of another shape, a BOM, CRLF,
an escaped or non-ASCII id, duplicate keys, a blank line, a returning student…) gives None and
the caller reads the file the general way (`rows.read_jsonl`), so no result ever depends on this
path. A raw value that matches but is not JSON (`[1,,2]`) is for the caller to find when it
decodes the distinct values (`orjson.loads` of the same bytes, as the general reader parses them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["ScannedClass", "line_pattern", "scan_jsonl", "scan_lines"]

#: printable ASCII but the quote and the backslash: a JSON string's text with no escapes
_TEXT = rb"[ !#-\[\]-~]"
#: the same without the comma and the space: a student id's first and last character
_ID_END = rb"[!#-+\--\[\]-~]"
# (no space at its end either: `scan_lines` looks for one with two literal searches, cheaper
# than a pattern that backtracks to check each id's last character)
_ID = rb'"(' + _ID_END + rb'[ !#-+\--\[\]-~]*)"'
#: an id ending with a space, as the common line would have it (or a list value that looks so)
_SPACE_AT_END = (b' ", "answers":', b' ","answers":')
_VALUE = (
    rb'(?:"' + _TEXT + rb'*"'  # a string
    rb"|\[[ -Z^-z|~]*\]"  # a flat list: no brackets, braces or backslashes inside
    rb"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"  # a number
)
_PLAIN_ID = re.compile(rb"[ !#-\[\]-~]+")


class ScannedClass(NamedTuple):
    """A JSONL export as columns: student ids, and per problem each line's raw answer (b"": none)."""

    students: Sequence[bytes]
    answers: list[Sequence[bytes]]  # in the order of `problems` given to `scan_jsonl`


def line_pattern(problems: Sequence[str]) -> re.Pattern[bytes]:
    """The common line with the problems' answers in this order, each optional, one group each."""
    entries = b"".join(
        rb'(?:"' + re.escape(problem.encode()) + rb'": ?(' + _VALUE + rb')(?:, ?(?=")|(?=\})))?'
        for problem in problems
    )
    return re.compile(rb'^\{"student": ?' + _ID + rb', ?"answers": ?\{' + entries + rb"\}\}$", re.MULTILINE)


def scan_jsonl(path: Path, problems: Sequence[str]) -> ScannedClass | None:
    """Every line of `path` cut into columns, or None when some line is not of the common form
    (or a student has two lines, or a problem id cannot appear unescaped)."""
    # one read, one snapshot: a file that changes meanwhile is graded as it was read
    return scan_lines(path.read_bytes(), problems)


def scan_lines(data: bytes, problems: Sequence[str]) -> ScannedClass | None:
    """`scan_jsonl` of the text of a file, or of a part of one that starts and ends at lines."""
    if not all(_PLAIN_ID.fullmatch(problem.encode()) for problem in problems):
        return None
    lines = data.count(b"\n") + (0 if not data or data[-1:] == b"\n" else 1)
    if lines == 0 or any(text in data for text in _SPACE_AT_END):
        return None
    for order in _orders(data, problems):
        found = line_pattern(order).findall(data)
        if len(found) == lines:
            break
    else:
        return None
    columns = list(zip(*found, strict=True))
    del found
    students = columns[0]
    if len(set(students)) != len(students):  # a returning student: attempts are tallied
        return None
    by_name = dict(zip(order, columns[1:], strict=True))
    return ScannedClass(students, [by_name[problem] for problem in problems])


def _orders(data: bytes, problems: Sequence[str]) -> list[Sequence[str]]:
    """The orders of problems to try: the given one, then the first line's (an export keeps one)."""
    orders: list[Sequence[str]] = [problems]
    first = data[: data.find(b"\n")] if b"\n" in data[:65536] else b""
    positions = {problem: first.find(b'"' + problem.encode() + b'":') for problem in problems}
    seen = sorted((place, problem) for problem, place in positions.items() if place >= 0)
    order = [problem for _, problem in seen] + [problem for problem in problems if positions[problem] < 0]
    if order != list(problems):
        orders.append(order)
    return orders
