"""Fixtures of the service's tests: a course on disk, storage on SQLite or PostgreSQL, an app, tokens.

PostgreSQL tests take the server from GRADER_TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), work in a database of their own, with a small pool,
and drop it afterwards. Without a server they are skipped, saying so; with the environment
variable CI set, they fail.
"""

from __future__ import annotations

import os
import shutil
import textwrap
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from grader.auth import issue_student_token
from grader.service import ServiceSettings, create_app
from grader.spec.loader import ProblemSet, load_problems
from grader.storage import Storage, database_url, open_storage

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "problems"

SECRET = "test-secret-0123456789abcdef"
STAFF_TOKEN = "test-staff-token-0123456789"
#: Every request of a test happens at this moment unless the test moves the clock.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
#: The pool of every engine a test opens on PostgreSQL (servers it starts included): the server's
#: connections are shared by every test run on the machine, and the default pool of 10 (+20)
#: per engine made busy runs fail with "too many clients".
SMALL_POOL = {"pool_size": "2", "max_overflow": "1"}

#: Problems made for these tests, next to the shipped ones (copied in).
EXTRA_PROBLEMS = {
    # exact activations, no rounding: the key's values (0.41…, 0.18…) appear nowhere by chance
    "exact-states.yaml": """\
        id: exact-states
        title: Exact states
        statement: |
          Compute $h_t$ for $x = [1, 0, 1]$ with the exact sigmoid and $\\tanh$.
        max_attempts: 3
        reveal: {show: positions, after_last_attempt: solution}
        model:
          cell: lstm
          gates:
            forget: {W_h: 0.5, W_x: 0.5, b: 0}
            input:  {W_h: 0.5, W_x: 0.5, b: 0}
            output: {W_h: 0.5, W_x: 0.5, b: 0}
            cell:   {W_h: 0.5, W_x: 1,   b: 0}
          initial: {h: 0, c: 0}
        inputs: [1, 0, 1]
        evaluation:
          activation: exact
          rounding: none
        answer:
          kind: sequence
          of: h
          compare: {abs_tol: 0.001}
        """,
    "due-reject.yaml": """\
        id: due-reject
        title: Due, late answers refused
        statement: Enter [h_0, h_1].
        due: 2026-02-01T00:00:00Z
        late: reject
        reveal: {show: verdict, after_due: solution}
        model:
          cell: lstm
          gates:
            forget: {W_h: 0,    W_x: 0,   b: -100}
            input:  {W_h: 0,    W_x: 100, b: 100}
            output: {W_h: 0,    W_x: 100, b: 0}
            cell:   {W_h: -100, W_x: 50,  b: 0}
        inputs: [1, 1]
        evaluation:
          activation: {kind: saturating, at: 1}
          rounding: {to: integer, ties: toward_zero}
        answer: {kind: sequence, of: h}
        """,
    "due-penalty.yaml": """\
        id: due-penalty
        title: Due, a quarter off per day late
        statement: Enter [h_0, h_1].
        due: 2026-02-27T00:00:00Z
        late: {policy: penalty, per_day: 0.25}
        model:
          cell: lstm
          gates:
            forget: {W_h: 0,    W_x: 0,   b: -100}
            input:  {W_h: 0,    W_x: 100, b: 100}
            output: {W_h: 0,    W_x: 100, b: 0}
            cell:   {W_h: -100, W_x: 50,  b: 0}
        inputs: [1, 1]
        evaluation:
          activation: {kind: saturating, at: 1}
          rounding: {to: integer, ties: toward_zero}
        answer: {kind: sequence, of: h}
        """,
    "variant-states.yaml": """\
        id: variant-states
        title: Your own inputs
        statement: |
          Your inputs are $x = {inputs}$. Enter $h_t$ for each.
        max_attempts: 3
        model:
          cell: lstm
          gates:
            forget: {W_h: 0,    W_x: 0,   b: -100}
            input:  {W_h: 0,    W_x: 100, b: 100}
            output: {W_h: 0,    W_x: 100, b: 0}
            cell:   {W_h: -100, W_x: 50,  b: 0}
        inputs: {random: {alphabet: [0, 1], length: 8}}
        evaluation:
          activation: {kind: saturating, at: 1}
          rounding: {to: integer, ties: toward_zero}
        answer: {kind: sequence, of: h}
        """,
}


