"""A CSV export read in blocks and graded column by column gives, byte for byte, the gradebook,
JSON report and messages of reading it row by row, whatever the rows hold and wherever blocks
and chunks end."""

from __future__ import annotations

import codecs
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import grader.grading as grading
import grader.submissions.csv_blocks as csv_blocks
from grader.grading import ClassGrader
from grader.report import ROW_FORMATS, render
from grader.spec.loader import ProblemSet
from grader.submissions.formats import read_submissions
from grader.submissions.models import SubmissionBlock

NOW = datetime(2023, 3, 29, 12, tzinfo=timezone.utc)
HEADER = "student,problem,answer,submitted_at"

#: A student's rows of the common form: one problem each, no time.
COMMON = [
    ['"[0, 0, 1, -1, 1, 0]"', "lstm-states-1"],
    ['"1, -1, 0, 1, -1"', "lstm-states-2"],
    ['"c, d"', "lstm-info"],
    ['"[0, 0, 1,, 1]"', "lstm-states-1"],
    ["c", "lstm-info"],
    ["", "lstm-states-2"],
]
#: Rows that are not of the common form, or end a student's run of rows, each for a reason.
ODD = [
    'ana,lstm-states-1,"[0, 0, 1, 1, 1, 0]",',  # a student seen before, not just now
    'fay,lstm-states-2,"[1, -1, 0, 1, -1]",2023-03-20T10:00:00+00:00',  # a time
    "gus,no-such-problem,1,",  # an unknown problem
    'hal,LSTM states 2,"[1, -1, 0, 1, -1]",',  # a problem named by its title
    " ida ,lstm-info,c,",  # an id to strip
    ",lstm-info,c,",  # no student: an error
    "jo,,c,",  # no problem: an error
    "kim,lstm-info,c",  # a column short: an error
    "lee,lstm-info,c,,extra",  # a column too many: an error
    "",  # a blank line
    'max,lstm-info,"c,\nd",',  # a cell over two lines
    "ñu,lstm-info,b,",  # a non-ASCII id
    "oz,lstm-info,b,yesterday",  # a time that does not parse: an error
    "ana,lstm-info,a,",  # ana again
    "ana,no-such-problem,2,",  # an unknown problem, maybe right after ana's rows
]


def grade(path: Path, problems: ProblemSet, *, use_blocks: bool) -> tuple[str, str, list[str]]:
    """The JSON report, the CSV gradebook and the messages of grading `path`."""
    grader = ClassGrader(problems, now=NOW)
    if use_blocks:
        grader.add(read_submissions(path, blocks=True, problem_ids=problems.ids))
    else:
        grader.add(read_submissions(path))
    gradebook = ROW_FORMATS["csv"](problems.ids, grader.gradebook_rows())
    return render(grader.report(), "json"), gradebook, [str(issue) for issue in grader.issues()]


def student_rows(student: str, picks: list[int]) -> list[str]:
    """`student`'s rows: COMMON[pick] each, in order."""
    return [f"{student},{COMMON[pick][1]},{COMMON[pick][0]}," for pick in picks]


def write(path: Path, rows: list[str], *, newline: str = "\n", bom: bool = False) -> Path:
    text = newline.join([HEADER, *rows]) + newline
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    return path


def a_class(count: int, offset: int = 0) -> list[str]:
    rows = []
    for index in range(count):
        rows += student_rows(
            f"s{index + offset}", [index % 3, (index + 1) % 3, 3 + index % 3][: 1 + index % 3]
        )
    return rows


@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 4096])
@pytest.mark.parametrize("chunk_size", [1, 5, 4096])
def test_blocks_grade_as_rows_do(
    problems: ProblemSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_size: int, chunk_size: int
) -> None:
    rows = a_class(12) + student_rows("ana", [0, 1]) + ODD + a_class(9, offset=100) + ODD[:3]
    path = write(tmp_path / "class.csv", rows)
    expected = grade(path, problems, use_blocks=False)
    monkeypatch.setattr(csv_blocks, "BLOCK_SIZE", block_size)
    monkeypatch.setattr(grading, "CHUNK_SIZE", chunk_size)
    assert grade(path, problems, use_blocks=True) == expected


