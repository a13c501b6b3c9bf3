"""`grade token`, `grade db` and `grade serve`'s refusals, driven in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from grader.auth import verify_student_token
from grader.storage import DEFAULT_DATABASE, head_revision, make_engine
from tests.conftest import Run
from tests.service.conftest import NOW, SECRET, STAFF_TOKEN, Database


@pytest.fixture
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_SECRET", SECRET)
    monkeypatch.setenv("GRADER_STAFF_TOKEN", STAFF_TOKEN)


def test_token_prints_a_token_the_server_accepts(grade: Callable[..., Run], secrets_in_env: None) -> None:
    run = grade("token", "--student", "alice", "--days", "400")
    assert run.code == 0
    assert verify_student_token(SECRET, run.out.strip(), now=NOW) == "alice"


def test_token_from_a_secret_file(
    grade: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRADER_SECRET", raising=False)
    (tmp_path / "secret").write_text(SECRET)
    run = grade("token", "--student", "bo", "--secret-file", tmp_path / "secret")
    assert verify_student_token(SECRET, run.out.strip(), now=NOW) == "bo"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["token", "--student", "x"], "no GRADER_SECRET"),
        (["serve"], "no GRADER_SECRET"),
    ],
)
def test_no_secret_no_start(
    grade: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str
) -> None:
    monkeypatch.delenv("GRADER_SECRET", raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    run = grade(*argv)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err


def test_db_upgrade_then_current(grade: Callable[..., Run], database: Database) -> None:
    first = grade("db", "upgrade", "--db", database.url)
    assert first.code == 0 and f"migrated empty → {head_revision()}" in first.out
    again = grade("db", "upgrade", "--db", database.url)
    assert f"already at {head_revision()}" in again.out
    current = grade("db", "current", "--db", database.url)
    assert f": {head_revision()} (newest known: {head_revision()})" in current.out


def test_serve_refuses_a_newer_schema(
    grade: Callable[..., Run], sqlite_database: Database, secrets_in_env: None, course_dir: Path
) -> None:
    assert grade("db", "upgrade", "--db", sqlite_database.url).code == 0
    engine = make_engine(sqlite_database.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0042'"))
    engine.dispose()
    run = grade("serve", "--problems", course_dir, "--db", sqlite_database.url)
    assert run.code == 2
    assert "schema is at revision '0042', newer than this grader knows" in run.err


@pytest.mark.parametrize(
    ("db", "message"),
    [
        ("postgresql://grader:hunter2@127.0.0.1:1/nope", "postgresql+psycopg://grader:***@127.0.0.1:1/nope"),
        ("oracle://x/y", "unsupported database 'oracle'"),
    ],
)
def test_serve_names_a_bad_or_unreachable_database(
    grade: Callable[..., Run], secrets_in_env: None, course_dir: Path, db: str, message: str
) -> None:
    run = grade("serve", "--problems", course_dir, "--db", db)
    assert run.code == 2 and message in run.err
    assert "hunter2" not in run.err and "Traceback" not in run.err


def test_the_cli_default_database_is_the_storage_default() -> None:
    from grader.cli.commands import db, serve

    assert db.DEFAULT_DATABASE == serve.DEFAULT_DATABASE == DEFAULT_DATABASE


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--days", "inf"], "--days: a positive number of days, at most 3650; got inf"),
        (["--days", "1e300"], "--days: a positive number of days, at most 3650; got 1e+300"),
        (["--days", "3000000"], "--days: a positive number of days, at most 3650; got 3e+06"),
        (["--days", "nan"], "--days: a positive number of days, at most 3650; got nan"),
        (["--days", "0"], "--days: a positive number of days, at most 3650; got 0"),
        # what Python makes of the bytes `a\xff` in argv (not UTF-8): a lone surrogate
        (["--student", "a\udcff"], "--student: not valid UTF-8 text, or contains a NUL character"),
    ],
)
def test_token_refuses_what_it_cannot_sign(
    grade: Callable[..., Run], secrets_in_env: None, argv: list[str], message: str
) -> None:
    run = grade("token", *(["--student", "alice", *argv] if argv[0] == "--days" else argv))
    assert (run.code, run.out, run.err) == (2, "", f"grade: error: {message}\n")


def test_token_for_the_longest_validity_it_accepts(grade: Callable[..., Run], secrets_in_env: None) -> None:
    run = grade("token", "--student", "alice", "--days", "3650")
    assert verify_student_token(SECRET, run.out.strip(), now=NOW) == "alice"
