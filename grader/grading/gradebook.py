"""The gradebook's columns: per problem, one cell, one answer identity and one variant id per
student row, and the read-outs that need no grading (the attempts per row, a column of scores).

`ClassGrader` fills them as submissions stream in and decides what a cell's result is; this module
only holds them, so a class of 100,000 is a few lists per problem rather than an object per student.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any, NamedTuple, Union

from grader.compare.attempts import AttemptTally
from grader.compare.results import ProblemResult

__all__ = ["PENDING", "AttemptColumns", "AttemptHistory", "Cell", "Gradebook"]


class AttemptHistory(NamedTuple):
    """One student's attempts at one problem, as graded at its base reveal level."""

    variant: int
    #: (result, answer identity, time) per attempt, in the order they arrived
    attempts: tuple[tuple[ProblemResult, Hashable, datetime | None], ...]
    #: valid, accepted attempts within `max_attempts` (the fold's count)
    used: int


class AttemptColumns(NamedTuple):
    """Every student's attempts at one problem, by row (`ClassGrader.attempt_columns`)."""

    #: each row's variant id (0 for every row of a problem without variants)
    variants: list[int]
    #: a row's one untimed attempt as graded (None: no attempt, or one of `tallied`)
    plain: list[ProblemResult | None]
    #: the identity of that attempt's answer (`answer_identity`; None where `plain` is)
    answers: list[Hashable | None]
    #: the rows with several or timed attempts
    tallied: dict[int, AttemptHistory]


#: A gradebook cell: nothing yet, one plain attempt (its result at the base reveal level; the
#: answer's identity is kept beside it, in `Gradebook.answers`), or a tally once a student has
#: several attempts or timed ones.
Cell = Union[None, ProblemResult, AttemptTally]
#: A cell whose answer is being graded with the rest of its chunk (never seen outside a fold).
PENDING: Any = ("pending",)


class Gradebook:
    """Students by row, in the order they first appeared, and per problem (by index) a column of
    cells, of plain answers' identities, and of variant ids (None for a problem whose inputs do
    not vary: everyone has variant 0). Columns grow together, one entry per row."""

    def __init__(self, varies: list[bool]) -> None:
        #: student → row
        self.rows: dict[str, int] = {}
        #: row → student
        self.students: list[str] = []
        self.cells: list[list[Cell]] = [[] for _ in varies]
        #: per problem and row, the identity of a plain cell's answer (None for the other cells)
        self.answers: list[list[Hashable | None]] = [[] for _ in varies]
        #: variant id per student row, for problems whose inputs vary (None: everyone has variant 0)
        self.variants: list[list[int] | None] = [[] if each else None for each in varies]

    def new_row(self, student: str) -> int:
        """A row for a student not seen before."""
        row = self.rows[student] = len(self.students)
        self.students.append(student)
        return row

    def new_rows(self, students: list[str]) -> None:
        """Rows for distinct students not seen before, in order."""
        start = len(self.students)
        self.rows.update(zip(students, range(start, start + len(students)), strict=False))
        self.students.extend(students)

    def leave_empty(self, count: int) -> None:
        """Empty cells (no answer yet) for the last `count` new rows, in every problem."""
        for columns in (self.cells, self.answers):
            for column in columns:
                column.extend([None] * count)

    def variant(self, index: int, row: int) -> int:
        """A row's variant id of problem `index`."""
        variants = self.variants[index]
        return 0 if variants is None else variants[row]

    def attempt_columns(self, index: int) -> AttemptColumns:
        """Every row's attempts at problem `index`: plain results, identities and tallies."""
        cells, variants = self.cells[index], self.variants[index]
        plain_type = ProblemResult
        plain = [cell if type(cell) is plain_type else None for cell in cells]
        tallied = {
            row: AttemptHistory(0 if variants is None else variants[row], cell.recorded, cell.used)
            for row, cell in enumerate(cells)
            if isinstance(cell, AttemptTally)
        }
        rows = [0] * len(cells) if variants is None else list(variants)
        return AttemptColumns(rows, plain, list(self.answers[index]), tallied)

    def __len__(self) -> int:
        return len(self.students)
