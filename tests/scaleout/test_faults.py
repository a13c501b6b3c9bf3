"""Faults under load: a worker killed with SIGKILL loses nothing it acknowledged, and the rest answer.

Each test starts its own servers (a killed process cannot be shared) on the module's database.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx

from tests.scaleout.conftest import ENV, STAFF
from tests.scaleout.fleet import fleet, worker_pids
from tests.scaleout.traffic import Traffic
from tests.service.conftest import Database, every_page

DEADLINE = 120  # seconds; each wait normally ends in under one


def stored_submissions(url: str) -> dict[int, dict[str, Any]]:
    records = every_page(
        httpx.get, f"{url}/api/staff/submissions", params={"limit": 1000}, headers=STAFF, timeout=60
    )
    return {record["id"]: record for record in records}


def assert_all_acknowledged_are_stored(traffic: Traffic, stored: dict[int, dict[str, Any]]) -> None:
    found = {number: (record["student"], record["raw"]) for number, record in stored.items()}
    missing = {
        number: ack for number, ack in traffic.acknowledged.items()
        if found.get(number) != (ack.student, ack.raw)
    }
    assert missing == {}
    # one submission per student: a counted one is attempt 1, never a second claim
    assert {record["attempt"] for record in stored.values() if record["counted"]} <= {1}


def test_a_process_killed_mid_load_loses_nothing_it_acknowledged(
    module_database: Database, course_dir: Path
) -> None:
    with fleet(4, course_dir, module_database.url, ENV) as servers:
        victim, survivors = servers[0], servers[1:]
        with Traffic([s.url for s in servers], per_server=2, tag="kill") as traffic:
            traffic.wait_until(
                lambda t: all(t.acks_by_url[s.url] >= 10 for s in servers), timeout=DEADLINE,
                what="every server acknowledged 10 submissions",
            )
            victim.kill()  # mid-load: its requests are in flight
            after_kill = traffic.snapshot()
            traffic.wait_until(
                lambda t: all(t.acks_by_url[s.url] >= after_kill[s.url] + 20 for s in survivors),
                timeout=DEADLINE, what="each surviving server acknowledged 20 more",
            )
        assert traffic.refusals == {}
        assert set(traffic.transport_errors) <= {victim.url}
        # nothing after it died: at most the requests in flight at the kill (per_server=2) are
        # acknowledged late, their responses written before the kill and read after the snapshot
        assert after_kill[victim.url] <= traffic.acks_by_url[victim.url] <= after_kill[victim.url] + 2
        assert_all_acknowledged_are_stored(traffic, stored_submissions(survivors[0].url))


def test_a_worker_of_serve_workers_killed_mid_load_is_replaced(
    module_database: Database, course_dir: Path
) -> None:
    with fleet(1, course_dir, module_database.url, ENV, "--workers", "2") as (server,):
        with Traffic([server.url], per_server=4, tag="workers") as traffic:
            traffic.wait_until(lambda t: t.acks_by_url[server.url] >= 40, timeout=DEADLINE, what="40 answers")
            first = worker_pids(server.process.pid)
            assert len(first) == 2
            os.kill(first[0], signal.SIGKILL)
            after_kill = traffic.snapshot()[server.url]
            traffic.wait_until(
                lambda t: t.acks_by_url[server.url] >= after_kill + 40, timeout=DEADLINE,
                what="40 more answers on the same port",
            )
            # uvicorn's supervisor starts a new worker in place of the dead one
            traffic.wait_until(
                lambda _: len(worker_pids(server.process.pid)) == 2
                and first[0] not in worker_pids(server.process.pid),
                timeout=DEADLINE, what="a new worker replaced the killed one",
            )
        assert traffic.refusals == {}
        assert server.alive
        assert_all_acknowledged_are_stored(traffic, stored_submissions(server.url))
