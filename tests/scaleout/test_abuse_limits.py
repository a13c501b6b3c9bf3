"""The abuse limits across `grade serve` processes on one database: an XQueue submission delivered
to several processes at once is answered once, and a student's rate limit is one for all of them.

Two processes, one of them with two workers (three workers in all), on SQLite and PostgreSQL.
The rate limit's window is 100,000 minutes, so no window ends while a test runs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scaleout.conftest import ENV, STAFF, token_for
from tests.scaleout.fleet import Server, fleet
from tests.service.conftest import Database, every_page

PROBLEM = "lstm-states-2"  # 5 attempts
WRONG = "[1, -1, 0, 0, 1]"
RATE = 5
AT_ONCE = 12


@pytest.fixture(scope="module")
def servers(module_database: Database, course_dir: Path) -> Iterator[list[Server]]:
    extra = ("--rate-limit", f"{RATE}/100000")
    with fleet(1, course_dir, module_database.url, ENV, *extra) as one, fleet(
        1, course_dir, module_database.url, ENV, *extra, "--workers", "2"
    ) as two:
        yield one + two


def _at_once(servers: list[Server], send: Any) -> list[httpx.Response]:
    """`send(client)` AT_ONCE times together, spread over the servers (a barrier lines them up)."""
    barrier = threading.Barrier(AT_ONCE)

    def one(index: int) -> httpx.Response:
        with httpx.Client(base_url=servers[index % len(servers)].url, timeout=60) as client:
            barrier.wait()
            response: httpx.Response = send(client)
            return response

    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        return list(pool.map(one, range(AT_ONCE)))


def _stored(servers: list[Server], student: str) -> list[dict[str, Any]]:
    url = f"{servers[0].url}/api/staff/submissions"
    return every_page(httpx.get, url, params={"student": student}, headers=STAFF, timeout=60)


def test_one_xqueue_submission_delivered_to_every_process_at_once_is_answered_once(
    servers: list[Server],
) -> None:
    info = json.dumps({"anonymous_student_id": "xq-once", "submission_time": "20260301110000"})
    body = {"student_info": info, "student_response": WRONG, "grader_payload": PROBLEM}
    request = {
        "xqueue_header": json.dumps({"submission_id": 9001, "submission_key": "k"}),
        "xqueue_body": json.dumps(body),
    }
    replies = _at_once(servers, lambda client: client.post("/xqueue/grade", json=request, headers=STAFF))
    assert {r.status_code for r in replies} == {200}
    assert all(r.json() == replies[0].json() for r in replies)
    assert "used 1 of 5" in replies[0].json()["msg"]
    stored = _stored(servers, "xq-once")
    assert [(s["counted"], s["attempt"]) for s in stored] == [(True, 1)]


def test_a_students_rate_limit_is_one_for_every_process(servers: list[Server]) -> None:
    headers = {"Authorization": f"Bearer {token_for('rl-eve')}"}
    path = f"/api/problems/{PROBLEM}/submissions"
    replies = _at_once(servers, lambda client: client.post(path, json={"answer": "x"}, headers=headers))
    assert sorted(r.status_code for r in replies) == [200] * RATE + [429] * (AT_ONCE - RATE)
    refused = [r for r in replies if r.status_code == 429]
    assert {r.json()["error"]["code"] for r in refused} == {"rate_limited"}
    assert all(1 <= int(r.headers["Retry-After"]) <= 100_000 * 60 for r in refused)
    assert len(_stored(servers, "rl-eve")) == RATE