@pytest.fixture(scope="session")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped problems plus the test problems above, in one directory."""
    directory = tmp_path_factory.mktemp("course")
    for path in SHIPPED.glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    for name, spec in EXTRA_PROBLEMS.items():
        (directory / name).write_text(textwrap.dedent(spec), encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def course(course_dir: Path) -> ProblemSet:
    return load_problems(course_dir)


def _require_or_skip(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test server's URL, or a skip (a failure under CI) when none answers."""
    url = os.environ.get("GRADER_TEST_DATABASE_URL", DEFAULT_PG_URL)
    engine = create_engine(database_url(url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        _require_or_skip(f"no PostgreSQL server answers at {url}: {str(error.orig).splitlines()[0]}")
    finally:
        engine.dispose()
    return url


@dataclass(frozen=True)
class Database:
    """A fresh, empty database for one test: a SQLite file, or a PostgreSQL database of its own."""

    backend: str
    url: str  # what `--db` would be given


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Database:
    return Database("sqlite", str(tmp_path / "grader.db"))


@contextmanager
def own_postgres_database(server_url: str, prefix: str = "grader_test") -> Iterator[Database]:
    """A database of its own on the server, reached with a small pool, dropped afterwards.

    A database, not a schema in the server's: nothing a test leaves behind (a table, a role's
    default, a connection of a killed server) reaches another, and dropping it ends its
    connections.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    # no pooled connection kept: the server may have been restarted by the time the database is dropped
    admin = create_engine(database_url(server_url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        # template0: template1 refuses to be copied while another session is connected to it
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    url = make_url(server_url).set(database=name).update_query_dict(SMALL_POOL)
    try:
        yield Database("postgresql", url.render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[Database]:
    with own_postgres_database(postgres_url) as database:
        yield database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Database:
    """Each test using this runs twice: on SQLite and on PostgreSQL."""
    name = "sqlite_database" if request.param == "sqlite" else "postgres_database"
    value: Database = request.getfixturevalue(name)
    return value


@pytest.fixture
def storage(database: Database) -> Iterator[Storage]:
    store = open_storage(database.url)
    yield store
    store.close()


@pytest.fixture
def sqlite_storage(sqlite_database: Database) -> Iterator[Storage]:
    store = open_storage(sqlite_database.url)
    yield store
    store.close()


class Clock:
    """The time every request sees; tests move it by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def student_token(student: str, *, now: datetime = NOW, days: float = 30, secret: str = SECRET) -> str:
    return issue_student_token(secret, student, now=now, valid_for=timedelta(days=days))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


STAFF = bearer(STAFF_TOKEN)


def as_student(student: str) -> dict[str, str]:
    return bearer(student_token(student))


@pytest.fixture
def make_client(course: ProblemSet, clock: Clock) -> Iterator[Callable[[Storage], TestClient]]:
    """A test client of an app over `storage`, with the test clock."""
    clients: list[TestClient] = []

    def make(store: Storage) -> TestClient:
        settings = ServiceSettings(
            problems=course, storage=store, secret=SECRET, staff_token=STAFF_TOKEN, clock=clock
        )
        client = TestClient(create_app(settings), raise_server_exceptions=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[[Storage], TestClient], sqlite_storage: Storage) -> TestClient:
    """The app on a fresh SQLite database (most tests do not depend on the backend)."""
    return make_client(sqlite_storage)


def every_page(get: Callable[..., Any], url: str, **options: Any) -> list[dict[str, Any]]:
    """Every record of a paged list route: `get(url, **options)` (a client's or httpx's), then each
    next page its `Link: <URL>; rel="next"` header names, until one names none."""
    records: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        response = get(next_url, **options)
        assert response.status_code == 200, response.text
        records += response.json()
        options.pop("params", None)  # the next page's URL carries the whole query
        next_url = response.links.get("next", {}).get("url")
    return records
