"""`grade SUBMISSIONS` on the shipped course: goldens for the table and the JSON report, and the
exit code 1 path where some files cannot be read but everyone else is graded.

`--now` pins the grading time so that nothing depends on the clock (reveal levels escalate after
a due date).
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.conftest import ROOT, SUBMISSIONS

NOW = ("--now", "2023-03-20T12:00:00+00:00")


@pytest.mark.parametrize(
    ("fmt", "name"), [("table", "grade_submissions.txt"), ("json", "grade_submissions.json")]
)
def test_shipped_submissions_golden(grade, golden, monkeypatch, fmt, name):
    monkeypatch.chdir(ROOT)
    run = grade("submissions/", "--format", fmt, *NOW)
    assert run.code == 0, run.err
    assert run.err == ""
    golden(name, run.out)


def test_the_json_report_has_the_documented_shape(grade, monkeypatch):
    monkeypatch.chdir(ROOT)
    report = json.loads(grade("submissions/", "--format", "json", *NOW).out)
    assert [s["student"] for s in report["students"]] == ["alice", "bob", "carol", "dave", "erin"]
    for student in report["students"]:
        assert {"student", "score", "max_score", "results"} <= set(student)
        assert student["max_score"] == 3
        assert student["score"] == sum(r["score"] for r in student["results"])
        for result in student["results"]:
            assert {"problem", "status", "score", "max_score", "feedback"} <= set(result)
            assert result["status"] in {"correct", "partial", "incorrect", "invalid", "missing"}


# by hand from submissions/*: (student, problem) → status
STATUSES = {
    ("alice", "lstm-states-1"): "correct",
    ("alice", "lstm-states-2"): "correct",  # typed as text "[1, -1, 0, 1, -1]"
    ("alice", "lstm-info"): "correct",
    ("bob", "lstm-states-1"): "correct",  # "0 0 1 -1 1 0"
    ("bob", "lstm-states-2"): "incorrect",  # [1, -1, 0, 0, 1]: carried the unrounded h_2
    ("bob", "lstm-info"): "incorrect",  # c and d
    ("carol", "lstm-states-1"): "correct",  # "0, 0, +1, −1, 1.0, 0"
    ("carol", "lstm-states-2"): "correct",
    ("carol", "lstm-info"): "correct",  # "C"
    ("dave", "lstm-states-1"): "invalid",  # a doubled comma
    ("dave", "lstm-states-2"): "incorrect",
    ("dave", "lstm-info"): "invalid",  # no choice e
    ("erin", "lstm-states-1"): "incorrect",  # one value short
    ("erin", "lstm-states-2"): "correct",
    ("erin", "lstm-info"): "missing",
}


def test_statuses_by_hand(grade, monkeypatch):
    monkeypatch.chdir(ROOT)
    report = json.loads(grade("submissions/", "--format", "json", *NOW).out)
    got = {
        (s["student"], r["problem"]): r["status"] for s in report["students"] for r in s["results"]
    }
    assert got == STATUSES


def test_feedback_never_leaks_the_answer(grade, monkeypatch):
    monkeypatch.chdir(ROOT)
    report = json.loads(grade("submissions/", "--format", "json", *NOW).out)
    bob = next(s for s in report["students"] if s["student"] == "bob")
    feedback = next(r["feedback"] for r in bob["results"] if r["problem"] == "lstm-states-2")
    assert "1, -1, 0, 1, -1" not in feedback


BROKEN = {
    "zed.yaml": ("student: zed\nanswers: {lstm-info: [c]\n", 2),  # the brace never closed
    "yan.json": ('{"student": "yan", "answers": ', 1),
    "xia.yaml": (b"student: xia\nanswers: {lstm-info: caf\xe9}\n", None),
}


@pytest.fixture
def class_with_broken_files(tmp_path):
    """A copy of the shipped submissions plus three files that cannot be read."""
    directory = tmp_path / "submissions"
    shutil.copytree(SUBMISSIONS, directory)
    for name, (content, _) in BROKEN.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return directory


def test_unreadable_files_are_named_and_everyone_else_is_graded(grade, class_with_broken_files):
    run = grade(class_with_broken_files, "--problems", ROOT / "problems", "--format", "json", *NOW)
    assert run.code == 1
    skipped = [line for line in run.err.splitlines() if line.startswith("grade: skipped: ")]
    assert len(skipped) == len(BROKEN)
    for name, (_, line) in BROKEN.items():
        where = f"{class_with_broken_files / name}" + (f":{line}" if line else "")
        assert any(entry.startswith(f"grade: skipped: {where}: ") for entry in skipped), name
    assert "Traceback" not in run.err
    report = json.loads(run.out)
    assert [s["student"] for s in report["students"]] == ["alice", "bob", "carol", "dave", "erin"]
    assert len(report["errors"]) == len(BROKEN)


def test_unreadable_files_in_the_table_too(grade, class_with_broken_files):
    run = grade(class_with_broken_files, "--problems", ROOT / "problems", *NOW)
    assert run.code == 1
    assert "3 input problem(s) (listed on stderr)" in run.out
    assert "5 students graded" in run.out


def test_output_file_gets_the_report_and_stderr_the_summary(grade, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    target = tmp_path / "out" / "report.json"
    run = grade("submissions/", "--format", "json", "--output", target, *NOW)
    assert run.code == 0
    assert run.out == ""
    assert run.err == f"grade: wrote {target} (5 students)\n"
    assert len(json.loads(target.read_text())["students"]) == 5


def test_problems_option_points_elsewhere(grade, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./problems here
    run = grade(SUBMISSIONS, "--problems", ROOT / "problems", "--format", "json", *NOW)
    assert run.code == 0
    missing = grade(SUBMISSIONS)
    assert missing.code == 2
    assert missing.err == "grade: error: problems: no such file or directory\n"


def brackets(depth: int) -> str:
    return "[" * depth + "]" * depth


TOO_DEEP = "nested too deeply (more than 64 levels)"


def test_deeply_nested_files_are_skipped_and_everyone_else_is_graded(grade, tmp_path):
    directory = tmp_path / "submissions"
    shutil.copytree(SUBMISSIONS, directory)
    # 100,000 levels: a RecursionError in the JSON parser, a crash in libyaml's composer
    deep = brackets(100_000)
    (directory / "yan.json").write_text('{"student": "yan", "answers": {"lstm-info": ' + deep + "}}")
    (directory / "zed.yaml").write_text("student: zed\nanswers:\n  lstm-info: " + deep + "\n")
    run = grade(directory, "--problems", ROOT / "problems", "--format", "json", *NOW)
    assert run.code == 1
    assert [line for line in run.err.splitlines() if line.startswith("grade: skipped: ")] == [
        f"grade: skipped: {directory / 'yan.json'}:1: answers.lstm-info: {TOO_DEEP}",
        f"grade: skipped: {directory / 'zed.yaml'}:3: answers.lstm-info: {TOO_DEEP}",
    ]
    assert "Traceback" not in run.err
    report = json.loads(run.out)
    assert [s["student"] for s in report["students"]] == ["alice", "bob", "carol", "dave", "erin"]


@pytest.mark.parametrize("depth", [100_000, 1025])
def test_a_deeply_nested_jsonl_line_is_skipped(grade, tmp_path, depth):
    # orjson stops at 1024 levels: the line is invalid JSON, the next one is read
    export = tmp_path / "class.jsonl"
    export.write_text(
        '{"student": "ann", "problem": "lstm-info", "answer": ' + brackets(depth) + "}\n"
        '{"student": "ben", "problem": "lstm-info", "answer": ["c"]}\n'
    )
    run = grade(export, "--problems", ROOT / "problems", "--format", "json", *NOW)
    assert run.code == 1
    assert run.err.startswith(f"grade: skipped: {export}:1: invalid JSON: ")
    assert "Traceback" not in run.err
    report = json.loads(run.out)
    assert [(s["student"], s["score"]) for s in report["students"]] == [("ben", 1.0)]


def test_deeply_nested_answers_within_the_limit_are_invalid(grade, tmp_path):
    # `answers.<problem>` is 2 levels down: 63 brackets nest 64 levels, the most a file may
    directory = tmp_path / "submissions"
    directory.mkdir()
    (directory / "ann.yaml").write_text(
        "student: ann\nanswers:\n"
        f"  lstm-states-2: {brackets(63)}\n  lstm-info: {brackets(63)}\n  lstm-states-1: '[[[1]]]'\n"
    )
    run = grade(directory, "--problems", ROOT / "problems", "--format", "json", *NOW)
    assert run.code == 0, run.err
    results = {r["problem"]: r for r in json.loads(run.out)["students"][0]["results"]}
    assert {problem: r["status"] for problem, r in results.items()} == dict.fromkeys(results, "invalid")
    assert results["lstm-states-2"]["feedback"].startswith(
        "Could not read your answer: lists are nested too deeply. Enter 5 numbers"
    )
    assert results["lstm-states-1"]["feedback"].startswith(
        "Could not read your answer: brackets nested too deeply at character 3 ('['). Enter 6 numbers"
    )
    assert results["lstm-info"]["feedback"].startswith("Could not read your answer: expected choice ids")


YES_NO = """\
id: agree
title: Agree
statement: Which do you agree with?
answer:
  kind: choice
  multiple: true
  allow_blank: false
  choices:
    - {id: yes, text: Yes}
    - {id: no, text: No, correct: true}
    - {id: on, text: On, correct: true}
    - {id: off, text: Off}
