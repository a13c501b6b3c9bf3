"""Storage: one schema and its migrations on both backends, atomic attempt counting, refusals."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from grader.service import Checker, ServiceError
from grader.service.models import SubmissionOutcome
from grader.spec.loader import ProblemSet
from grader.storage import (
    BadDatabaseUrl,
    DatabaseUnavailable,
    SchemaMismatch,
    Storage,
    check_schema,
    current_revision,
    database_url,
    head_revision,
    make_engine,
    open_storage,
    upgrade,
)
from grader.storage.engines import CONNECTION_BUDGET, default_pool
from grader.storage.schema import metadata
from tests.service.conftest import NOW, Database


def test_migrations_create_exactly_the_declared_schema(database: Database) -> None:
    engine = make_engine(database.url)
    try:
        assert current_revision(engine) is None
        assert upgrade(engine) == (None, head_revision())
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
        # running it again is a no-op
        assert upgrade(engine) == (head_revision(), head_revision())
    finally:
        engine.dispose()


def test_a_schema_newer_than_this_grader_is_refused(database: Database) -> None:
    open_storage(database.url).close()
    engine = make_engine(database.url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(SchemaMismatch, match=r"9999_future.*newer than this grader knows"):
            check_schema(engine)
        with pytest.raises(SchemaMismatch, match="newer than this grader knows"):
            open_storage(database.url)
    finally:
        engine.dispose()


def test_a_server_without_migrating_refuses_an_empty_database(sqlite_database: Database) -> None:
    with pytest.raises(SchemaMismatch, match="grade db upgrade"):
        open_storage(sqlite_database.url, migrate=False)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("grader.db", "sqlite+pysqlite:///grader.db"),
        ("/srv/course/grader.db", "sqlite+pysqlite:////srv/course/grader.db"),
        ("sqlite:///x.db", "sqlite+pysqlite:///x.db"),
        ("postgresql://u@db.example/course", "postgresql+psycopg://u@db.example/course"),
        ("postgres://u:pw@h/c", "postgresql+psycopg://u:***@h/c"),
    ],
)
def test_database_urls(given: str, expected: str) -> None:
    assert database_url(given).render_as_string(hide_password=True) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "expected a file path or a postgresql:// URL"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("sqlite://", "a SQLite URL needs a file"),
        (
            "postgresql://u:hunter2@h:notaport/db",
            "not a database URL: postgresql://u:\\*\\*\\*@h:notaport/db",
        ),
    ],
)
def test_bad_database_urls_are_named_with_the_password_masked(given: str, message: str) -> None:
    with pytest.raises(BadDatabaseUrl, match=message) as caught:
        database_url(given)
    assert "hunter2" not in str(caught.value)


def _hammer(checker: Checker, answers: list[Any], problem: str = "exact-states") -> list[Any]:
    """Submit every answer at once from its own thread (a barrier lines them up)."""
    barrier = threading.Barrier(len(answers))

    def one(answer: Any) -> SubmissionOutcome | str:
        barrier.wait()
        try:
            return checker.submit(problem, "mallory", answer, now=NOW)
        except ServiceError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=len(answers)) as pool:
        return list(pool.map(one, answers))


def test_fifty_concurrent_submissions_record_exactly_max_attempts(
    course: ProblemSet, storage: Storage
) -> None:
    checker = Checker(course, storage)
    wrong = "[0, 0, 0]"
    invalid = "[0, 0, zero]"
    answers = [invalid if i % 5 == 0 else wrong for i in range(50)]  # 10 invalid, 40 well-formed
    results = _hammer(checker, answers)

    counted = [r for r in results if isinstance(r, SubmissionOutcome) and r.counted]
    uncounted = [r for r in results if isinstance(r, SubmissionOutcome) and not r.counted]
    refused = [r for r in results if isinstance(r, str)]
    assert course["exact-states"].max_attempts == 3
    assert len(counted) == 3
    assert sorted(r.attempts_used for r in counted) == [1, 2, 3]
    assert all(r.status == "invalid" for r in uncounted)
    assert set(refused) <= {"no_attempts_left"}
    assert len(counted) + len(uncounted) + len(refused) == 50

    stored = storage.submissions(student="mallory")
    assert sorted(s.attempt for s in stored if s.counted) == [1, 2, 3]
    assert storage.count(student="mallory", counted=True) == 3
    assert storage.count(student="mallory", counted=False) == len(uncounted)
    assert storage.attempts_used("mallory", "exact-states") == 3


def test_invalid_answers_use_no_attempt(course: ProblemSet, storage: Storage) -> None:
    checker = Checker(course, storage)
    outcomes = [checker.submit("exact-states", "ivy", answer, now=NOW) for answer in ["", "[1, 2", "abc"]]
    assert [(o.status, o.counted, o.attempts_used, o.attempts_left) for o in outcomes] == [
        ("invalid", False, 0, 3)
    ] * 3
    assert storage.attempts_used("ivy", "exact-states") == 0
    assert storage.count(student="ivy") == 3  # recorded all the same


def test_submissions_round_trip_every_field(course: ProblemSet, storage: Storage) -> None:
    checker = Checker(course, storage)
    later = NOW + timedelta(minutes=5)
    checker.submit("lstm-states-2", "rita", "1, -1, 0, 0, 1", now=later, source="page")
    (stored,) = storage.submissions(student="rita")
    assert (stored.problem, stored.raw, stored.parsed, stored.status, stored.score, stored.counted) == (
        "lstm-states-2",
        "1, -1, 0, 0, 1",
        [1.0, -1.0, 0.0, 0.0, 1.0],
        "incorrect",
        0.0,
        True,
    )
    assert (stored.source, stored.attempt, stored.days_late, stored.submitted_at) == ("page", 1, 0, later)
    assert stored.feedback.startswith("Not correct: h_3 and h_4 are wrong")


@pytest.mark.parametrize(
    ("query", "size", "overflow", "timeout"),
    [("", 10, 20, 10), ("?pool_size=3", 3, 20, 10), ("?pool_size=4&max_overflow=0&pool_timeout=2", 4, 0, 2)],
)
def test_a_server_url_may_set_its_pool(query, size, overflow, timeout):
    pytest.importorskip("psycopg")
    engine = make_engine(f"postgresql+psycopg://grader@db.example:5432/course{query}")
    try:
        pool = engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (size, overflow, timeout)  # type: ignore[attr-defined]
        assert "pool_size" not in engine.url.query  # the driver never sees them
    finally:
        engine.dispose()


def test_a_connection_not_freed_in_pool_timeout_is_the_database_unavailable(database: Database) -> None:
    # SQLAlchemy's pool timeout is not a driver error: it escaped every `except DBAPIError`
    open_storage(database.url).close()
    engine = make_engine(database.url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    storage = Storage(engine)
    try:
        busy = r"busy: QueuePool limit of size 1 overflow 0 reached"
        with engine.connect(), pytest.raises(DatabaseUnavailable, match=busy):
            storage.attempts_used("alice", "lstm-states-2")
        assert storage.attempts_used("alice", "lstm-states-2") == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("processes", "pool"),
    [(1, (10, 20)), (2, (10, 20)), (3, (8, 18)), (4, (6, 14)), (8, (3, 7)), (40, (1, 1)), (100, (1, 1))],
)
def test_the_default_pool_keeps_all_workers_within_the_budget(processes: int, pool: tuple[int, int]) -> None:
    assert default_pool(processes) == pool
    if processes <= CONNECTION_BUDGET // 2:
        assert processes * sum(pool) <= CONNECTION_BUDGET


def test_a_server_url_sized_for_its_workers() -> None:
    pytest.importorskip("psycopg")
    engine = make_engine("postgresql+psycopg://grader@db.example:5432/course", processes=8)
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 7)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@pytest.mark.parametrize("query", ["?pool_size=0", "?pool_size=ten", "?max_overflow=-1", "?pool_timeout=0"])
def test_a_wrong_pool_setting_is_a_clear_error(query):
    pytest.importorskip("psycopg")
    with pytest.raises(BadDatabaseUrl, match=r"must be a whole number") as error:
        make_engine(f"postgresql+psycopg://grader:secret@db.example/course{query}")
    assert "secret" not in str(error.value) and "grader:***@db.example" in str(error.value)


class _Cursor:
    """A cursor whose `PRAGMA journal_mode=WAL` fails with `errors` first."""

    def __init__(self, *errors: str) -> None:
        self.errors = list(errors)
        self.calls = 0

    def execute(self, sql: str) -> None:
        self.calls += 1
        if self.errors:
            raise sqlite3.OperationalError(self.errors.pop(0))


def test_a_wal_conversion_that_lost_a_race_is_tried_again():
    from grader.storage.engines import use_wal

    cursor = _Cursor("database is locked", "database is locked")
    use_wal(cursor, pause=0)
    assert cursor.calls == 3


@pytest.mark.parametrize(("errors", "calls"), [(("disk I/O error",), 1), (("database is locked",) * 3, 3)])
def test_other_errors_and_a_lock_that_lasts_are_not_hidden(errors, calls):
    from grader.storage.engines import use_wal

    cursor = _Cursor(*errors)
    with pytest.raises(sqlite3.OperationalError):
        use_wal(cursor, tries=3, pause=0)
    assert cursor.calls == calls
