"""A class's CSV gradebook and JSON report from a JSONL export, column by column, when every
line is common.

`ClassGrader` builds a cell per student and problem; a class of 100,000 typed a few hundred
distinct answers per problem. Here (issue 15) the file is cut into columns of raw bytes by one
regular-expression pass (`submissions.scan`); each row's key for a problem is its raw answer
(None: no answer), or for per-student variants the pair (the student's picks as one int, the
raw answer): the picks decide the variant's inputs, hashed by the pinned SHAKE-256 derivation
with its prefix hashed once and copied per student; each distinct key is graded once, and every
per-row step is a C-level call (`map`, `zip`, slicing, dict look-ups, joins). The gradebook's
rows are joined per distinct combination of scores (for a course without variants, per distinct
answers object: `submissions.scan.cut_lines`); the report's entries from each result's JSON,
kept per key. A run whose answers are all in the table reads the file a megabyte at a time
(`_part`, `_graded_part`): what a chunk makes is freed for the next, and few fresh pages are
touched (each costs the kernel a page fault).

Nothing here decides a grade. A key not graded before is graded by `ClassGrader` itself, on the
first student who has it (that student's own line, as `blocks.read_jsonl_blocks` reads it), so
every score and result is the general path's; they are kept per problem and reveal level (the
level one plain attempt is graded at, from `now` and the due date) in a table cached between
runs (`engine.keycache`), with the students' picks per roster and the spec-derived settings this
module needs, so that a run whose answers were all graded before loads no spec, imports neither
numpy nor pydantic and hashes nothing; then two processes (`fork`) each take half of the file. A
file with any other line, a returning student, or a raw value that is not JSON gives None: the
caller grades it the general way, so results never depend on this path.
"""

from __future__ import annotations

import gc
import hashlib
import math
import operator
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from functools import partial
from itertools import chain, repeat
from pathlib import Path
from typing import Any

from grader.engine.keycache import fingerprint, load_table, save_table
from grader.submissions.scan import Columns, CutLines, cut_lines, line_orders, scan_columns

