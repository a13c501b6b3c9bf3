"""Class-wide exports: JSONL, CSV and Open edX reports, bad rows named by file and line, streamed."""

from __future__ import annotations

import csv
import json
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import pytest

from grader.errors import SubmissionError, UsageError
from grader.submissions.formats import READERS, read_submissions
from grader.submissions.models import Submission, SubmissionBlock


def items(path: Path) -> list[Submission | SubmissionError]:
    return list(read_submissions(path))


def described(item: Submission | SubmissionError) -> object:
    if isinstance(item, SubmissionError):
        return str(item)
    return (
        item.student,
        {pid: [(a.answer, a.submitted_at, a.line) for a in tries] for pid, tries in item.attempts.items()},
    )


UTC = timezone.utc


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '{"student": "ann", "problem": "p", "answer": "[1, 0]"}',
            ("ann", {"p": [("[1, 0]", None, 1)]}),
        ),
        (
            '{"student": 42, "problem": "p", "answer": [1, 0], "submitted_at": "2023-03-20T10:00:00Z"}',
            ("42", {"p": [([1, 0], datetime(2023, 3, 20, 10, tzinfo=UTC), 1)]}),
        ),
        (
            '{"student": "ann", "answers": {"p": "c", "q": [{"answer": "a", "at": "2023-03-20T10:00:00Z"}]}}',
            ("ann", {"p": [("c", None, 1)], "q": [("a", datetime(2023, 3, 20, 10, tzinfo=UTC), 1)]}),
        ),
        ("[1, 2]", "F:1: expected a JSON object per line"),
        ('{"problem": "p", "answer": 1}', "F:1: student: expected the student's id as text"),
        ('{"student": "a", "problem": "p"}', "F:1: answer: missing the answer"),
        (
            '{"student": "a", "problem": "p", "answer": 1, "when": 3}',
            "F:1: when: unknown key 'when'; expected student, problem, answer and submitted_at "
            "(or student and answers)",
        ),
        (
            '{"student": "a", "problem": "p", "answer": 1, "submitted_at": "2023-03-20T10:00:00"}',
            "F:1: submitted_at: timestamp 2023-03-20T10:00:00 has no UTC offset (add e.g. +00:00)",
        ),
        ('{"student": "a", "answers": [1]}', "F:1: answers: expected an object of problem id → answer"),
        (
            '{"student": "a", ',
            "F:1: invalid JSON: Expecting property name enclosed in double quotes (column 18)",
        ),
    ],
)
def test_jsonl_lines(tmp_path, line, expected):
    path = tmp_path / "class.jsonl"
    path.write_text(line + "\n")
    (item,) = items(path)
    if isinstance(expected, str):
        expected = expected.replace("F:", f"{path}:")
    assert described(item) == expected


def test_jsonl_bad_lines_are_reported_in_place_and_the_rest_read(tmp_path):
    path = tmp_path / "class.jsonl"
    path.write_text(
        '{"student": "a", "problem": "p", "answer": 1}\n'
        "garbage\n"
        "\n"
        '{"student": "b", "problem": "p", "answer": 2}\n'
    )
    found = items(path)
    assert [described(item) for item in found] == [
        ("a", {"p": [(1, None, 1)]}),
        f"{path}:2: invalid JSON: Expecting value (column 1)",
        ("b", {"p": [(2, None, 4)]}),
    ]
    assert all(isinstance(i, SubmissionError) or not i.whole for i in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "student,problem,answer\nann,p,\"[1, 0]\"\nbob,q,c\n",
            [("ann", {"p": [("[1, 0]", None, 2)]}), ("bob", {"q": [("c", None, 3)]})],
        ),
        (
            "student,problem,answer,submitted_at\nann,p,\"1,0\",2023-03-20T10:00:00Z\nann,p,0,\n",
            [
                ("ann", {"p": [("1,0", datetime(2023, 3, 20, 10, tzinfo=UTC), 2)]}),
                ("ann", {"p": [("0", None, 3)]}),
            ],
        ),
        (
            "student,problem,answer\nann,p\nbob,p,1,2\ncid,p,1\n",
            [
                "F:2: expected 3 columns (student,problem,answer); got 2",
                "F:3: expected 3 columns (student,problem,answer); got 4",
                ("cid", {"p": [("1", None, 4)]}),
            ],
        ),
        (
            "student,problem,answer,submitted_at\nann,p,1,soon\n,p,1,\n",
            [
                "F:2: submitted_at: expected an ISO 8601 timestamp like 2023-03-29T08:59:00-03:00; "
                "got 'soon'",
                "F:3: student: the student column is empty",
            ],
        ),
        (
            # a quoted answer spanning two lines: the next row's line number still counts them
            'student,problem,answer\nann,p,"1,\n0"\nbob,p,x,y\n',
            [("ann", {"p": [("1,\n0", None, 2)]}), "F:4: expected 3 columns (student,problem,answer); got 4"],
        ),
        ("name,answer\nann,1\n", ["F:1: expected the header student,problem,answer[,submitted_at] "
                                  "(or an Open edX problem response report); got name,answer"]),
        ("", []),
    ],
)
def test_csv_rows(tmp_path, text, expected):
    path = tmp_path / "class.csv"
    path.write_text(text)
    expected = [e.replace("F:", f"{path}:") if isinstance(e, str) else e for e in expected]
    assert [described(item) for item in items(path)] == expected