def test_a_students_consecutive_rows_are_one_entry(problems: ProblemSet, tmp_path: Path) -> None:
    rows = [
        *student_rows("ana", [0, 1, 2]),
        *student_rows("ben", [0, 3]),  # lstm-states-1 twice: the second starts another entry
        "cy,no-such-problem,1,",
        *student_rows("cy", [2]),  # an unknown problem is only ever an entry's first
    ]
    path = write(tmp_path / "class.csv", rows)
    (block,) = read_submissions(path, blocks=True, problem_ids=problems.ids)
    assert isinstance(block, SubmissionBlock)
    assert block.students == ["ana", "ben", "ben", "cy"]
    assert block.lines == [2, 5, 6, 7]
    assert [sorted(answers) for answers in block.answers] == [
        ["lstm-info", "lstm-states-1", "lstm-states-2"],
        ["lstm-states-1"],
        ["lstm-states-1"],
        ["lstm-info", "no-such-problem"],
    ]


def test_an_odd_row_splits_a_block_and_keeps_its_place(problems: ProblemSet, tmp_path: Path) -> None:
    path = write(tmp_path / "class.csv", [*a_class(2), "kim,lstm-info,c", *a_class(2, offset=5)])
    items = read_submissions(path, blocks=True, problem_ids=problems.ids)
    assert [type(item).__name__ for item in items] == [
        "SubmissionBlock",
        "SubmissionError",
        "SubmissionBlock",
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_byte_order_mark_and_crlf_grade_as_rows_do(
    problems: ProblemSet, tmp_path: Path, newline: str
) -> None:
    path = write(tmp_path / "class.csv", a_class(5) + ODD, newline=newline, bom=True)
    assert grade(path, problems, use_blocks=True) == grade(path, problems, use_blocks=False)


def test_bytes_that_are_not_utf8_end_the_file_as_row_by_row(problems: ProblemSet, tmp_path: Path) -> None:
    path = write(tmp_path / "class.csv", a_class(4))
    path.write_bytes(path.read_bytes() + b"zed,lstm-info,\xff\xfe,\n" + "\n".join(a_class(2, 50)).encode())
    graded = grade(path, problems, use_blocks=True)
    assert graded == grade(path, problems, use_blocks=False)
    assert any("not UTF-8 text" in message for message in graded[2])


@pytest.mark.parametrize(
    "header", ["student,problem,answer", "student,problem", "username,title,block_key,state", ""]
)
def test_other_headers_are_read_as_rows_are(problems: ProblemSet, tmp_path: Path, header: str) -> None:
    path = tmp_path / "class.csv"
    path.write_text(header + "\nana,lstm-info,c\n" if header else "", encoding="utf-8")
    assert grade(path, problems, use_blocks=True) == grade(path, problems, use_blocks=False)


ROW = st.one_of(
    st.sampled_from(ODD),
    st.builds(
        student_rows,
        st.sampled_from(["ana", "ben", "s1", "ñu"]),
        st.lists(st.integers(0, len(COMMON) - 1), min_size=1, max_size=4),
    ).map("\n".join),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(ROW, max_size=20),
    block_size=st.integers(1, 6),
    chunk_size=st.integers(1, 6),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_any_mix_of_rows_grades_the_same_in_blocks(
    problems: ProblemSet, tmp_path: Path, rows: list[str], block_size: int, chunk_size: int, newline: str
) -> None:
    path = write(tmp_path / "mix.csv", rows, newline=newline)
    expected = grade(path, problems, use_blocks=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_blocks, "BLOCK_SIZE", block_size)
        patch.setattr(grading, "CHUNK_SIZE", chunk_size)
        assert grade(path, problems, use_blocks=True) == expected