__all__ = ["MIN_PARALLEL_BYTES", "columnar_gradebook", "columnar_report"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
_TWO_TO_MINUS_53 = 2.0**-53
#: students hashed per batch: their SHAKE-256 states are alive together
_HASH_BATCH = 4096
#: students per chunk of a JSON report: it is written as it is joined, never held whole
_JSON_CHUNK = 4096
#: bytes of a file cut, looked up and joined at a time (`_part`): some thousands of lines
_CHUNK_BYTES = 1 << 20
#: rosters whose picks a table keeps (a class and its two halves, for the last two classes)
_KEPT_ROSTERS = 6


class _NotCommon(Exception):
    """The file is not graded here after all (a raw value that is not JSON)."""


#: What a part of the file gives when some line is not common, or some answer is not in the table.
_NOT_COMMON = b"N"
_UNKNOWN = b"U"
#: Smallest file split across two processes: below it, a fork costs more than half the work.
MIN_PARALLEL_BYTES = 1 << 20


def columnar_gradebook(
    problems: Path, source: Path, *, now: datetime, parallel: bool = False
) -> tuple[bytes, int] | None:
    """The CSV gradebook of `source` (a JSONL export), UTF-8, and its number of students, exactly
    as `ClassGrader.gradebook_rows` and `render_csv_rows` write it; None when the file needs the
    general reader. `parallel`: each of two processes (`fork`) reads, hashes and looks up half of
    the file, when its answers are all in the cached table."""
    table, changed, data, levels = _prepare(problems, source, now)
    scores: list[dict[Any, float]] = [table["scores"].setdefault(level, {}) for level in levels]
    enabled = gc.isenabled()
    gc.disable()  # findall's tuples are containers: a collection per 700 of them rescans them all
    try:
        if not changed and parallel and len(data) >= MIN_PARALLEL_BYTES and _can_fork():
            halves = _in_two_processes(data, table, scores)
            if halves is _NOT_COMMON:
                return None
            if isinstance(halves, tuple):
                return halves
        graded = None
        if not changed:  # every answer in the table, most often: chunk by chunk
            whole = _part(data, table, scores, (0, _line_count(data), _line_count(data)),
                          line_orders(data, table["problems"]), complete=False)  # fmt: skip
            if whole == _NOT_COMMON:
                return None
            if isinstance(whole, tuple):
                graded = table["header"] + whole[0], len(whole[1]), whole[2]
        if graded is None:
            graded = _in_one_process(problems, source, now, data, table, scores)
    finally:
        if enabled:
            gc.enable()
    if graded is None:
        return None
    body, count, formatted = graded
    if formatted or changed:
        save_table(problems, table)
    return body, count


def columnar_report(problems: Path, source: Path, *, now: datetime) -> tuple[Iterator[bytes], int] | None:
    """The JSON report of `source` (a JSONL export), as chunks of UTF-8 to write in turn, and its
    number of students, exactly as `render_json(ClassGrader.report())` writes it; None when the
    file needs the general reader. Each distinct result is serialized once (`_grade_new`); a
    student's entry is joined from them; every answer is graded before the first chunk."""
    table, changed, data, levels = _prepare(problems, source, now)
    scores: list[dict[Any, float]] = [table["scores"].setdefault(level, {}) for level in levels]
    results: list[dict[Any, tuple[float, float, bytes]]] = [
        table["results"].setdefault(level, {}) for level in levels
    ]
    enabled = gc.isenabled()
    gc.disable()
    try:
        if not changed:  # every answer in the table, most often: chunk by chunk
            warm = _graded_part(data, table, results)
            if warm == _NOT_COMMON:
                return None
            if isinstance(warm, tuple):
                return _render_json(table, warm[0], warm[1]), len(warm[0])
        scanned = scan_columns(data, table["problems"])
        if scanned is None:
            return None
        changed = _hash_roster(table, scanned.students, _first_rows(data)) or changed
        keys = _keys(table, scanned)
        new = [set(column).difference(known) for column, known in zip(keys, results, strict=True)]
        if any(new):
            try:
                _grade_new(problems, source, now, table, scanned, keys, new, scores, results)
            except _NotCommon:
                return None
            changed = True
        graded = [list(map(known.__getitem__, column)) for column, known in zip(keys, results, strict=True)]
    finally:
        if enabled:
            gc.enable()
    if changed:
        save_table(problems, table)
    return _render_json(table, scanned.students, graded), len(scanned.students)


def _prepare(problems: Path, source: Path, now: datetime) -> tuple[dict[str, Any], bool, bytes, list[str]]:
    """The table (and whether it is new), the file's bytes, and per problem the name of the
    reveal level one plain attempt is graded at `now` (what the table's answers are kept under)."""
    print_ = fingerprint(problems)
    table = load_table(problems, print_)
    changed = table is None
    if table is None:
        table = _new_table(problems, print_)
    data = source.read_bytes()  # one read, one snapshot: a file changed meanwhile is graded as read
    moment = (now - _EPOCH) // _MICROSECOND
    levels = [
        f"{index}\0{after_due if due is not None and moment > due else base}"
        for index, (base, due, after_due) in enumerate(table["schedule"])
    ]
    return table, changed, data, levels


def _in_one_process(
    problems: Path,
    source: Path,
    now: datetime,
    data: bytes,
    table: dict[str, Any],
    scores: list[dict[Any, float]],
) -> tuple[bytes, int, bool] | None:
    """The gradebook, grading the answers the table does not have; None: not common."""
    if not any(table["requests"]):
        return _in_one_process_by_objects(problems, source, now, data, table, scores)
    scanned = scan_columns(data, table["problems"])
    if scanned is None:
        return None
    hashed = _hash_roster(table, scanned.students, _first_rows(data))
    keys = _keys(table, scanned)
    try:
        columns = [list(map(known.__getitem__, column)) for column, known in zip(keys, scores, strict=True)]
    except KeyError:  # answers not graded before
        new = [set(column).difference(known) for column, known in zip(keys, scores, strict=True)]
        try:
            _grade_new(problems, source, now, table, scanned, keys, new, scores)
        except _NotCommon:
            return None
        columns = [list(map(known.__getitem__, column)) for column, known in zip(keys, scores, strict=True)]
    del keys  # with the raw answers, a fifth of the peak: the rows need only the scores now
    scanned.answers.clear()
    body, formatted = _render(table, scanned.students, columns, complete=False)
    return table["header"] + body, len(scanned.students), formatted or hashed


def _in_one_process_by_objects(
    problems: Path,
    source: Path,
    now: datetime,
    data: bytes,
    table: dict[str, Any],
    scores: list[dict[Any, float]],
) -> tuple[bytes, int, bool] | None:
    """`_in_one_process` for a course without per-student variants: each distinct answers
    object's row cells are found once (`_render_objects`)."""
    lines = cut_lines(data, table["problems"])
    if lines is None:
        return None
    try:
        body, formatted = _render_objects(table, lines, scores, complete=False)
    except KeyError:  # answers not graded before: each line's raw answers, as `scan_columns` cuts them
        students = lines.parts[1::3]
        rows = list(map(lines.answers.__getitem__, lines.parts[2::3]))
        columns: list[list[bytes | None]] = [
            list(map(operator.itemgetter(index), rows)) for index in range(len(scores))
        ]
        del rows
        new = [set(column).difference(known) for column, known in zip(columns, scores, strict=True)]
        try:
            _grade_new(problems, source, now, table, Columns(students, columns), columns, new, scores)
        except _NotCommon:
            return None
        body, formatted = _render_objects(table, lines, scores, complete=False)
    return table["header"] + body, len(lines.parts) // 3, formatted


def _roster(students: Sequence[bytes]) -> bytes:
    return hashlib.sha256(b"\n".join(students)).digest()


def _middle(data: bytes) -> int:
    """Where a file is cut in two for two processes: after the line across its middle (0: not)."""
    middle = data.find(b"\n", len(data) // 2) + 1
    return middle if 0 < middle < len(data) else 0


def _first_rows(data: bytes) -> int:
    """The rows of the first of the two halves `_in_two_processes` cuts a file into (0: none)."""
    middle = _middle(data)
    return data.count(b"\n", 0, middle) if middle else 0


def _hash_roster(table: dict[str, Any], students: Sequence[bytes], first: int) -> bool:
    """Hash the picks of a roster (these students, in this order) the table has not kept, and keep
    them, with its two halves' when `first` rows make the first (as `_in_two_processes` cuts the
    file): a student's picks never change for one salt and spec (`variants`), so a class graded
    again is looked up, not hashed. True when the roster was new."""
    if not any(table["requests"]):
        return False
    rosters: dict[bytes, Any] = table["rosters"]
    roster = _roster(students)
    if _kept_picks(rosters, roster) is not None:
        return False
    # a student's picks of a problem as one int (`int.from_bytes` of a fixed number of bytes:
    # one to one), a small one for small draws: ints are loaded from the table without an
    # allocation each, and a (picks, raw answer) key is hashed without joining bytes
    rosters[roster] = [
        list(map(partial(int.from_bytes, byteorder="big"), _picks(prefix, students, count, choices)))
        for prefix, count, choices in filter(None, table["requests"])
    ]
    if first:  # the halves refer to the whole: each kept once
        rosters[_roster(students[:first])] = (roster, 0, first)
        rosters[_roster(students[first:])] = (roster, first, len(students))
    while len(rosters) > _KEPT_ROSTERS:
        del rosters[next(iter(rosters))]  # the oldest
    return True


def _kept_picks(rosters: dict[bytes, Any], roster: bytes) -> list[list[int]] | None:
    """The picks kept for a roster, per varying problem (a half's from its whole's); None: none."""
    kept = rosters.get(roster)
    if type(kept) is tuple:
        whole, start, stop = kept
        picks = rosters.get(whole)
        return None if type(picks) is not list else [column[start:stop] for column in picks]
    return kept


def _keys(table: dict[str, Any], scanned: Columns) -> list[Sequence[Any]]:
    """Each row's key per problem: its raw answer, or where the problem varies (its picks, its
    raw answer) (KeyError: a roster whose picks `_hash_roster` has not kept)."""
    keys: list[Sequence[Any]] = []
    picks: Iterator[list[int]] = iter(())
    if any(table["requests"]):
        kept = _kept_picks(table["rosters"], _roster(scanned.students))
        if kept is None:
            raise KeyError("roster")
        picks = iter(kept)
    for request, raws in zip(table["requests"], scanned.answers, strict=True):
        keys.append(raws if request is None else list(zip(next(picks), raws, strict=True)))
    return keys


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1) if data else 0


def _kept_part(table: dict[str, Any], rows: tuple[int, int, int]) -> tuple[list[list[int]], bytes] | None:
    """The picks kept for rows `start:stop` of a class of `total` (the newest roster of that
    size, or its half), per varying problem, and the roster they were kept for (what the rows'
    students must hash to); None: none kept."""
    start, stop, total = rows
    rosters: dict[bytes, Any] = table["rosters"]
    wholes = [key for key, kept in rosters.items() if type(kept) is list and kept and len(kept[0]) == total]
    if not wholes:
        return None
    whole = wholes[-1]
    if (start, stop) == (0, total):
        return rosters[whole], whole
    for key, kept in rosters.items():
        if kept == (whole, start, stop):
            return [column[start:stop] for column in rosters[whole]], key
    return None


def _part(
    data: bytes,
    table: dict[str, Any],
    scores: list[dict[Any, float]],
    rows: tuple[int, int, int],
    orders: list[Sequence[str]],
    *,
    complete: bool,
) -> bytes | tuple[bytes, list[bytes], bool]:
    """The gradebook rows of `data` (rows `start:stop` of a file of `total`, `rows`), its
    students and whether a number was formatted (`_Cells`), when every answer is in the table;
    else _NOT_COMMON or _UNKNOWN (an answer, a roster or, with `complete`, a number not kept).

    Read in chunks of lines, each cut, looked up and joined before the next: what a chunk makes
    is freed for the next to reuse, so the process touches a few megabytes besides the file, not
    a column of objects per problem for the whole class (a fresh page costs the kernel a fault)."""
    if not data:
        return _NOT_COMMON
    problems: list[str] = table["problems"]
    cells = _Cells(table, complete=complete)
    lookups = [known.__getitem__ for known in scores]
    tails: dict[bytes, bytes] = {}  # an answers object → its cells (a course without variants)
    plain = not any(table["requests"])
    picks: list[list[int]] = []
    roster = hashlib.sha256()
    if not plain:
        kept = _kept_part(table, rows)
        if kept is None:
            return _UNKNOWN
        picks, expected = kept
    bodies: list[bytes] = []
    students: list[bytes] = []
    start = 0
    try:
        while start < len(data):
            stop = data.find(b"\n", start + _CHUNK_BYTES) + 1 or len(data)
            chunk = data[start:stop]
            start = stop
            if plain:
                lines = cut_lines(chunk, problems, orders)
                if lines is None:
                    return _NOT_COMMON
                for answers in lines.answers.keys() - tails.keys():
                    raws = lines.answers[answers]
                    tails[answers] = cells[
                        tuple(lookup(raw) for lookup, raw in zip(lookups, raws, strict=True))
                    ]
                parts = lines.parts
                ids = parts[1::3]
                parts[2::3] = map(tails.__getitem__, parts[2::3])
                names = _names(table, ids)
                if names is not None:
                    parts[1::3] = names
                bodies.append(b"".join(parts))
            else:
                scanned = scan_columns(chunk, problems, orders)
                if scanned is None:
                    return _NOT_COMMON
                ids = scanned.students
                offset, count = len(students), len(ids)
                kept_picks = iter(picks)
                columns = [
                    list(
                        map(
                            lookup,
                            raws
                            if request is None
                            else zip(next(kept_picks)[offset : offset + count], raws, strict=True),
                        )
                    )
                    for request, raws, lookup in zip(table["requests"], scanned.answers, lookups, strict=True)
                ]
                roster.update(b"\n" + b"\n".join(ids) if students else b"\n".join(ids))
                bodies.append(_rows(table, ids, columns, cells))
            students += ids
    except KeyError:
        return _UNKNOWN
    if len(set(students)) != len(students):  # a student in two chunks returns
        return _NOT_COMMON
    if not plain and (len(students) != rows[1] - rows[0] or roster.digest() != expected):
        return _UNKNOWN  # another class of this size: its picks are not these
    return b"".join(bodies), students, cells.formatted


def _graded_part(
    data: bytes, table: dict[str, Any], results: list[dict[Any, tuple[float, float, bytes]]]
) -> bytes | tuple[list[bytes], list[list[tuple[float, float, bytes]]]]:
    """The students of `data` (a whole file) and each one's kept result per problem, read in
    chunks as `_part` reads them, when every answer is in the table; else _NOT_COMMON or
    _UNKNOWN (an answer or a roster not kept)."""
    if not data:
        return _NOT_COMMON
    problems: list[str] = table["problems"]
    orders = line_orders(data, problems)
    total = _line_count(data)
    picks: list[list[int]] = []
    roster = hashlib.sha256()
    if any(table["requests"]):
        kept = _kept_part(table, (0, total, total))
        if kept is None:
            return _UNKNOWN
        picks, expected = kept
    lookups = [known.__getitem__ for known in results]
    graded: list[list[tuple[float, float, bytes]]] = [[] for _ in results]
    students: list[bytes] = []
    start = 0
    try:
        while start < len(data):
            stop = data.find(b"\n", start + _CHUNK_BYTES) + 1 or len(data)
            scanned = scan_columns(data[start:stop], problems, orders)
            start = stop
            if scanned is None:
                return _NOT_COMMON
            ids = scanned.students
            offset, count = len(students), len(ids)
            kept_picks = iter(picks)
            for request, raws, lookup, column in zip(
                table["requests"], scanned.answers, lookups, graded, strict=True
            ):
                keys = (
                    raws
                    if request is None
                    else zip(next(kept_picks)[offset : offset + count], raws, strict=True)
                )
                column += map(lookup, keys)
            if picks:
                roster.update(b"\n" + b"\n".join(ids) if students else b"\n".join(ids))
            students += ids
    except KeyError:
        return _UNKNOWN
    if len(set(students)) != len(students):  # a student in two chunks returns
        return _NOT_COMMON
    if picks and roster.digest() != expected:
        return _UNKNOWN  # another class of this size: its picks are not these
    return students, graded


def _can_fork() -> bool:
    """Two usable cores and a process that may fork (as `engine.parallel.can_parallelize` and
    `_context` decide, without importing numpy): fork with threads may deadlock the child."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores > 1 and hasattr(os, "fork") and threading.active_count() == 1


def _in_two_processes(
    data: bytes, table: dict[str, Any], scores: list[dict[Any, float]]
) -> bytes | tuple[bytes, int] | None:
    """The gradebook from two halves of the file, the second in a forked child; _NOT_COMMON; or
    None when a half has an answer not in the table (or the child failed): then one process."""
    middle = _middle(data)
    if not middle:
        return None
    total, first_rows = _line_count(data), data.count(b"\n", 0, middle)
    orders = line_orders(data, table["problems"])
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its half's rows down the pipe, then gone without teardown
        os.close(reading)
        code = 1
        try:
            part = _part(data[middle:], table, scores, (first_rows, total, total), orders, complete=True)
            message = part if isinstance(part, bytes) else b"R" + _framed(part[0], b"\n".join(part[1]))
            with os.fdopen(writing, "wb") as stream:
                stream.write(message)
            code = 0
        finally:
            os._exit(code)
    os.close(writing)
    try:
        first = _part(data[:middle], table, scores, (0, first_rows, total), orders, complete=True)
        with os.fdopen(reading, "rb") as stream:
            second = stream.read()
    finally:
        os.waitpid(child, 0)
    if first == _NOT_COMMON or second == _NOT_COMMON:
        return _NOT_COMMON
    if not isinstance(first, tuple) or not second.startswith(b"R"):
        return None
    body, students = _unframed(second[1:])
    their_students = students.split(b"\n")
    if not set(first[1]).isdisjoint(their_students):  # a student in both halves returns
        return _NOT_COMMON
    return table["header"] + first[0] + body, len(first[1]) + len(their_students)


def _framed(first: bytes, second: bytes) -> bytes:
    return len(first).to_bytes(8, "little") + first + second


def _unframed(message: bytes) -> tuple[bytes, bytes]:
    size = int.from_bytes(message[:8], "little")
    return message[8 : 8 + size], message[8 + size :]


def _picks(prefix: bytes, students: Sequence[bytes], count: int, choices: int) -> Iterator[bytes]:
    """Each student's picks as bytes (`variants.uniform_picks`: SHAKE-256 of prefix + id)."""
    base = hashlib.shake_256(prefix)
    shake = type(base)
    size = 8 * count
    if choices & (choices - 1) == 0 and choices <= 256:
        # floor(u·2^b) is the top b bits of the word, the top bits of its last (little-endian)
        # byte: one translate of every 8th byte
        bits = choices.bit_length() - 1
        top = bytes(byte >> (8 - bits) if bits else 0 for byte in range(256))
        every_eighth = operator.itemgetter(slice(7, None, 8))
    for start in range(0, len(students), _HASH_BATCH):
        batch = students[start : start + _HASH_BATCH]
        states = list(map(shake.copy, repeat(base, len(batch))))
        deque(map(shake.update, states, batch), maxlen=0)
        digests = map(shake.digest, states, repeat(size))
        if choices & (choices - 1) == 0 and choices <= 256:
            yield from map(bytes.translate, map(every_eighth, digests), repeat(top))
        else:
            yield from map(_exact_picks, digests, repeat(count), repeat(choices))


def _exact_picks(digest: bytes, count: int, choices: int) -> bytes:
    """floor(((w >> 11) · 2^-53) · k) for each little-endian word, in float64 as numpy computes it."""
    words = (int.from_bytes(digest[8 * i : 8 * i + 8], "little") >> 11 for i in range(count))
    picks = [math.floor(float(word) * _TWO_TO_MINUS_53 * choices) for word in words]
    if choices <= 256:
        return bytes(picks)
    return b"".join(pick.to_bytes(4, "little") for pick in picks)


def _new_table(problems: Path, print_: str) -> dict[str, Any]:
    """What this module needs of the specs, computed from them (every import here is heavy)."""
    from grader.compare.policy import reveal_level
    from grader.compare.results import Report
    from grader.engine.variants import DERIVATION, pick_request
    from grader.report.formats import render_json
    from grader.report.gradebook import FORMULA_TRIGGERS, GradebookColumns, render_csv_rows
    from grader.spec.loader import load_problems

    loaded = load_problems(problems)
    ids = list(loaded.ids)
    maximum = sum(problem.points for problem in loaded)
    requests: list[tuple[bytes, int, int] | None] = []
    schedule: list[tuple[str, int | None, str]] = []
    for problem in loaded:
        request = pick_request(problem)
        if request is None:
            requests.append(None)
        else:
            prefix = f"{DERIVATION}\0{loaded.course.salt}\0{problem.id}\0".encode()
            requests.append((prefix, request[1], request[2]))
        base = reveal_level(problem, attempts_used=1, now=None)
        if problem.due is None:
            schedule.append((base, None, base))
        else:
            due = (problem.due - _EPOCH) // _MICROSECOND
            after = reveal_level(problem, attempts_used=1, now=problem.due + _MICROSECOND)
            schedule.append((base, due, after))
    header = render_csv_rows(ids, GradebookColumns([], [[] for _ in ids], maximum)).encode()
    # the JSON report of no student, cut where its students go (`_render_json`)
    empty = Report.model_construct(problems=ids, students=[], errors=[], specs=loaded.content_hashes)
    head, tail = render_json(empty).encode().split(b'"students": []')
    return {
        "fingerprint": print_,
        "problems": ids,
        "maximum": maximum,
        "requests": requests,
        "schedule": schedule,
        "header": header,
        "triggers": tuple(FORMULA_TRIGGERS),
        "scores": {},
        "results": {},
        "json": (head + b'"students": [\n', b"\n  ]" + tail),
        "texts": {},
        "rosters": {},
    }


def _grade_new(
    problems: Path,
    source: Path,
    now: datetime,
    table: dict[str, Any],
    scanned: Columns,
    keys: Sequence[Sequence[Any]],
    new: list[set[Any]],
    scores: list[dict[Any, float]],
    results: list[dict[Any, tuple[float, float, bytes]]] | None = None,
) -> None:
    """Grade the keys in `new` with `ClassGrader`, on the first student who has each: keep each
    one's score in `scores` and, given `results`, its score, maximum and JSON (`_render_json`)."""
    import json

    import orjson

    from grader.grading.classes import ClassGrader
    from grader.spec.loader import load_problems
    from grader.submissions.models import SubmissionBlock

    firsts: set[int] = set()
    for column, wanted in zip(keys, new, strict=True):
        if wanted:
            seen: dict[bytes, int] = {}
            for row, key in enumerate(column):
                if key in wanted and key not in seen:
                    seen[key] = row
            firsts.update(seen.values())
    rows = sorted(firsts)
    ids: list[str] = table["problems"]
    answers: list[dict[str, Any]] = []
    try:
        for row in rows:
            answers.append(
                {
                    pid: orjson.loads(raw)
                    for pid, raws in zip(ids, scanned.answers, strict=True)
                    if (raw := raws[row]) is not None
                }
            )
    except orjson.JSONDecodeError:
        raise _NotCommon from None
    students = [scanned.students[row].decode() for row in rows]
    grader = ClassGrader(load_problems(problems), now=now)
    grader.add([SubmissionBlock(str(source), [row + 1 for row in rows], students, answers)])
    book = grader.gradebook_rows()
    for index, graded in enumerate(book.scores):
        known, column = scores[index], keys[index]
        for row, score in zip(rows, graded, strict=True):
            known[column[row]] = score
    if results is not None:
        for row, student in zip(rows, students, strict=True):
            for index, result in enumerate(grader.student_report(student).results):
                shown = json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False)
                # as nested in the report: a result's lines are 8 spaces in (`_render_json`)
                fragment = shown.replace("\n", "\n" + " " * 8).encode()
                results[index][keys[index][row]] = (result.score, result.max_score, fragment)


