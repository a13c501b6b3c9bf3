"""`grade stats`: the statistics of a class from its submissions or from the stored attempts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PROBLEMS, SUBMISSIONS

NOW = "2023-03-20T12:00:00+00:00"

#: The JSON contract of issue 13 (more keys are welcome, none of these may go).
PROBLEM_KEYS = {
    "problem", "max_score", "students", "attempted", "mean_score", "facility",
    "first_attempt_correct", "eventually_correct", "discrimination", "answers", "explained_by_mistakes",
}
ANSWER_KEYS = {"answer", "count", "status", "score", "mistake"}


def files_under(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


def test_the_json_keeps_the_contract(grade):
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "--format", "json", "-q")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["students"] == 5
    assert [entry["problem"] for entry in data["problems"]] == ["lstm-states-1", "lstm-states-2", "lstm-info"]
    for entry in data["problems"]:
        assert entry.keys() >= PROBLEM_KEYS
        assert set(entry["discrimination"]) == {"point_biserial", "upper_lower"}
        assert all(answer.keys() >= ANSWER_KEYS for answer in entry["answers"])
        counts = [answer["count"] for answer in entry["answers"]]
        assert counts == sorted(counts, reverse=True)
    states_2 = data["problems"][1]
    # the shipped class: alice, carol, erin right; bob's carry slip; dave's tie-rule slip
    assert (states_2["mean_score"], states_2["explained_by_mistakes"]) == (0.6, 1.0)
    assert [(a["answer"], a["count"], a["mistake"]) for a in states_2["answers"]] == [
        ("[1, -1, 0, 1, -1]", 3, None),
        ("[1, -1, 0, 0, 1]", 1, "carry"),
        ("[1, -1, 1, -1, 1]", 1, "tie_rule"),
    ]


def test_the_table(grade, golden):
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW)
    assert run.code == 0, run.err
    golden("stats_submissions.txt", run.out)


def test_csv_one_row_per_problem(grade, tmp_path):
    out = tmp_path / "stats.csv"
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "--format", "csv", "-o", out)
    assert run.code == 0, run.err
    lines = out.read_text().splitlines()
    assert lines[0].startswith("problem,variant,max_score,students,attempted,mean_score,facility,")
    assert [line.split(",")[0] for line in lines[1:]] == ["lstm-states-1", "lstm-states-2", "lstm-info"]
    assert run.err == f"grade: wrote {out} (5 students)\n"


def test_the_stored_attempts_give_the_same_statistics(grade, tmp_path):
    database = tmp_path / "course.db"
    recorded = grade(SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "--db", database, "-q")
    assert recorded.code == 0, recorded.err
    batch = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "--format", "json", "-q")
    stored = grade("stats", "--db", database, "--problems", PROBLEMS, "--format", "json")
    assert stored.code == 0, stored.err
    stored_data, batch_data = json.loads(stored.out), json.loads(batch.out)
    # every stored attempt has a time: the batch recorded its untimed ones all at --now
    for entry in stored_data["problems"]:
        time = entry.pop("time_to_correct")
        assert (time["median_seconds"], time["mean_seconds"]) == (0.0, 0.0)
    for entry in batch_data["problems"]:
        assert entry.pop("time_to_correct") is None
    assert stored_data == batch_data


def test_a_missing_database_file_is_refused_and_nothing_is_created(grade, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    run = grade("stats", "--db", "typo.db", "--problems", PROBLEMS)
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith("grade: error: sqlite+pysqlite:///typo.db: no such file (nothing created)")
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "grade: error: give either SUBMISSIONS or --db URL (one of them)\n"),
        ([str(SUBMISSIONS), "--db", "x.db"], "grade: error: give either SUBMISSIONS or --db URL (one of them)\n"),  # noqa: E501
    ],
    ids=["neither", "both"],
)
def test_one_source_exactly(grade, argv, message):
    run = grade("stats", *argv, "--problems", PROBLEMS)
    assert (run.code, run.err) == (2, message)


def test_top_must_be_positive(grade):
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--top", "0")
    assert run.code == 2
    assert "--top: expected at least 1; got 0" in run.err


def test_top_limits_the_answers(grade):
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "--format", "json", "--top", "1")
    assert [len(entry["answers"]) for entry in json.loads(run.out)["problems"]] == [1, 1, 1]


def test_an_unreadable_row_is_named_and_the_rest_counted(grade, tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("student,problem,answer\nann,lstm-info,c\nbob,lstm-info\n")
    run = grade("stats", path, "--problems", PROBLEMS, "--now", NOW, "--format", "json", "-q")
    assert run.code == 1
    assert f"grade: skipped: {path}:3:" in run.err
    assert json.loads(run.out)["students"] == 1


def test_an_unwritable_output_writes_nothing(grade, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "-o", blocker / "stats.txt", "-q")
    message = f"grade: error: cannot write {blocker / 'stats.txt'}: {blocker} is not a directory\n"
    assert (run.code, run.err) == (2, message)
