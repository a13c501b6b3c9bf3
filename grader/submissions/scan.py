"""A JSONL export cut into columns by one regular-expression pass, when every line is common.

The common line is `{"student": "ID", "answers": {"P": VALUE, …}}`: a printable-ASCII id with
no quote, backslash or comma and no space at either end, each known problem id at most once (in
one order), and each VALUE a string of printable ASCII without escapes, a flat list (no brackets,
braces or backslashes inside) or a JSON number. `scan_jsonl` returns each line's student id and
raw answer bytes per problem (b"" where a line does not answer), all as bytes, with no object per
line but the ones `re.split` makes in C. The file is read in one call (a memory map gains
nothing here: the bytes are counted and matched whole) and the read is the snapshot graded;
`scan_lines` cuts a part of one (`grading.columnar` gives each core a half). `cut_lines` cuts
each line only into its id and its answers object, and each distinct object into its answers:
a class without per-student variants typed few distinct objects, so most of the matching is
done once per object, not once per line.

The patterns are not anchored: `re.split` returns what lies between the matches too, and the
matches tile the file exactly when all of it is empty (a match is one line and its newline, or
the last line without one). Anything else (a line of another shape, a BOM, CRLF, an escaped or
non-ASCII id, duplicate keys, a blank line, a returning student…) gives None and the caller
reads the file the general way (`rows.read_jsonl`), so no result ever depends on this path. A
raw value that matches but is not JSON (`[1,,2]`) is for the caller to find when it decodes the
distinct values (`orjson.loads` of the same bytes, as the general reader parses them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple, cast

__all__ = [
    "Columns",
    "CutLines",
    "ScannedClass",
    "cut_lines",
    "line_orders",
    "line_pattern",
    "scan_columns",
    "scan_jsonl",
    "scan_lines",
]

#: printable ASCII but the quote and the backslash: a JSON string's text with no escapes
_TEXT = rb"[ !#-\[\]-~]"
#: the same without the comma and the space: a student id's first and last character
_ID_END = rb"[!#-+\--\[\]-~]"
# (no space at its end either: `_distinct` looks for one in the ids joined, cheaper than a
# pattern that backtracks to check each id's last character)
_ID = rb'"(' + _ID_END + rb'[ !#-+\--\[\]-~]*)"'
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


class Columns(NamedTuple):
    """A JSONL export as columns (`scan_columns`): student ids, and per problem each line's raw
    answer (None: none)."""

    students: list[bytes]
    answers: list[list[bytes | None]]


class CutLines(NamedTuple):
    """A JSONL export cut at its lines' answers objects (`cut_lines`)."""

    #: `re.split`'s list: b"", then per line its student id and its answers object (`{…}`) and
    #: b"" (so `parts[1::3]` are the ids, `parts[2::3]` the objects; joined, the ids and objects)
    parts: list[bytes]
    #: each distinct answers object → its raw answer per problem (None: none), in `problems` order
    answers: dict[bytes, tuple[bytes | None, ...]]


#: a line cut at its id and its answers object (what the object holds is matched per object)
_LINE = re.compile(rb'\{"student": ?' + _ID + rb', ?"answers": ?(\{[^\n]*\})\}(?:\n|\Z)')
#: `_filled(raw, raw)`: a group's bytes, b"" for a missing answer (a group that took no part)
_filled = cast(Callable[[Any, Any], bytes], {None: b""}.get)


def _entries(problems: Sequence[str]) -> bytes:
    """The answers object's entries in this order, each optional, one group each."""
    return b"".join(
        rb'(?:"' + re.escape(problem.encode()) + rb'": ?(' + _VALUE + rb')(?:, ?(?=")|(?=\})))?'
        for problem in problems
    )


def line_pattern(problems: Sequence[str]) -> re.Pattern[bytes]:
    """The common line and its newline (or the end), with the problems' answers in this order,
    each optional: a group for the id, then one per problem."""
    return re.compile(
        rb'\{"student": ?' + _ID + rb', ?"answers": ?\{' + _entries(problems) + rb"\}\}(?:\n|\Z)"
    )