def _render_json(
    table: dict[str, Any], students: Sequence[bytes], graded: list[list[tuple[float, float, bytes]]]
) -> Iterator[bytes]:
    """The JSON report as `render_json` writes it (json.dumps, indent 2), in chunks: each student's
    entry joined from its results' JSON, kept per key, and its totals, joined per distinct
    combination of scores and maxima."""
    import json

    score, maximum, shown = operator.itemgetter(0), operator.itemgetter(1), operator.itemgetter(2)

    class Middles(dict[tuple[float, ...], bytes]):
        """A row's scores and maxima → its entry from after the id to its first result."""

        def __missing__(self, numbers: tuple[float, ...]) -> bytes:
            half = len(numbers) // 2
            total, most = round(sum(numbers[:half]), 6), sum(numbers[half:])
            text = f'",\n      "score": {json.dumps(total)},\n      "max_score": {json.dumps(most)},\n'
            joined = self[numbers] = (text + '      "results": [\n        ').encode()
            return joined

    middles = Middles()
    opening, between, closing = b'    {\n      "student": "', b",\n        ", b"\n      ]\n    },\n"
    yield table["json"][0]
    for start in range(0, len(students), _JSON_CHUNK):
        stop = start + _JSON_CHUNK
        rows = [column[start:stop] for column in graded]
        totals = [*(map(score, column) for column in rows), *(map(maximum, column) for column in rows)]
        parts: list[Any] = [
            repeat(opening),
            students[start:stop],
            map(middles.__getitem__, zip(*totals, strict=True)),
        ]
        for index, column in enumerate(rows):
            if index:
                parts.append(repeat(between))
            parts.append(map(shown, column))
        parts.append(repeat(closing))
        pieces = list(chain.from_iterable(zip(*parts, strict=False)))
        if stop >= len(students):
            pieces[-1] = closing[:-2]  # no comma after the last student
        yield b"".join(pieces)
    yield table["json"][1]


