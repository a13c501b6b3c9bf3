"""Faults under load: a worker killed with SIGKILL loses nothing it acknowledged, and the rest answer.

Each test starts its own servers (a killed process cannot be shared) on the module's database.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.scaleout.conftest import ENV
from tests.scaleout.fleet import fleet, worker_pids
from tests.scaleout.traffic import DEADLINE, Traffic, assert_all_acknowledged_are_stored, stored_submissions
from tests.service.conftest import Database


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
