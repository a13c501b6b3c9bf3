"""A CSV export read in blocks, for grading a whole class: its rows gathered into column form.

`rows.read_csv` turns every row (`student,problem,answer[,submitted_at]`) into a Submission and
its Attempt; a class exports one row per student and problem, 290,000 rows for 100,000 students,
and building those was most of what grading them cost. Here consecutive rows of the common form
(a student, a problem, an answer, no time) are gathered into a `SubmissionBlock`, one entry per
run of a student's rows, which `grading.ClassGrader` grades column by column, as it grades a JSONL
export's blocks; any other row (a time, a blank or short row, an empty student, an Open edX
report) ends the block and is yielded as `read_csv` yields it, in its place, so every message,
line number and grade is the same.

A row joins the entry before it only when it is the same student's, names a problem id the class
has (`problem_ids`) and one the entry does not answer yet: the entry then stands for the same
untimed attempts, in the same order, as those rows; a problem the class does not know is only
ever an entry's first, so the entry's line is the line a message about it names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from grader.errors import SubmissionError
from grader.submissions.blocks import BLOCK_SIZE
from grader.submissions.models import Submission, SubmissionBlock
from grader.submissions.rows import csv_export, csv_row_submission

__all__ = ["read_csv_blocks"]


def read_csv_blocks(
    path: Path, problem_ids: Collection[str] = ()
) -> Iterator[SubmissionBlock | Submission | SubmissionError]:
    """The rows of a CSV export: blocks of the common rows, the others one by one, in order."""
    export = csv_export(path)
    if not isinstance(export, tuple):  # empty, a bad header, or Open edX's report: row by row
        yield from export
        return
    names, rows = export
    file = str(path)
    known = frozenset(problem_ids)
    width = len(names)
    timed = width == 4
    lines: list[int] = []
    students: list[str] = []
    answers: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    student = ""
    for item in rows:
        general: Submission | SubmissionError
        if not isinstance(item, SubmissionError):
            line, row = item
            if len(row) == width and not (timed and row[3]):
                name, problem = row[0].strip(), row[1].strip()
                if name and problem:
                    if name == student and problem in known and problem not in current:
                        current[problem] = row[2]
                        continue
                    if len(lines) == BLOCK_SIZE:
                        yield SubmissionBlock(file, lines, students, answers)
                        lines, students, answers = [], [], []
                    student = name
                    current = {problem: row[2]}
                    lines.append(line)
                    students.append(name)
                    answers.append(current)
                    continue
            found = csv_row_submission(names, row, file, line)
            if found is None:  # a blank row: nothing, as `read_csv` reads it
                continue
            general = found
        else:
            general = item
        # any other row ends the block: it is yielded in its place, and no later row joins an
        # entry from before it
        if lines:
            yield SubmissionBlock(file, lines, students, answers)
            lines, students, answers = [], [], []
        student, current = "", {}
        yield general
    if lines:
        yield SubmissionBlock(file, lines, students, answers)