class _Cells(dict[tuple[float, ...], bytes]):
    """A row's scores → its cells after the name (as `render_csv_rows` writes them), each
    distinct combination joined once; numbers formatted as the table keeps them (`complete`:
    KeyError for one it has not kept; else it is formatted and kept, and `formatted` set)."""

    def __init__(self, table: dict[str, Any], *, complete: bool) -> None:
        super().__init__()
        self.texts: dict[float, str] = table["texts"]
        self.maximum: float = table["maximum"]
        self.complete = complete
        self.formatted = False

    def text(self, value: float) -> str:
        shown = self.texts.get(value)
        if shown is None:
            if self.complete:
                raise KeyError(value)
            from grader.report.numbers import format_number

            shown = self.texts[value] = format_number(round(value, 6))
            self.formatted = True
        return shown

    def __missing__(self, scores: tuple[float, ...]) -> bytes:
        cells = ["", *map(self.text, scores), self.text(round(sum(scores), 6)), self.text(self.maximum)]
        joined = self[scores] = (",".join(cells) + "\n").encode()
        return joined


def _names(table: dict[str, Any], students: Sequence[bytes]) -> Sequence[bytes] | None:
    """The students' names as the CSV writes them when some starts like a formula (prefixed
    with a quote, `gradebook.neutralise`); None when none does (most classes: one look at every
    name's first byte)."""
    triggers = tuple(trigger.encode() for trigger in table["triggers"])
    firsts = bytes(map(operator.itemgetter(0), students))  # an id is never empty
    if not any(trigger[:1] in firsts for trigger in triggers):
        return None
    return [b"'" + name if name.startswith(triggers) else name for name in students]