EDX_HEADER = "username,title,location,Answer ID,Question,Answer,Correct Answer,block_key,state\n"


def test_open_edx_problem_response_report(tmp_path):
    state = json.dumps({"attempts": 2, "last_submission_time": "2023-03-28T21:12:44Z"})
    path = tmp_path / "responses.csv"
    path.write_text(
        EDX_HEADER
        + f'ann,LSTM states 2,Unit 3 > HW 3,i4x-1_2_1,Enter h,"[1,-1,0,1,-1]",,'
        f'block-v1:MITx+6.86x+2023+type@problem+block@lstm-states-2,"{state.replace(chr(34), chr(34) * 2)}"\n'
        + "bob,LSTM info,Unit 3 > HW 3,i4x-2_2_1,What,c,,block-v1:MITx+6.86x+2023+type@problem+block@,{}\n"
        + "cid,LSTM info,x\n"
    )
    assert [described(item) for item in items(path)] == [
        ("ann", {"lstm-states-2": [("[1,-1,0,1,-1]", datetime(2023, 3, 28, 21, 12, 44, tzinfo=UTC), 2)]}),
        ("bob", {"LSTM info": [("c", None, 3)]}),  # no url_name: the title (grading matches titles)
        f"{path}:4: expected 9 columns like the header; got 3",
    ]


@pytest.mark.parametrize(
    "answer",
    [
        "Whether the number of consecutive ones is odd.",
        # a checkbox answer: the selected choices' texts joined by ", ", a text with a comma of its own
        "Odd, then even., Whether \\(h_t\\) is odd.",
        'He said "odd"\nthen even',
    ],
)
def test_open_edx_choice_texts_are_passed_on_whole(tmp_path, answer):
    """The reader keeps the Answer cell as it is: the spec's choices map texts to ids when grading."""
    path = tmp_path / "responses.csv"
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(EDX_HEADER.strip().split(","))
        writer.writerow(["ann", "LSTM info", "U", "i4x", "Q", answer, "", "x+block@lstm-info", "{}"])
    assert [described(item) for item in items(path)] == [("ann", {"lstm-info": [(answer, None, 2)]})]


def test_open_edx_problem_named_by_title_without_url_name(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text(EDX_HEADER + "bob,LSTM info,U,i4x,Q,c,,course-v1:x,{}\n")
    assert [described(item) for item in items(path)] == [("bob", {"LSTM info": [("c", None, 2)]})]


def test_unknown_suffix_is_a_usage_error(tmp_path):
    path = tmp_path / "class.xlsx"
    path.write_text("x")
    with pytest.raises(UsageError, match=r"unknown submission format '\.xlsx'"):
        read_submissions(path)


def test_registry_has_the_export_formats():
    assert {".jsonl", ".csv", "directory", ".yaml", ".json"} <= set(READERS)


def test_jsonl_is_streamed(tmp_path):
    """Reading a 40,000-line file one item at a time holds a few lines in memory, not the file."""
    path = tmp_path / "big.jsonl"
    line = '{"student": "s%06d", "problem": "p", "answer": "[1, -1, 0, 1, -1]"}\n'
    path.write_text("".join(line % i for i in range(40_000)))
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_submissions(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 40_000
    assert peak < size / 10  # the file is ~2.7 MB; a reader that kept it would peak far above


@pytest.mark.parametrize("blocks", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize(
    "lines",
    [
        ['{"student": "ann", "answers": {"p": "[1, 0]"}}', '{"student": "bob", "answers": {"p": "1"}}'],
        ['{"student": "ann", "problem": "p", "answer": "1"}', '{"student": "bob", "answers": {"p": "1"}}'],
    ],
)
def test_jsonl_saved_with_a_byte_order_mark_reads_its_first_line(tmp_path, blocks, newline, lines):
    # Windows editors save UTF-8 with a BOM; CSV exports and per-student files already accept one
    path = tmp_path / "class.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(line + newline for line in lines).encode())
    students = []
    for item in read_submissions(path, blocks=blocks):
        assert not isinstance(item, SubmissionError), str(item)
        students += item.students if isinstance(item, SubmissionBlock) else [item.student]
    assert students == ["ann", "bob"]
