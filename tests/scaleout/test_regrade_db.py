"""`grade regrade --db`: stored results recomputed with fixed specs, in one transaction, on SQLite
and PostgreSQL; and the spec content hash every stored result records."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from grader.service import Checker
from grader.spec.loader import load_problems
from grader.storage import database_url, head_revision, make_engine, open_storage
from grader.storage.migrate import _config
from tests.conftest import PROBLEMS, SEED_SPEC, SUBMISSIONS, Run
from tests.service.conftest import NOW, Database

#: lstm-states-2 with the tie rounded away from zero: the wrong key [1, -1, 1, 0, 1] (a "bug").
WRONG_TIES = ("rounding: {to: integer, ties: toward_zero}", "rounding: {to: integer, ties: away_from_zero}")


def _course(directory: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of the shipped problems with (file, old, new) text edits."""
    shutil.copytree(PROBLEMS, directory)
    for name, old, new in edits:
        spec = directory / name
        text = spec.read_text(encoding="utf-8")
        assert old in text
        spec.write_text(text.replace(old, new), encoding="utf-8")
    return directory


def test_every_stored_result_records_its_spec_hash_and_the_gradebook_names_older_ones(
    grade: Callable[..., Run], database: Database, tmp_path: Path
) -> None:
    recorded = grade(SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW.isoformat(), "--db", database.url)
    assert recorded.code == 0
    problems = load_problems(PROBLEMS)
    storage = open_storage(database.url)
    try:
        stored = storage.submissions()
    finally:
        storage.close()
    assert stored and all(s.spec_hash == problems.content_hash(s.problem) for s in stored)

    same = grade("gradebook", "--db", database.url, "--problems", PROBLEMS)
    assert same.code == 0 and "note" not in same.err

    fixed = _course(tmp_path / "fixed", ("lstm-states-2.yaml", "max_attempts: 5", "max_attempts: 6"))
    older = grade("gradebook", "--db", database.url, "--problems", fixed)
    students = len({s.student for s in stored if s.problem == "lstm-states-2"})
    assert older.code == 0
    assert older.err.splitlines() == [
        f"grade: note: lstm-states-2: {students} student(s) have results graded with another version "
        "of its spec (`grade regrade --db` recomputes them)"
    ]


# -- grade regrade --db ------------------------------------------------------------------------

KEY = [1, -1, 0, 1, -1]
BUGGY_KEY = [1, -1, 1, -1, 1]
BUGGY = ("ties: toward_zero", "ties: away_from_zero")
LOOSE = ("  of: h\n", "  of: h\n  compare: {abs_tol: 0.25}\n")


def _spec_course(directory: Path, spec: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "states.yaml").write_text(spec, encoding="utf-8")
    return directory


def _export(path: Path, answers: dict[str, list[float]]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"student": student, "problem": "states", "answer": answer}) + "\n"
            for student, answer in answers.items()
        ),
        encoding="utf-8",
    )
    return path


def _scores(url: str) -> dict[str, float]:
    storage = open_storage(url, migrate=False)
    try:
        return {s.student: s.score for s in storage.submissions()}
    finally:
        storage.close()


