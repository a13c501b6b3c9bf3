"""A class's CSV gradebook from a JSONL export, column by column, when every line is common.

`ClassGrader` builds a cell per student and problem; a class of 100,000 typed a few hundred
distinct answers per problem. Here (issue 15) the file is cut into columns of raw bytes by one
regular-expression pass (`submissions.scan`); each row's key for a problem is its raw answer
(prefixed, for per-student variants, with the student's picks: the bytes that decide the
variant's inputs, hashed by the pinned SHAKE-256 derivation with its prefix hashed once); each
distinct key is graded once, and every per-row step is a C-level call (`map`, `translate`, dict
look-ups, joins).

Nothing here decides a grade. A key not graded before is graded by `ClassGrader` itself, on the
first student who has it (that student's own line, as `blocks.read_jsonl_blocks` reads it), so
every score is the general path's; scores are kept per problem and reveal level (the level one
plain attempt is graded at, from `now` and the due date) in a table cached between runs
(`engine.keycache`), with the spec-derived settings this module needs, so that a run whose
answers were all graded before loads no spec, imports neither numpy nor pydantic and computes no
key. A file with any other line, a returning student, or a raw value that is not JSON gives None:
the caller grades it the general way, so results never depend on this path.
"""

from __future__ import annotations

import hashlib
import math
import operator
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import repeat
from pathlib import Path
from typing import Any

from grader.engine.keycache import fingerprint, load_table, save_table
from grader.submissions.scan import ScannedClass, scan_jsonl

__all__ = ["columnar_gradebook"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
_TWO_TO_MINUS_53 = 2.0**-53
#: students hashed per batch: their SHAKE-256 states are alive together
_HASH_BATCH = 4096


class _NotCommon(Exception):
    """The file is not graded here after all (a raw value that is not JSON)."""


def columnar_gradebook(problems: Path, source: Path, *, now: datetime) -> tuple[str, int] | None:
    """The CSV gradebook of `source` (a JSONL export) and its number of students, exactly as
    `ClassGrader.gradebook_rows` and `render_csv_rows` write it; None when the file needs the
    general reader."""
    print_ = fingerprint(problems)
    table = load_table(problems, print_)
    changed = table is None
    if table is None:
        table = _new_table(problems, print_)
    ids: list[str] = table["problems"]
    scanned = scan_jsonl(source, ids)
    if scanned is None:
        return None
    moment = (now - _EPOCH) // _MICROSECOND
    keys: list[list[bytes]] = []
    scores: list[dict[bytes, float]] = []
    for index, raws in enumerate(scanned.answers):
        request = table["requests"][index]
        if request is None:
            keys.append(raws)
        else:
            prefix, count, choices = request
            keys.append(list(map(bytes.__add__, _picks(prefix, scanned.students, count, choices), raws)))
        base, due, after_due = table["schedule"][index]
        level = after_due if due is not None and moment > due else base
        scores.append(table["scores"].setdefault(f"{index}\0{level}", {}))
    new = [set(column).difference(known) for column, known in zip(keys, scores, strict=True)]
    if any(new):
        try:
            _grade_new(problems, source, now, table, scanned, keys, new, scores)
        except _NotCommon:
            return None
        changed = True
    columns = [list(map(known.__getitem__, column)) for column, known in zip(keys, scores, strict=True)]
    text, formatted = _render(table, scanned.students, columns)
    if formatted or changed:
        save_table(problems, table)
    return text, len(scanned.students)


def _picks(prefix: bytes, students: list[bytes], count: int, choices: int) -> Iterator[bytes]:
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
    return bytes(picks) if choices <= 256 else repr(picks).encode()


def _new_table(problems: Path, print_: str) -> dict[str, Any]:
    """What this module needs of the specs, computed from them (every import here is heavy)."""
    from grader.compare.policy import reveal_level
    from grader.engine.variants import DERIVATION, pick_request
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
    header = render_csv_rows(ids, GradebookColumns([], [[] for _ in ids], maximum))
    return {
        "fingerprint": print_,
        "problems": ids,
        "maximum": maximum,
        "requests": requests,
        "schedule": schedule,
        "header": header,
        "triggers": tuple(FORMULA_TRIGGERS),
        "scores": {},
        "texts": {},
    }


def _grade_new(
    problems: Path,
    source: Path,
    now: datetime,
    table: dict[str, Any],
    scanned: ScannedClass,
    keys: list[list[bytes]],
    new: list[set[bytes]],
    scores: list[dict[bytes, float]],
) -> None:
    """Grade the keys in `new` with `ClassGrader`, on the first student who has each."""
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
                    pid: orjson.loads(raws[row])
                    for pid, raws in zip(ids, scanned.answers, strict=True)
                    if raws[row]
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


def _render(table: dict[str, Any], students: list[bytes], columns: list[list[float]]) -> tuple[str, bool]:
    """The CSV text (as `render_csv_rows` writes it: no id here needs quoting) and whether a
    number was formatted that the table had not kept."""
    texts: dict[float, str] = table["texts"]
    maximum: float = table["maximum"]
    formatted = False

    def text(value: float) -> str:
        nonlocal formatted
        shown = texts.get(value)
        if shown is None:
            from grader.report.numbers import format_number

            shown = texts[value] = format_number(round(value, 6))
            formatted = True
        return shown

    class Tails(dict[tuple[float, ...], str]):
        """A row's scores → its cells after the name: each distinct combination joined once."""

        def __missing__(self, scores: tuple[float, ...]) -> str:
            cells = [*map(text, scores), text(round(sum(scores), 6)), text(maximum)]
            joined = self[scores] = ",".join(cells)
            return joined

    names = list(map(bytes.decode, students))
    triggers = table["triggers"]
    if any(map(str.startswith, names, repeat(triggers))):
        names = ["'" + name if name.startswith(triggers) else name for name in names]
    tails = map(Tails().__getitem__, zip(*columns, strict=True) if columns else repeat((), len(names)))
    body = "\n".join(map(",".join, zip(names, tails, strict=False)))
    return table["header"] + body + ("\n" if body else ""), formatted
