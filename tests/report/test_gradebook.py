"""The CSV gradebook and Gradescope results: shapes, formula neutralising, atomic replacement."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from grader.compare.results import ProblemResult, Report, Status, StudentReport
from grader.report.files import write_atomically
from grader.report.gradebook import neutralise, render_csv
from grader.report.gradescope import student_directory, write_gradescope


def result(problem: str, score: float, status: Status = Status.CORRECT, notes: list[str] | None = None):
    return ProblemResult(
        problem=problem, status=status, score=score, max_score=1.0, feedback="Correct.", notes=notes or []
    )


def report(*students: tuple[str, list[ProblemResult]]) -> Report:
    return Report(
        problems=["p1", "p2"],
        students=[
            StudentReport(
                student=name,
                score=sum(r.score for r in results),
                max_score=float(len(results)),
                results=results,
            )
            for name, results in students
        ],
    )


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("alice", "alice"),
        ("a=b", "a=b"),  # only a leading trigger matters
        ("", ""),
    ],
)
def test_neutralise(text, safe):
    assert neutralise(text) == safe


def test_csv_gradebook_rows_and_injection():
    text = render_csv(
        report(
            ("alice", [result("p1", 1.0), result("p2", 0.5, Status.PARTIAL)]),
            (
                "=cmd|' /C calc'!A0",
                [result("p1", 0.0, Status.INCORRECT), result("p2", 1 / 3, Status.PARTIAL)],
            ),
        )
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["student", "p1", "p2", "total", "max_score"],
        ["alice", "1", "0.5", "1.5", "2"],
        ["'=cmd|' /C calc'!A0", "0", "0.333333", "0.333333", "2"],
    ]


def test_gradescope_results_follow_the_schema(tmp_path):
    out = tmp_path / "gradescope"
    graded = report(
        ("alice", [result("p1", 1.0), result("p2", 0.0, Status.INCORRECT, ["attempt 3 ignored"])]),
        ("../evil", [result("p1", 0.0, Status.MISSING), result("p2", 0.0, Status.INVALID)]),
    )
    write_gradescope(graded, out)
    assert sorted(os.listdir(out)) == ["%2E.%2Fevil", "alice"]
    data = json.loads((out / "alice" / "results.json").read_text())
    assert data == {
        "score": 1.0,
        "tests": [
            {"name": "p1", "number": "p1", "score": 1.0, "max_score": 1.0, "status": "passed",
             "output": "Correct.", "visibility": "visible"},
            {"name": "p2", "number": "p2", "score": 0.0, "max_score": 1.0, "status": "failed",
             "output": "Correct.\nattempt 3 ignored", "visibility": "visible"},
        ],
    }


@pytest.mark.parametrize(
    ("student", "directory"),
    [("alice", "alice"), ("a/b", "a%2Fb"), ("..", "%2E."), (".hidden", "%2Ehidden"), ("é", "%C3%A9")],
)
def test_student_directories_cannot_escape(student, directory):
    assert student_directory(student) == directory


def test_gradescope_replaces_the_previous_directory_whole(tmp_path):
    out = tmp_path / "gs"
    write_gradescope(report(("old", [result("p1", 1.0), result("p2", 1.0)])), out)
    write_gradescope(report(("new", [result("p1", 1.0), result("p2", 1.0)])), out)
    assert os.listdir(out) == ["new"]
    assert sorted(os.listdir(tmp_path)) == ["gs"]  # no staging or retired directory left behind


class Interrupted(BaseException):
    pass


def test_an_interrupted_gradescope_write_leaves_the_previous_results(tmp_path, monkeypatch):
    out = tmp_path / "gs"
    write_gradescope(report(("old", [result("p1", 1.0), result("p2", 1.0)])), out)
    calls = 0
    original = Path.write_bytes

    def dies_on_the_second_file(self: Path, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Interrupted
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", dies_on_the_second_file)
    with pytest.raises(Interrupted):
        write_gradescope(report(("a", [result("p1", 0.0), result("p2", 0.0)]), ("b", [])), out)
    assert os.listdir(out) == ["old"]
    assert sorted(os.listdir(tmp_path)) == ["gs"]


def test_an_interrupted_gradebook_write_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "gradebook.csv"
    write_atomically(path, "student,total\nold,1\n")

    def killed(*args: object) -> None:
        raise Interrupted

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(Interrupted):
        write_atomically(path, "student,total\nnew,2\n" * 1000)
    assert path.read_text() == "student,total\nold,1\n"
    assert sorted(os.listdir(tmp_path)) == ["gradebook.csv"]


KILLED_WHILE_REPLACING = """
import os, signal, sys
from pathlib import Path
from grader.report import files

def die(*args):
    os.kill(os.getpid(), signal.SIGKILL)  # killed at the worst moment: new data written, not renamed

files.os.replace = die
files.write_atomically(Path(sys.argv[1]), "student,total\\n" + "new,2\\n" * 100000)
"""


def test_a_killed_run_leaves_the_previous_gradebook(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "gradebook.csv"
    write_atomically(path, "student,total\nold,1\n")
    run = subprocess.run([sys.executable, "-c", KILLED_WHILE_REPLACING, str(path)], check=False)
    assert run.returncode != 0
    assert path.read_text() == "student,total\nold,1\n"


def test_exchange_swaps_two_directories_in_one_step(tmp_path):
    from grader.report.gradescope import exchange

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "in-a").touch()
    (second / "in-b").touch()
    if not exchange(first, second):
        pytest.skip("no RENAME_EXCHANGE on this system or filesystem")
    assert os.listdir(first) == ["in-b"] and os.listdir(second) == ["in-a"]


def test_gradescope_falls_back_to_two_renames_without_exchange(tmp_path, monkeypatch):
    import grader.report.gradescope as gradescope

    monkeypatch.setattr(gradescope, "exchange", lambda first, second: False)
    out = tmp_path / "gs"
    write_gradescope(report(("old", [result("p1", 1.0), result("p2", 1.0)])), out)
    write_gradescope(report(("new", [result("p1", 1.0), result("p2", 1.0)])), out)
    assert os.listdir(out) == ["new"]
    assert sorted(os.listdir(tmp_path)) == ["gs"]


def test_a_failed_exchange_is_an_error_not_a_mix(tmp_path):
    from grader.report.gradescope import exchange

    (tmp_path / "a").mkdir()
    with pytest.raises(OSError):
        exchange(tmp_path / "a", tmp_path / "missing")