#: (old spec, new spec, answers, {student: (old score, new score, kept)}, scores after --apply)
SCENARIOS = {
    "key fix": (
        SEED_SPEC.replace(*BUGGY), SEED_SPEC,
        {"ann": KEY, "ben": BUGGY_KEY, "cid": [0, 0, 0, 0, 0]},
        {"ann": (0.0, 1.0, False), "ben": (1.0, 0.0, True)},
        {"ann": 1.0, "ben": 1.0, "cid": 0.0},
    ),
    "tolerance": (
        SEED_SPEC, SEED_SPEC.replace(*LOOSE),
        {"ann": [1.2, -1, 0, 1, -1], "ben": [1.5, -1, 0, 1, -1]},
        {"ann": (0.0, 1.0, False)},
        {"ann": 1.0, "ben": 0.0},
    ),
    "scheme": (
        SEED_SPEC, SEED_SPEC + "scoring: per_element\n",
        {"ann": [1, -1, 0, 0, 0], "ben": KEY},
        {"ann": (0.0, 0.6, False)},
        {"ann": 0.6, "ben": 1.0},
    ),
    "no change": (
        SEED_SPEC, "# only a comment differs\n" + SEED_SPEC,
        {"ann": KEY, "ben": BUGGY_KEY},
        {},
        {"ann": 1.0, "ben": 0.0},
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_regrade_database_lists_then_applies_once(
    grade: Callable[..., Run], database: Database, tmp_path: Path, scenario: str
) -> None:
    old_spec, new_spec, answers, expected, after = SCENARIOS[scenario]
    old = _spec_course(tmp_path / "old", old_spec)
    new = _spec_course(tmp_path / "new", new_spec)
    export = _export(tmp_path / "export.jsonl", answers)
    assert grade(export, "--problems", old, "--db", database.url, "-q").code == 0
    before = _scores(database.url)

    listed = grade("regrade", "--db", database.url, "--problems", new, "--format", "json")
    assert listed.code == (1 if expected else 0)
    summary = json.loads(listed.out)
    assert {c["student"]: (c["old_score"], c["new_score"], c["kept"]) for c in summary["changes"]} == expected
    assert _scores(database.url) == before  # nothing written without --apply

    applied = grade("regrade", "--db", database.url, "--problems", new, "--apply", "--by", "staff")
    assert applied.code == (1 if expected else 0)
    assert _scores(database.url) == after
    # the service and `grade gradebook --db` read the new scores at once
    gradebook = grade("gradebook", "--db", database.url, "--problems", new, "--format", "json")
    assert {s["student"]: s["score"] for s in json.loads(gradebook.out)["students"]} == after
    assert "note" not in gradebook.err or scenario == "key fix"  # ben's kept result: older spec
    storage = open_storage(database.url, migrate=False)
    try:
        assert Checker(load_problems(new), storage).grades("ann").score == after["ann"]
        regrades = storage.regrades()
    finally:
        storage.close()
    if expected:
        assert len(regrades) == 1
        (record,) = regrades
        raised = sum(1 for _, new_score, kept in expected.values() if not kept and new_score > 0)
        assert (record["regraded_by"], record["changed"], record["raised"], record["kept"]) == (
            "staff", len(expected), raised, sum(kept for *_, kept in expected.values()),
        )
        assert record["specs_before"] == {"states": [load_problems(old).content_hash("states")]}
        assert record["specs_after"] == {"states": load_problems(new).content_hash("states")}
    else:
        assert regrades == []  # the same content: nothing to write, nothing recorded

    again = grade("regrade", "--db", database.url, "--problems", new, "--apply", "--format", "json")
    assert json.loads(again.out)["submissions_updated"] == 0  # a second --apply changes nothing
    assert _scores(database.url) == after
    storage = open_storage(database.url, migrate=False)
    try:
        assert storage.regrades() == regrades
    finally:
        storage.close()


def test_allow_lower_on_the_database(grade: Callable[..., Run], database: Database, tmp_path: Path) -> None:
    old_spec, new_spec, answers, _, _ = SCENARIOS["key fix"]
    old = _spec_course(tmp_path / "old", old_spec)
    new = _spec_course(tmp_path / "new", new_spec)
    grade(_export(tmp_path / "export.jsonl", answers), "--problems", old, "--db", database.url, "-q")
    run = grade("regrade", "--db", database.url, "--problems", new, "--apply", "--allow-lower")
    assert run.code == 1
    assert _scores(database.url) == {"ann": 1.0, "ben": 0.0, "cid": 0.0}


def test_results_of_a_problem_no_longer_given_are_reported_and_kept(
    grade: Callable[..., Run], database: Database, tmp_path: Path
) -> None:
    recorded = grade(SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW.isoformat(), "--db", database.url)
    assert recorded.code == 0
    before = open_storage(database.url)
    try:
        stored = before.submissions()
    finally:
        before.close()
    fewer = _course(tmp_path / "fewer")
    (fewer / "lstm-info.yaml").unlink()
    (fewer / "course.yaml").write_text("salt: 686x-unit3-hw3\n", encoding="utf-8")
    run = grade("regrade", "--db", database.url, "--problems", fewer, "--apply", "--format", "json")
    assert run.code == 0
    assert json.loads(run.out)["removed"] == ["lstm-info"]
    assert "grade: note: lstm-info is not in --problems: its stored results are kept" in run.err
    after = open_storage(database.url)
    try:
        assert after.submissions() == stored
    finally:
        after.close()


def test_reading_refuses_an_older_schema_it_would_have_to_migrate(
    grade: Callable[..., Run], sqlite_database: Database
) -> None:
    engine = make_engine(database_url(sqlite_database.url))
    try:
        config = _config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
    finally:
        engine.dispose()
    run = grade("regrade", "--db", sqlite_database.url, "--problems", PROBLEMS)
    older = f"the database schema is at '0003', older than this grader's '{head_revision()}'"
    assert run.code == 2 and older in run.err and "Traceback" not in run.err
    gradebook = grade("gradebook", "--db", sqlite_database.url, "--problems", PROBLEMS)
    assert gradebook.code == 2 and older in gradebook.err


# -- kill -9 during --apply --------------------------------------------------------------------

#: Students in the class killed mid-regrade: every one typed the fixed key, so all gain a point.
KILLED_CLASS = 4000
#: Kills at random moments of a run, at most (a run that finished ends the loop).
KILLS = 6


def _killed_class(grade: Callable[..., Run], url: str, tmp_path: Path) -> tuple[Path, str]:
    """The class recorded under the buggy spec (every score 0); the fixed course and its hash."""
    old = _spec_course(tmp_path / "old", SEED_SPEC.replace(*BUGGY))
    new = _spec_course(tmp_path / "new", SEED_SPEC)
    export = _export(tmp_path / "class.jsonl", {f"s{n:05d}": KEY for n in range(KILLED_CLASS)})
    assert grade(export, "--problems", old, "--db", url, "-q").code == 0
    return new, load_problems(new).content_hash("states")


def _state(url: str, new_hash: str) -> tuple[int, int, int]:
    """(stored scores of 1, results recorded with the new spec's hash, regrades recorded)."""
    storage = open_storage(url, migrate=False)
    try:
        stored = storage.submissions()
        regrades = len(storage.regrades())
    finally:
        storage.close()
    return sum(s.score == 1.0 for s in stored), sum(s.spec_hash == new_hash for s in stored), regrades


def _regrade_process(url: str, new: Path) -> subprocess.Popen[bytes]:
    command_line = [sys.executable, "-m", "grader", "regrade", "--db", url, "--problems", str(new), "--apply"]
    return subprocess.Popen(command_line, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


ALL_OLD = (0, 0, 0)
ALL_NEW = (KILLED_CLASS, KILLED_CLASS, 1)


def test_a_regrade_killed_at_random_moments_leaves_old_or_new_scores(
    grade: Callable[..., Run], database: Database, tmp_path: Path
) -> None:
    new, new_hash = _killed_class(grade, database.url, tmp_path)
    # how long a listing takes on this machine: it spreads the kills over a run (not asserted)
    started = time.monotonic()
    listing = subprocess.run(
        [sys.executable, "-m", "grader", "regrade", "--db", database.url, "--problems", str(new)],
        capture_output=True, check=False,
    )
    assert listing.returncode == 1
    duration = time.monotonic() - started
    randomness = random.Random(13)
    states = []
    for _ in range(KILLS):
        process = _regrade_process(database.url, new)
        time.sleep(randomness.uniform(0.5, 1.5) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        states.append(_state(database.url, new_hash))
        assert states[-1] in (ALL_OLD, ALL_NEW), states
        if states[-1] == ALL_NEW:
            break
    finished = _regrade_process(database.url, new)
    assert finished.wait() in (0, 1)  # 0 when the last killed run had committed
    assert _state(database.url, new_hash) == ALL_NEW


def test_a_regrade_killed_inside_its_transaction_leaves_the_old_scores(
    grade: Callable[..., Run], postgres_database: Database, tmp_path: Path
) -> None:
    """PostgreSQL: a row the test holds locked stops the regrade's UPDATEs midway, inside its one
    transaction, with the other rows already updated; then it is killed."""
    url = postgres_database.url
    new, new_hash = _killed_class(grade, url, tmp_path)
    engine = make_engine(database_url(url))
    try:
        with engine.connect() as holder, holder.begin():
            last = f"s{KILLED_CLASS - 1:05d}"  # updated last: the regrade goes in student order
            holder.execute(text("SELECT id FROM submissions WHERE student = :s FOR UPDATE"), {"s": last})
            process = _regrade_process(url, new)
            try:
                waiting = text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE submissions%'"
                )
                with engine.connect() as watcher:
                    while not watcher.execute(waiting).scalar_one():
                        assert process.poll() is None, "the regrade ended without waiting for the row"
                        watcher.rollback()  # a new snapshot of pg_stat_activity
                        time.sleep(0.05)
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait()
    finally:
        engine.dispose()
    assert _state(url, new_hash) == ALL_OLD
    finished = _regrade_process(url, new)
    assert finished.wait() == 1
    assert _state(url, new_hash) == ALL_NEW