def scan_jsonl(path: Path, problems: Sequence[str]) -> ScannedClass | None:
    """Every line of `path` cut into columns, or None when some line is not of the common form
    (or a student has two lines, or a problem id cannot appear unescaped)."""
    # one read, one snapshot: a file that changes meanwhile is graded as it was read
    return scan_lines(path.read_bytes(), problems)


def _may_be_common(data: bytes, problems: Sequence[str]) -> bool:
    """A line, and problem ids that need no escape."""
    return bool(data) and all(_PLAIN_ID.fullmatch(problem.encode()) for problem in problems)


def _distinct(students: list[bytes]) -> bool:
    """No student twice (a returning student's attempts are tallied) and no id ending with a
    space (the reader strips it)."""
    joined = b"\n".join(students)
    return len(set(students)) == len(students) and not (b" \n" in joined or joined.endswith(b" "))


def scan_lines(
    data: bytes, problems: Sequence[str], orders: list[Sequence[str]] | None = None
) -> ScannedClass | None:
    """`scan_jsonl` of the text of a file, or of a part of one that starts and ends at lines
    (`orders`: the file's `line_orders`, when `data` is a part of it)."""
    columns = scan_columns(data, problems, orders)
    if columns is None:
        return None
    answers: list[Sequence[bytes]] = [tuple(map(_filled, column, column)) for column in columns.answers]
    return ScannedClass(tuple(columns.students), answers)


def scan_columns(
    data: bytes, problems: Sequence[str], orders: list[Sequence[str]] | None = None
) -> Columns | None:
    """`scan_lines` as `re.split` cuts it, without copies: lists, and None for no answer."""
    if not _may_be_common(data, problems):
        return None
    for order in line_orders(data, problems) if orders is None else orders:
        stride = len(order) + 2
        parts = line_pattern(order).split(data)
        if not any(parts[::stride]):  # nothing between the matches: they tile the file
            break
    else:
        return None
    students = parts[1::stride]
    if not _distinct(students):
        return None
    by_name = dict(zip(order, (parts[place::stride] for place in range(2, stride)), strict=True))
    return Columns(students, [by_name[problem] for problem in problems])


def cut_lines(
    data: bytes, problems: Sequence[str], orders: list[Sequence[str]] | None = None
) -> CutLines | None:
    """The lines of `data` (a file, or a part of one that starts and ends at lines) cut at their
    answers objects, and each distinct object cut into its answers; None as `scan_lines` gives
    (`orders`: the file's `line_orders`, when `data` is a part of it)."""
    if not _may_be_common(data, problems):
        return None
    parts = _LINE.split(data)
    if any(parts[::3]):  # something between the matches: a line of another shape
        return None
    if not _distinct(parts[1::3]):
        return None
    objects = list(dict.fromkeys(parts[2::3]))
    text = b"\n".join(objects) + b"\n"  # an object holds no newline: one match each
    for order in line_orders(data, problems) if orders is None else orders:
        stride = len(order) + 1
        pieces = re.compile(rb"\{" + _entries(order) + rb"\}\n").split(text)
        if not any(pieces[::stride]):
            break
    else:
        return None
    by_name = dict(zip(order, (pieces[place::stride] for place in range(1, stride)), strict=True))
    columns = [by_name[problem] for problem in problems]
    answers = zip(*columns, strict=True) if columns else repeat((), len(objects))
    return CutLines(parts, dict(zip(objects, answers, strict=True)))


def line_orders(data: bytes, problems: Sequence[str]) -> list[Sequence[str]]:
    """The orders of problems to try: the given one, then the first line's (an export keeps one)."""
    orders: list[Sequence[str]] = [problems]
    first = data[: data.find(b"\n")] if b"\n" in data[:65536] else b""
    positions = {problem: first.find(b'"' + problem.encode() + b'":') for problem in problems}
    seen = sorted((place, problem) for problem, place in positions.items() if place >= 0)
    order = [problem for _, problem in seen] + [problem for problem in problems if positions[problem] < 0]
    if order != list(problems):
        orders.append(order)
    return orders