def _render(
    table: dict[str, Any], students: Sequence[bytes], columns: list[list[float]], *, complete: bool
) -> tuple[bytes, bool]:
    """The CSV rows as UTF-8 (as `render_csv_rows` writes them: no id here needs quoting) and
    whether a number was formatted that the table had not kept (`complete`: KeyError instead)."""
    cells = _Cells(table, complete=complete)
    return _rows(table, students, columns, cells), cells.formatted


def _rows(
    table: dict[str, Any], students: Sequence[bytes], columns: list[list[float]], cells: _Cells
) -> bytes:
    """The CSV rows of these students and their scores per problem, each row's cells from `cells`."""
    names = _names(table, students) or students
    rows = zip(*columns, strict=True) if columns else repeat((), len(names))
    tails = map(cells.__getitem__, rows)
    return b"".join(chain.from_iterable(zip(names, tails, strict=False)))


def _render_objects(
    table: dict[str, Any], lines: CutLines, scores: list[dict[Any, float]], *, complete: bool
) -> tuple[bytes, bool]:
    """`_render` of lines cut at their answers objects: each distinct object's cells found once
    (KeyError: an answer not graded before), then every line's object replaced by its cells in
    `lines.parts`, whose join is the rows."""
    cells = _Cells(table, complete=complete)
    lookups = [known.__getitem__ for known in scores]
    tails = {
        answers: cells[tuple(lookup(raw) for lookup, raw in zip(lookups, raws, strict=True))]
        for answers, raws in lines.answers.items()
    }
    parts = lines.parts
    parts[2::3] = map(tails.__getitem__, parts[2::3])
    names = _names(table, parts[1::3])
    if names is not None:
        parts[1::3] = names
    return b"".join(parts), cells.formatted
