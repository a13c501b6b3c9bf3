"""PostgreSQL stopped and started again under load: 503 with Retry-After while it is away, never a
500, nothing acknowledged lost, and every server process answers again by itself once it is back.

The test stops the test server for about a second: other PostgreSQL tests running at that moment
see their connections end. It needs the right to do so: the command prefix in GRADER_TEST_PG_CTL
(`stop` and `start` are appended), else `pg_ctlcluster --skip-systemctl-redirect VERSION main`
when run as root against a server on this machine; otherwise it is skipped, saying why.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.scaleout.conftest import ENV
from tests.scaleout.fleet import Server, fleet
from tests.scaleout.traffic import DEADLINE, Traffic, assert_all_acknowledged_are_stored, stored_submissions
from tests.service.conftest import Database


def _control_command(server_url: str) -> list[str]:
    configured = os.environ.get("GRADER_TEST_PG_CTL", "").strip()
    if configured:
        return shlex.split(configured)
    host = make_url(server_url).host or "localhost"
    clusters = Path("/etc/postgresql")
    if host not in ("127.0.0.1", "localhost", "::1"):
        pytest.skip(f"the PostgreSQL server at {host} is not on this machine: set GRADER_TEST_PG_CTL")
    if shutil.which("pg_ctlcluster") is None or not clusters.is_dir() or os.geteuid() != 0:
        pytest.skip("cannot stop and start PostgreSQL here (pg_ctlcluster as root): set GRADER_TEST_PG_CTL")
    version = sorted(clusters.iterdir(), key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()])[-1]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version.name, "main"]


@pytest.fixture(scope="module")
def control(postgres_url: str) -> list[str]:
    return _control_command(postgres_url)


@pytest.fixture(scope="module")
def servers(postgres_module_database: Database, course_dir: Path) -> Iterator[list[Server]]:
    with fleet(2, course_dir, postgres_module_database.url, ENV) as started:
        yield started


def test_database_away_and_back_under_load(control: list[str], servers: list[Server]) -> None:
    with Traffic([s.url for s in servers], per_server=3, tag="restart") as traffic:
        traffic.wait_until(
            lambda t: all(t.acks_by_url[s.url] >= 10 for s in servers), timeout=DEADLINE,
            what="every server acknowledged 10 submissions",
        )
        subprocess.run([*control, "stop"], check=True, capture_output=True)
        try:
            traffic.wait_until(
                lambda t: t.refusals[(503, "database_unavailable")] >= 2 * len(servers), timeout=DEADLINE,
                what="503 database_unavailable answers while the database is away",
            )
        finally:
            subprocess.run([*control, "start"], check=True, capture_output=True)
        back = traffic.snapshot()
        traffic.wait_until(
            lambda t: all(t.acks_by_url[s.url] >= back[s.url] + 20 for s in servers), timeout=DEADLINE,
            what="every server acknowledged 20 more once the database was back",
        )
    assert set(traffic.refusals) == {(503, "database_unavailable")}
    assert traffic.retry_after == {"2"}  # every 503 says when to come back
    assert traffic.transport_errors == {}  # the processes never stopped answering
    assert all(s.alive for s in servers)
    assert_all_acknowledged_are_stored(traffic, stored_submissions(servers[0].url))
