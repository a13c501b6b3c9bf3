"""JSONL read in blocks, for grading a whole class: the common lines kept as parsed data.

`rows.read_jsonl` turns every line into a Submission and its Attempts; for 100,000 students that
is most of what grading them costs. Here runs of consecutive lines of the common form (a student
and one untimed answer per problem, no attempt lists) are gathered into a `SubmissionBlock` of up
to BLOCK_SIZE lines, which `grading.ClassGrader` grades column by column; any other line ends the
run and is yielded as `read_jsonl` would (a Submission, or the SubmissionError that names its
line), so the order of a student's attempts is kept and every message is the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice, repeat
from pathlib import Path

import orjson

from grader.documents import MAX_DEPTH
from grader.errors import SubmissionError
from grader.submissions.models import Submission, SubmissionBlock
from grader.submissions.rows import BLANK, open_jsonl, parse_line, submission_of

__all__ = ["BLOCK_SIZE", "read_jsonl_blocks"]

#: Lines per block: enough to vectorize, few enough that memory stays flat.
BLOCK_SIZE = 4096
#: Most "[" a common line may have: its two objects are two levels of the MAX_DEPTH allowed, so a
#: line with more may nest too deeply and is read the general way (`rows.refuse_deep_nesting`).
_MAX_LISTS = MAX_DEPTH - 2


def read_jsonl_blocks(path: Path) -> Iterator[SubmissionBlock | Submission | SubmissionError]:
    """The lines of a JSONL export: blocks of the common lines, the others one by one, in order."""
    stream = open_jsonl(path)
    if isinstance(stream, SubmissionError):
        yield stream
        return
    file = str(path)
    number = 0
    with stream:
        while raws := list(islice(stream, BLOCK_SIZE)):
            block = _whole_block(raws, file, number + 1)
            if block is not None:
                yield block
            else:
                yield from _line_by_line(raws, file, number + 1)
            number += len(raws)


def _whole_block(raws: list[bytes], file: str, first: int) -> SubmissionBlock | None:
    """`raws` as one block when every line has the common form (checked column-wise), else None."""
    count = len(raws)
    # no "{" but each line's two objects' own: no attempt list of {answer, at} anywhere
    if sum(map(bytes.count, raws, repeat(b"{"))) != 2 * count:
        return None
    if max(map(bytes.count, raws, repeat(b"["))) > _MAX_LISTS:  # maybe nested too deeply: see each line
        return None
    loads = orjson.loads
    try:
        parsed = [loads(raw) for raw in raws]  # a blank or bad line: read line by line instead
        students = [data["student"] for data in parsed]
        answers = [data["answers"] for data in parsed]
    except (orjson.JSONDecodeError, KeyError, TypeError, IndexError):
        return None
    if (
        sum(map(len, parsed)) != 2 * count  # each has student and answers, so exactly those
        or set(map(type, students)) != {str}
        or set(map(type, answers)) != {dict}
        or list(map(str.strip, students)) != students
        or min(map(len, students)) == 0
    ):
        return None
    return SubmissionBlock(file, list(range(first, first + count)), students, answers)


def _line_by_line(
    raws: list[bytes], file: str, first: int
) -> Iterator[SubmissionBlock | Submission | SubmissionError]:
    """Lines one at a time: runs of common ones still as blocks, the others as `read_jsonl` reads them."""
    lines: list[int] = []
    students: list[str] = []
    answers: list[dict[str, object]] = []
    for number, raw in enumerate(raws, start=first):
        try:
            data = parse_line(raw, file, number)
        except SubmissionError as error:
            if lines:
                yield SubmissionBlock(file, lines, students, answers)
                lines, students, answers = [], [], []
            yield error
            continue
        if data is BLANK:
            continue
        # the common form: exactly {student, answers}, and no "{" but the two objects' own
        # (so no attempt list of {answer, at}); anything else is read the general way
        if type(data) is dict and len(data) == 2 and raw.count(b"{") == 2 and raw.count(b"[") <= _MAX_LISTS:
            student = data.get("student")
            given = data.get("answers")
            if type(student) is str and type(given) is dict and student and student.strip() == student:
                lines.append(number)
                students.append(student)
                answers.append(given)
                continue
        if lines:
            yield SubmissionBlock(file, lines, students, answers)
            lines, students, answers = [], [], []
        yield submission_of(data, raw, file, number)
    if lines:
        yield SubmissionBlock(file, lines, students, answers)
