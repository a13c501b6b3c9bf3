"""The CSV gradebook: a row per student, a column per problem, the total; safe to open in a spreadsheet.

A cell that starts with =, +, -, @, a tab or a carriage return would be run as a formula by
Excel, LibreOffice or Google Sheets (CSV injection). Per OWASP's advice such text cells are
neutralised by prefixing a single quote, and every cell is quoted where CSV needs it. Scores are
written as plain numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat

from grader.compare.results import Report
from grader.report.numbers import format_number

__all__ = [
    "FORMULA_TRIGGERS",
    "GradebookColumns",
    "GradebookRow",
    "neutralise",
    "render_csv",
    "render_csv_rows",
]

#: (student, score per problem, total, maximum): all a gradebook needs of a student.
GradebookRow = tuple[str, list[float], float, float]


@dataclass(frozen=True)
class GradebookColumns:
    """A whole gradebook by columns: student ids, each problem's scores in student order, the maximum.

    Iterating gives its rows (`GradebookRow`); `render_csv_rows` writes it column by column,
    without a row object per student (what a gradebook of a large class is written from).
    """

    students: list[str]
    scores: list[list[float]]  # one list per problem, in student order
    maximum: float

    def _rows(self) -> Iterable[tuple[float, ...]]:
        return zip(*self.scores, strict=True) if self.scores else repeat((), len(self.students))

    def totals(self) -> list[float]:
        """Each student's total, rounded to 6 decimals as the reports show it."""
        return list(map(round, map(sum, self._rows()), repeat(6)))

    def __iter__(self) -> Iterator[GradebookRow]:
        for student, row, total in zip(self.students, self._rows(), self.totals(), strict=True):
            yield student, list(row), total, self.maximum

#: First characters that make a spreadsheet treat a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that a spreadsheet shows as typed: a leading formula trigger is escaped with a quote."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _number(value: float) -> str:
    return format_number(round(value, 6))


def render_csv(report: Report) -> str:
    """student,<problem ids…>,total,max_score; one row per student, in report order."""
    rows = (
        (student.student, [result.score for result in student.results], student.score, student.max_score)
        for student in report.students
    )
    return render_csv_rows(report.problems, rows)


def render_csv_rows(problems: list[str], students: Iterable[GradebookRow]) -> str:
    """The gradebook from plain rows (`grading.ClassGrader.gradebook_rows`), no report objects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(name) for name in ("student", *problems, "total", "max_score")])
    shown = _Formatted()  # a class has few distinct scores: format each once
    triggers = FORMULA_TRIGGERS
    if isinstance(students, GradebookColumns):
        # column by column, each cell's text by a C-level map, then the rows in one go
        names = ["'" + student if student.startswith(triggers) else student for student in students.students]
        joined = "".join(names)
        if "\0" in joined:  # the csv module of Python 3.10 cannot write NUL
            names = [name.replace("\0", _NUL_SHOWN) for name in names]
        text = shown.__getitem__
        columns = [list(map(text, column)) for column in students.scores]
        totals = list(map(text, students.totals()))
        rows = zip(names, *columns, totals, repeat(text(students.maximum), len(names)), strict=False)
        if _needs_quoting(joined, names):
            writer.writerows(rows)
            return buffer.getvalue()
        # numbers never need quoting: with no name that does, rows are plain comma joins
        body = "\n".join(map(",".join, rows))
        return buffer.getvalue() + body + ("\n" if body else "")
    writer.writerows(
        [
            ("'" + student if student.startswith(triggers) else student).replace("\0", _NUL_SHOWN),
            *[shown[score] for score in scores],
            shown[total],
            shown[maximum],
        ]
        for student, scores, total, maximum in students
    )
    return buffer.getvalue()


#: What a NUL in a name is written as (U+FFFD, the replacement character).
_NUL_SHOWN = "\ufffd"


def _needs_quoting(joined: str, names: list[str]) -> bool:
    """True when some name has a character the csv module would quote (QUOTE_MINIMAL); `joined`
    is the names run together."""
    return any(special in joined for special in (",", '"', "\r", "\n")) or "" in names


class _Formatted(dict[float, str]):
    """Scores as the gradebook writes them, each formatted on first use."""

    def __missing__(self, value: float) -> str:
        text = self[value] = _number(value)
        return text
