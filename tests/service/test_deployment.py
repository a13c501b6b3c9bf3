"""Deployment defaults of `grade serve`: the proxy it trusts, the secrets it warns about, where the
database URL comes from, the SQLite file's permissions and the PostgreSQL pool per worker."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from grader.auth import read_database_url, secret_warnings
from grader.errors import UsageError
from grader.service.server import ServeOptions
from grader.storage import open_storage
from tests.conftest import Run
from tests.service.conftest import SECRET, STAFF_TOKEN, Database, student_token
from tests.service.server_process import grade_serve

ENV = {"GRADER_SECRET": SECRET, "GRADER_STAFF_TOKEN": STAFF_TOKEN}


@pytest.mark.parametrize(
    ("extra", "secure"),
    [
        ((), False),  # no proxy named: whoever reaches the port cannot claim https
        (("--forwarded-allow-ips", "10.9.9.9"), False),  # a proxy, but not the address asking
        (("--forwarded-allow-ips", "127.0.0.1"), True),
    ],
    ids=["no-proxy", "another-proxy", "this-proxy"],
)
def test_the_login_cookie_is_secure_behind_a_trusted_https_proxy(
    course_dir: Path, tmp_path: Path, extra: tuple[str, ...], secure: bool
) -> None:
    with grade_serve(course_dir, str(tmp_path / "grader.db"), ENV, *extra) as server:
        response = httpx.post(
            f"{server.url}/login",
            data={"token": student_token("alice", days=365_000)},  # the server reads the clock
            headers={"X-Forwarded-Proto": "https"},
        )
    assert response.status_code == 303
    attributes = [part.strip().lower() for part in response.headers["set-cookie"].split(";")]
    assert ("secure" in attributes) is secure


@pytest.mark.parametrize(
    ("secret", "staff_token", "mode", "expected"),
    [
        (SECRET, STAFF_TOKEN, 0o600, []),
        (
            SECRET, STAFF_TOKEN, 0o644,
            ["--secret-file {dir}/secret: readable by other users (mode 0644): chmod 600 {dir}/secret"],
        ),
        (
            "a" * 32, STAFF_TOKEN, 0o600,
            [
                "--secret-file {dir}/secret: looks guessable (about 0 bits by its characters; make one "
                "with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            ],
        ),
        (
            SECRET, SECRET, 0o600,
            [
                "GRADER_SECRET and GRADER_STAFF_TOKEN are the same value: whoever holds the staff "
                "token can sign any student's token; use two different values"
            ],
        ),
    ],
    ids=["fine", "readable", "guessable", "same"],
)
def test_weak_secrets_are_warned_about(
    tmp_path: Path, secret: str, staff_token: str, mode: int, expected: list[str]
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(secret)
    secret_file.chmod(mode)
    found = secret_warnings(secret, staff_token, secret_file)
    assert found == [line.format(dir=tmp_path) for line in expected]


def test_serve_prints_its_warnings_before_anything_else(
    grade: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, course_dir: Path
) -> None:
    monkeypatch.setenv("GRADER_SECRET", "passwordpassword")
    monkeypatch.setenv("GRADER_STAFF_TOKEN", STAFF_TOKEN)
    run = grade("serve", "--problems", course_dir, "--db", "oracle://x/y")  # refused: nothing starts
    assert run.err.startswith("grade: warning: GRADER_SECRET: looks guessable (about 44 bits")
    assert run.code == 2 and "unsupported database 'oracle'" in run.err


@pytest.mark.parametrize(
    ("given", "in_file", "in_environment", "expected"),
    [
        (None, None, None, "grader.db"),
        (None, None, "postgresql://u:pw@h/env", "postgresql://u:pw@h/env"),
        (None, "postgresql://u:pw@h/file\n", "postgresql://u:pw@h/env", "postgresql://u:pw@h/file"),
        ("course.db", None, "postgresql://u:pw@h/env", "course.db"),
    ],
)
def test_the_database_url_from_the_option_a_file_or_the_environment(
    tmp_path: Path, given: str | None, in_file: str | None, in_environment: str | None, expected: str
) -> None:
    file = None
    if in_file is not None:
        file = tmp_path / "db-url"
        file.write_text(in_file)
    environ = {} if in_environment is None else {"GRADER_DATABASE_URL": in_environment}
    assert read_database_url(given, file, "grader.db", environ) == expected


@pytest.mark.parametrize(
    ("given", "file_text", "message"),
    [
        ("course.db", "x.db", "--db and --db-url-file: give one of them"),
        (None, "  \n", "--db-url-file {dir}/db-url: empty"),
        (None, None, "--db-url-file {dir}/db-url: cannot read: No such file or directory"),
    ],
)
def test_a_database_url_file_that_cannot_be_used(
    tmp_path: Path, given: str | None, file_text: str | None, message: str
) -> None:
    file = tmp_path / "db-url"
    if file_text is not None:
        file.write_text(file_text)
    with pytest.raises(UsageError) as error:
        read_database_url(given, file, "grader.db", {})
    assert str(error.value) == message.format(dir=tmp_path)


def test_serve_reads_the_database_url_from_the_environment(
    grade: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, course_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRADER_SECRET", SECRET)
    monkeypatch.setenv("GRADER_STAFF_TOKEN", STAFF_TOKEN)
    monkeypatch.setenv("GRADER_DATABASE_URL", "postgresql://grader:hunter2@127.0.0.1:1/nope")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)  # were the variable ignored
    run = grade("serve", "--problems", course_dir)
    assert run.code == 2 and "postgresql+psycopg://grader:***@127.0.0.1:1/nope" in run.err
    assert "hunter2" not in run.err


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path / "grader.db"))
    try:
        storage.attempts_used("alice", "lstm-states-2")
        files = sorted(path.name for path in tmp_path.iterdir())
        modes = {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in files}
    finally:
        storage.close()
    assert modes == {"grader.db": 0o600, "grader.db-shm": 0o600, "grader.db-wal": 0o600}


def test_an_existing_sqlite_database_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "grader.db"
    open_storage(str(path)).close()
    path.chmod(0o640)  # its owner's choice, say for a group that makes backups
    open_storage(str(path)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_each_worker_sizes_its_pool_for_all_of_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, postgres_database: Database
) -> None:
    # the URL without the test fixture's own ?pool_size=: the default sizing is what is tested
    url = postgres_database.url.partition("?")[0]
    options = ServeOptions(problems=tmp_path, db=url, workers=8)
    for name, value in options.to_environment().items():
        monkeypatch.setenv(name, value)
    in_a_worker = ServeOptions.from_environment()
    assert in_a_worker.workers == 8
    storage = open_storage(in_a_worker.db, processes=in_a_worker.workers)
    try:
        assert (storage.engine.pool.size(), storage.engine.pool._max_overflow) == (3, 7)  # type: ignore[attr-defined]
    finally:
        storage.close()
