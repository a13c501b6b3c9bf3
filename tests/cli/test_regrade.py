"""`grade regrade SUBMISSIONS --problems NEW --previous OLD.json`: the shipped class, regraded after
the key of lstm-states-2 is fixed.

The "old" course rounds the tie h_2 = 0.5 away from zero, so its key is [1, -1, 1, -1, 1]; the
shipped (fixed) key is [1, -1, 0, 1, -1]. alice, carol and erin typed the fixed key (0 before,
1 after); dave typed the buggy one (1 before, 0 after: kept by the never-lower policy); bob's
answer is wrong under both.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PROBLEMS, SUBMISSIONS, Run

NOW = "2026-01-01T00:00:00+00:00"
REASON = "the key changed at positions h_2, h_3, h_4"


@pytest.fixture
def buggy(tmp_path: Path) -> Path:
    directory = tmp_path / "old-problems"
    shutil.copytree(PROBLEMS, directory)
    spec = directory / "lstm-states-2.yaml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace("ties: toward_zero}", "ties: away_from_zero}")
    text = text.replace("expected: [1, -1, 0, 1, -1]\n", "")
    spec.write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def previous(grade: Callable[..., Run], buggy: Path, tmp_path: Path) -> Path:
    path = tmp_path / "old.json"
    run = grade(SUBMISSIONS, "--problems", buggy, "--format", "json", "-o", path, "--now", NOW, "-q")
    assert run.code == 0
    return path


def _change(student: str, old: float, new: float, kept: bool) -> dict[str, object]:
    statuses = {0.0: "incorrect", 1.0: "correct"}
    return {
        "student": student, "problem": "lstm-states-2", "old_score": old, "new_score": new,
        "old_status": statuses[old], "new_status": statuses[new], "reason": REASON, "kept": kept,
    }


def test_a_key_fix_lists_every_change_as_json(
    grade: Callable[..., Run], previous: Path, buggy: Path
) -> None:
    run = grade(
        "regrade", SUBMISSIONS, "--problems", PROBLEMS, "--previous", previous, "--old-problems", buggy,
        "--format", "json", "--now", NOW,
    )
    assert run.code == 1
    summary = json.loads(run.out)
    assert summary["changes"] == [
        _change("alice", 0.0, 1.0, False),
        _change("carol", 0.0, 1.0, False),
        _change("dave", 1.0, 0.0, True),
        _change("erin", 0.0, 1.0, False),
    ]
    assert summary["problems"] == {
        "lstm-states-1": {"changed": 0, "raised": 0, "lowered": 0, "kept": 0},
        "lstm-states-2": {"changed": 4, "raised": 3, "lowered": 0, "kept": 1},
        "lstm-info": {"changed": 0, "raised": 0, "lowered": 0, "kept": 0},
    }
    assert (summary["removed"], summary["added"]) == ([], [])
    assert "nothing written (give --apply)" in run.err


def test_the_table_and_allow_lower(grade: Callable[..., Run], previous: Path, buggy: Path) -> None:
    run = grade(
        "regrade", SUBMISSIONS, "--problems", PROBLEMS, "--previous", previous, "--old-problems", buggy,
        "--allow-lower", "--now", NOW,
    )
    assert run.code == 1
    assert run.out.splitlines() == [
        "student  problem        score  status               why",
        f"alice    lstm-states-2  0 → 1  incorrect → correct  {REASON}",
        f"carol    lstm-states-2  0 → 1  incorrect → correct  {REASON}",
        f"dave     lstm-states-2  1 → 0  correct → incorrect  {REASON}",
        f"erin     lstm-states-2  0 → 1  incorrect → correct  {REASON}",
        "",
        "lstm-states-1: 0 changed (0 raised, 0 lowered, 0 kept)",
        "lstm-states-2: 4 changed (3 raised, 1 lowered, 0 kept)",
        "lstm-info: 0 changed (0 raised, 0 lowered, 0 kept)",
    ]


def test_no_change_exits_0(grade: Callable[..., Run], tmp_path: Path) -> None:
    previous = tmp_path / "now.json"
    grade(SUBMISSIONS, "--problems", PROBLEMS, "--format", "json", "-o", previous, "--now", NOW, "-q")
    run = grade("regrade", SUBMISSIONS, "--problems", PROBLEMS, "--previous", previous, "--format", "json")
    assert run.code == 0
    assert json.loads(run.out)["changes"] == []


def test_apply_writes_the_new_report_and_only_then(
    grade: Callable[..., Run], previous: Path, tmp_path: Path
) -> None:
    output = tmp_path / "new.json"
    base = ("regrade", SUBMISSIONS, "--problems", PROBLEMS, "--previous", previous, "--now", NOW)
    refused = grade(*base, "-o", output)
    assert refused.code == 2 and "nothing is written without --apply" in refused.err
    assert not output.exists()

    applied = grade(*base, "--apply", "-o", output)
    assert applied.code == 1 and f"grade: wrote {output} (5 students)" in applied.err
    report = json.loads(output.read_text(encoding="utf-8"))
    scores = {s["student"]: s["results"][1]["score"] for s in report["students"]}
    assert scores == {"alice": 1.0, "bob": 0.0, "carol": 1.0, "dave": 1.0, "erin": 1.0}  # dave kept
    fixed = grade(SUBMISSIONS, "--problems", PROBLEMS, "--format", "json", "--now", NOW, "-q")
    assert report["specs"] == json.loads(fixed.out)["specs"]

    again = grade("regrade", SUBMISSIONS, "--problems", PROBLEMS, "--previous", output, "--now", NOW)
    assert again.code == 1  # dave's lower score is still kept, and listed again
    assert [line.split()[0] for line in again.out.splitlines()[1:2]] == ["dave"]


def test_a_report_of_another_class_is_refused(grade: Callable[..., Run], tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text('{"student": "zoe", "answers": {"lstm-states-2": "[1, -1, 0, 1, -1]"}}\n')
    previous = tmp_path / "other.json"
    grade(other, "--problems", PROBLEMS, "--format", "json", "-o", previous, "-q")
    run = grade("regrade", SUBMISSIONS, "--problems", PROBLEMS, "--previous", previous)
    assert run.code == 2 and run.out == ""
    assert run.err == (
        "grade: error: --previous: not a report of these submissions: 5 student(s) not in it (alice, "
        "bob, carol, dave, erin); 1 of its student(s) not in the submissions (zoe) (is it another "
        "class's report?)\n"
    )


def test_a_report_naming_unknown_problems_is_refused(
    grade: Callable[..., Run], previous: Path, tmp_path: Path
) -> None:
    report = json.loads(previous.read_text(encoding="utf-8"))
    report["problems"] = ["hw9-q1", "hw9-q2"]
    for student in report["students"]:
        for result, name in zip(student["results"], ["hw9-q1", "hw9-q2", "hw9-q2"], strict=True):
            result["problem"] = name
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps(report), encoding="utf-8")
    run = grade("regrade", SUBMISSIONS, "--problems", PROBLEMS, "--previous", foreign)
    assert run.code == 2
    assert "none of its problems (hw9-q1, hw9-q2) is in --problems" in run.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"problems": [\n  "a",,\n', "bad.json:2: not JSON: Expecting value"),
        ('{"problems": ["a"], "students": [{"student": "x"}]}', "bad.json: students.0.score: Field required"),
    ],
)
def test_an_unreadable_previous_report_is_named(
    grade: Callable[..., Run], tmp_path: Path, text: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    run = grade("regrade", SUBMISSIONS, "--problems", PROBLEMS, "--previous", bad)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "give SUBMISSIONS and --previous OLD_REPORT.json, or --db URL"),
        (("--db", "x.db", "--previous", "old.json"), "give either SUBMISSIONS with --previous, or --db"),
        ((SUBMISSIONS, "--previous", "old.json", "--apply"), "--apply writes the new report: give it"),
    ],
)
def test_usage_errors(grade: Callable[..., Run], arguments: tuple[object, ...], message: str) -> None:
    run = grade("regrade", "--problems", PROBLEMS, *arguments)
    assert run.code == 2 and message in run.err
