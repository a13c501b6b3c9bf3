"""The gradebook written from columns is, byte for byte, the one written row by row."""

from __future__ import annotations

import pytest

from grader.report.gradebook import GradebookColumns, render_csv_rows

STUDENTS = [
    "ana",
    "=HYPERLINK(\"http://x\")",
    "doe, jane",
    'say "hi"',
    "two\nlines",
    "carriage\rreturn",
    "-1",
    "@home",
    "\ttab",
    "ünïcode",
]


@pytest.mark.parametrize("problems", [["p1", "p2", "p3"], []])
def test_columns_and_rows_give_the_same_csv(problems):
    scores = [[(i * (p + 1) % 4) / 3 for i in range(len(STUDENTS))] for p in range(len(problems))]
    gradebook = GradebookColumns(list(STUDENTS), scores, float(len(problems)))
    rows = list(gradebook)
    assert [row[0] for row in rows] == STUDENTS
    assert render_csv_rows(problems, gradebook) == render_csv_rows(problems, iter(rows))


def test_rows_of_columns():
    gradebook = GradebookColumns(["a", "b"], [[1.0, 0.5], [1 / 3, 0.0]], 2.0)
    assert list(gradebook) == [("a", [1.0, 1 / 3], 1.333333, 2.0), ("b", [0.5, 0.0], 0.5, 2.0)]


@pytest.mark.parametrize("others", [["plain"], ["needs, quoting"]])
def test_a_nul_in_a_name_is_written_as_the_replacement_character(others):
    gradebook = GradebookColumns(["a\0b", *others], [[1.0, 0.0]], 1.0)
    for written in (render_csv_rows(["p1"], gradebook), render_csv_rows(["p1"], iter(list(gradebook)))):
        assert written.splitlines()[1] == "a\ufffdb,1,1,1"