"""


@pytest.mark.parametrize(
    ("student", "answer", "status"),
    [
        # unquoted, YAML 1.1 makes every one of these a boolean
        ("no", "[no, on]", "correct"),
        ("yes", "[On, No]", "correct"),
        ("off", "no", "incorrect"),
        ("on", "[yes, no, on]", "incorrect"),
        ("n", "[maybe]", "invalid"),
    ],
)
def test_yes_and_no_in_yaml_are_the_text_typed(grade, tmp_path, student, answer, status):
    problems = tmp_path / "problems"
    problems.mkdir()
    (problems / "agree.yaml").write_text(YES_NO)
    directory = tmp_path / "submissions"
    directory.mkdir()
    (directory / "s.yaml").write_text(f"student: {student}\nanswers:\n  agree: {answer}\n")
    run = grade(directory, "--problems", problems, "--format", "json", *NOW)
    assert run.code == 0, run.err
    [report] = json.loads(run.out)["students"]
    assert (report["student"], report["results"][0]["status"]) == (student, status)


FORMATS = ["table", "json", "csv", "gradescope"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("target", ["blocker/out", "blocker/a/b/out"])
def test_an_output_under_a_file_is_one_line_and_exit_2(grade, tmp_path, monkeypatch, fmt, target):
    monkeypatch.chdir(ROOT)
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me")
    run = grade("submissions/", "--format", fmt, "-o", tmp_path / target, *NOW)
    assert (run.code, run.out) == (2, "")
    assert run.err == f"grade: error: cannot write {tmp_path / target}: {blocker} is not a directory\n"
    assert blocker.read_text() == "keep me"
    assert os.listdir(tmp_path) == ["blocker"]


def test_gradescope_over_an_existing_file_leaves_it(grade, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    run = grade("submissions/", "--format", "gradescope", "-o", target, *NOW)
    assert run.code == 2
    assert run.err == (
        f"grade: error: cannot write {target}: it exists and is not a directory "
        "(gradescope output is a directory)\n"
    )
    assert target.read_text() == "keep me"
    assert os.listdir(tmp_path) == ["results.txt"]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_a_report_over_a_directory(grade, tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(ROOT)
    run = grade("submissions/", "--format", fmt, "-o", tmp_path, *NOW)
    assert run.code == 2
    assert run.err == f"grade: error: cannot write {tmp_path}: Is a directory\n"
    assert os.listdir(tmp_path) == []


def refuse(*args: object, **kwargs: object) -> None:
    raise PermissionError(13, "Permission denied")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_output_in_a_directory_that_refuses_files(grade, tmp_path, monkeypatch, fmt):
    # what a read-only directory does, simulated (root may write anywhere)
    import grader.report.files as files
    import grader.report.gradescope as gradescope

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(files, "staging_beside", refuse)
    monkeypatch.setattr(gradescope, "staging_beside", refuse)
    run = grade("submissions/", "--format", fmt, "-o", tmp_path / "out", *NOW)
    assert run.code == 2
    assert run.err == f"grade: error: cannot write {tmp_path / 'out'}: Permission denied\n"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_output_in_a_read_only_directory(grade, tmp_path, monkeypatch, fmt, file_permissions_enforced):
    monkeypatch.chdir(ROOT)
    tmp_path.chmod(0o555)
    try:
        with file_permissions_enforced():
            run = grade("submissions/", "--format", fmt, "-o", tmp_path / "out", *NOW)
        assert run.code == 2
        assert run.err == f"grade: error: cannot write {tmp_path / 'out'}: Permission denied\n"
        assert os.listdir(tmp_path) == []
    finally:
        tmp_path.chmod(0o755)
