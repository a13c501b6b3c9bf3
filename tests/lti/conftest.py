"""Fixtures of the LTI tests: the test platform, and `grade serve --lti-keys` registered with it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from grader.cli.main import main
from grader.storage import Storage, open_storage
from grader.storage.schema import lti_nonces, lti_scores, lti_users
from tests.lti.platform import TestPlatform, login_query
from tests.service.conftest import (  # noqa: F401  (fixtures, shared with the service's tests)
    SECRET,
    STAFF_TOKEN,
    Database,
    client,
    clock,
    course,
    course_dir,
    database,
    make_client,
    postgres_database,
    postgres_url,
    sqlite_database,
    sqlite_storage,
)
from tests.service.server_process import ServerProcess, grade_serve

ENV = {"GRADER_SECRET": SECRET, "GRADER_STAFF_TOKEN": STAFF_TOKEN}
_FIELD = re.compile(r'name="(id_token|state)" value="([^"]*)"')


@dataclass
class Deployment:
    """The tool (a real `grade serve`) and the platform it is registered with."""

    server: ServerProcess
    platform: TestPlatform
    db: str
    keys: Path
    course: Path

    @property
    def url(self) -> str:
        return self.server.url

    def stored(self) -> dict[str, int]:
        """How many rows each LTI table holds (a refused launch adds none)."""
        storage: Storage = open_storage(self.db, migrate=False)
        try:
            with storage.engine.connect() as connection:
                return {
                    table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                    for table in (lti_nonces, lti_users, lti_scores)
                }
        finally:
            storage.close()


def register(platform: TestPlatform, db: str) -> None:
    assert main(["lti", "add", "--db", db, *platform.registration()]) == 0


@contextmanager
def deployed(
    platform: TestPlatform,
    db: str,
    tmp_path: Path,
    course_dir: Path,  # noqa: F811
    *extra: str,
) -> Iterator[Deployment]:
    """`grade serve --lti-keys` on `db`, with `platform` registered and told the tool's URL."""
    register(platform, db)
    keys = tmp_path / "lti-keys.json"
    with grade_serve(course_dir, db, ENV, "--lti-keys", str(keys), *extra) as server:
        platform.tool_url = server.url
        yield Deployment(server, platform, db, keys, course_dir)


@pytest.fixture
def platform() -> Iterator[TestPlatform]:
    with TestPlatform().running() as running:
        yield running


@pytest.fixture
def tool(
    platform: TestPlatform,
    database: Database,  # noqa: F811
    tmp_path: Path,
    course_dir: Path,  # noqa: F811
) -> Iterator[Deployment]:
    """The tool on SQLite and on PostgreSQL (each test using it runs twice)."""
    with deployed(platform, database.url, tmp_path, course_dir) as deployment:
        yield deployment


@pytest.fixture
def sqlite_tool(
    platform: TestPlatform,
    sqlite_database: Database,  # noqa: F811
    tmp_path: Path,
    course_dir: Path,  # noqa: F811
) -> Iterator[Deployment]:
    """The tool on SQLite only (for what does not depend on the backend)."""
    with deployed(platform, sqlite_database.url, tmp_path, course_dir) as deployment:
        yield deployment


@dataclass(frozen=True)
class Login:
    """A login the tool started: the state, its cookie, and the nonce sent to the platform."""

    state: str
    nonce: str
    cookie: str
    authorize_url: str


def start_login(tool: Deployment, hint: str, user: str) -> Login:
    """GET the tool's /lti/login as the platform's page would: the redirect and the state cookie."""
    response = httpx.get(f"{tool.url}/lti/login?{login_query(tool.platform, hint, user)}")
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    query = dict(httpx.URL(location).params)
    cookie = response.headers["set-cookie"].split(";", 1)[0]
    return Login(state=query["state"], nonce=query["nonce"], cookie=cookie, authorize_url=location)


def post_launch(tool: Deployment, id_token: str, state: str, cookie: str | None) -> httpx.Response:
    headers = {"Cookie": cookie} if cookie else {}
    return httpx.post(f"{tool.url}/lti/launch", data={"id_token": id_token, "state": state}, headers=headers)


def launch(tool: Deployment, body: dict[str, Any], user: str = "user-1") -> tuple[httpx.Response, Login]:
    """The whole launch through real HTTP: the login, the platform's authorization endpoint (its
    auto-posted form read here), the POST to /lti/launch with the state cookie."""
    hint = tool.platform.prepare(body)
    login = start_login(tool, hint, user)
    page = httpx.get(login.authorize_url)
    assert page.status_code == 200, page.text
    fields = dict(_FIELD.findall(page.text))
    return post_launch(tool, fields["id_token"], fields["state"], login.cookie), login


def wait_for_log(server: ServerProcess, text: str, timeout: float = 10.0) -> str:
    """The server's stderr so far, once it contains `text` (read by another thread, so it may lag
    the response by a moment); fails after `timeout` seconds without it."""
    deadline = time.monotonic() + timeout
    while True:
        log = "".join(server.log)
        if text in log or time.monotonic() > deadline:
            assert text in log, log
            return log
        time.sleep(0.05)


def signed_in_cookie(response: httpx.Response) -> str:
    """The student-token cookie a launch set (sent back by hand: httpx keeps no Secure cookie over http)."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("grader_token="):
            return header.split(";", 1)[0]
    raise AssertionError(f"no sign-in cookie: {response.headers}")
