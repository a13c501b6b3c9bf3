"""ClassGrader: streaming in chunks, the columnar gradebook, and the report built from it."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import pytest

import grader.grading as grading
from grader.compare.results import Status
from grader.engine.keys import compute_key
from grader.grading import ClassGrader, answer_identity, answer_of, grade_submissions
from grader.report.gradebook import render_csv, render_csv_rows
from grader.submissions.formats import read_submissions
from grader.submissions.models import Attempt, Submission

ROOT = Path(__file__).resolve().parents[1]


def row(student: str, **answers: object) -> Submission:
    attempts = {pid.replace("_", "-"): [Attempt(a)] for pid, a in answers.items()}
    return Submission(student, attempts, whole=False)


@pytest.mark.parametrize(
    "raw",
    ["[1, 0]", [1, 0], [1.0, "0"], 3, None, True, {"a": 1}, ["c"], [float("inf")], [1, [float("-inf")]],
     datetime.date(2023, 3, 1), [None]],
)
def test_answer_identity_round_trips(raw):
    assert answer_of(answer_identity(raw)) == raw


@pytest.mark.parametrize(
    ("left", "right"),
    [([float("inf")], [None]), ([float("nan")], [None]), (datetime.date(2023, 3, 1), "2023-03-01"),
     ([1, float("inf")], [1, float("-inf")])],
)
def test_answers_json_cannot_hold_have_identities_of_their_own(left, right):
    # orjson writes inf and nan as null, and a YAML date's text is a text answer's
    assert answer_identity(left) != answer_identity(right)


def test_identities_of_text_and_lists_never_collide():
    assert answer_identity("[1, 0]") != answer_identity([1, 0])


def test_chunk_boundaries_do_not_change_the_grades(problems, monkeypatch):
    students = [
        row(f"s{i}", lstm_states_1="[0, 0, 1, -1, 0, 1]", lstm_states_2="[1, -1, 0, 1, -1]", lstm_info="c")
        for i in range(50)
    ] + [row("s3", lstm_states_2="[1, -1, 0, 0, 1]")]  # a later attempt by an earlier student
    whole = grade_submissions(problems, students)
    monkeypatch.setattr(grading, "CHUNK_SIZE", 7)
    chunked = grade_submissions(problems, students)
    assert chunked.model_dump() == whole.model_dump()
    s3 = next(s for s in chunked.students if s.student == "s3")
    assert (s3.results[1].status, s3.results[1].attempts_used) == (Status.INCORRECT, 2)


def test_each_student_is_graded_against_their_own_variant(problems):
    # the shipped salt gives alice [0, 0, 1, 1, 0, 1] (key [0, 0, 1, -1, 0, 1]) and bob
    # [1, 0, 1, 1, 1, 1] (key [1, 0, 1, -1, 1, -1]): each answer is right only for its owner
    report = grade_submissions(
        problems,
        [
            row("alice", lstm_states_1="[0, 0, 1, -1, 0, 1]"),
            row("bob", lstm_states_1="[0, 0, 1, -1, 0, 1]"),
        ],
    )
    assert [s.results[0].status for s in report.students] == [Status.CORRECT, Status.INCORRECT]


def test_problems_are_found_by_title_and_unknown_ones_reported(problems):
    grader = ClassGrader(problems)
    attempts = {"LSTM info": [Attempt("c", None, "f.csv", 2)], "nope": [Attempt("1", None, "f.csv", 3)]}
    grader.add([Submission("a", attempts)])
    report = grader.report()
    assert report.students[0].results[2].status is Status.CORRECT
    assert [str(e) for e in report.errors] == [
        "f.csv:3: answers.nope: unknown problem 'nope'; known: lstm-states-1, lstm-states-2, lstm-info"
    ]


def test_a_second_whole_file_for_a_student_is_skipped(problems):
    report = grade_submissions(
        problems,
        [
            Submission("a", {"lstm-info": [Attempt("c")]}, "a.yaml"),
            Submission("a", {"lstm-info": [Attempt("d")]}, "b.yaml"),
        ],
    )
    assert report.students[0].results[2].status is Status.CORRECT
    assert [str(e) for e in report.errors] == [
        "b.yaml: student: student 'a' already submitted in a.yaml; this file was skipped"
    ]


def test_rows_and_report_give_the_same_gradebook(problems, tmp_path):
    source = tmp_path / "class.jsonl"
    source.write_text(
        '{"student": "alice", "answers": {"lstm-states-1": [0, 0, 1, -1, 0, 1], "lstm-info": "c, d"}}\n'
        '{"student": "alice", "problem": "lstm-states-2", "answer": "[1, -1, 0, 0, 1]"}\n'
        '{"student": "alice", "problem": "lstm-states-2", "answer": "[1,, 0]"}\n'
        '{"student": "-b", "problem": "lstm-states-2", "answer": "[1, -1, 0, 1, -1]"}\n'
    )
    grader = ClassGrader(problems)
    grader.add(read_submissions(source))
    from_rows = render_csv_rows(problems.ids, grader.gradebook_rows())
    assert from_rows == render_csv(grader.report())
    # alice: her own variant right; last valid attempt at states 2 wrong (the invalid one after it
    # uses no attempt); one box too many
    assert from_rows.splitlines()[1:] == ["alice,1,0,0,1,3", "'-b,0,1,0,1,3"]


def test_the_gradebook_holds_about_a_kilobyte_per_student(problems, tmp_path):
    """Memory grows with the gradebook (a cell per student and problem), not with what was read."""
    import tracemalloc

    source = tmp_path / "class.jsonl"
    line = '{"student": "s%05d", "answers": {"lstm-states-1": [0, 0, 1, -1, 0, 1], "lstm-info": ["c"]}}\n'
    source.write_text("".join(line % i for i in range(10_000)))
    grader = ClassGrader(problems)
    tracemalloc.start()
    try:
        grader.add(read_submissions(source))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert grader.student_count == 10_000
    assert held < 10_000 * 1_000  # was ~8 KB per student while list answers kept orjson's buffers


def test_one_spec_file_is_graded_on_the_variant_grade_variant_shows(problems, grade, tmp_path):
    # `grade variant FILE` and `grade SUBMISSIONS --problems FILE` read the same course.yaml:
    # the student answers the variant shown and is graded on it
    spec = problems.sources["lstm-states-1"]
    (spec.parent / "course.yaml").write_text("salt: course-salt\n", encoding="utf-8")
    shown = grade("variant", spec, "--student", "s1", "--format", "json")
    inputs = json.loads(shown.out)["inputs"]
    problem = problems["lstm-states-1"]
    answer = compute_key(problem, np.asarray(inputs, dtype=np.float64)).tolist()
    (tmp_path / "s1.yaml").write_text(
        f"student: s1\nanswers:\n  lstm-states-1: {answer}\n", encoding="utf-8"
    )
    run = grade(tmp_path / "s1.yaml", "--problems", spec, "--format", "json", "--quiet")
    assert run.code == 0, run.err
    assert json.loads(run.out)["students"][0]["results"][0]["status"] == "correct"
