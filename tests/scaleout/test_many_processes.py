"""Four `grade serve` processes on one database behave as one: attempt limits hold across them.

The servers start once per module and backend (on a fresh database, all at once, racing to
migrate it); each trial is a student of its own, so the trials do not share an attempt counter.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scaleout.conftest import ENV, STAFF, token_for
from tests.scaleout.fleet import Server, fleet
from tests.service.conftest import Database

PROBLEM = "exact-states"  # max_attempts: 3 (tests/service/conftest.py)
WRONG = "[0, 0, 0]"
INVALID = "[0, 0, zero]"
SUBMISSIONS = 50
TRIALS = 20


#: How the four processes run: four `grade serve` on ports of their own, or one `grade serve
#: --workers 4` whose workers share its port (the kernel hands each connection to one of them).
LAYOUTS = {"4 processes": (4, ()), "--workers 4": (1, ("--workers", "4"))}


@pytest.fixture(scope="module", params=list(LAYOUTS))
def layout(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def servers(module_database: Database, course_dir: Path, layout: str) -> Iterator[list[Server]]:
    count, extra = LAYOUTS[layout]
    with fleet(count, course_dir, module_database.url, ENV, *extra) as started:
        yield started


@pytest.fixture(scope="module")
def clients(servers: list[Server]) -> Iterator[list[httpx.Client]]:
    """Four clients: one per process, or four on the one port (each its own connections)."""
    opened = [httpx.Client(base_url=servers[i % len(servers)].url, timeout=30) for i in range(4)]
    yield opened
    for client in opened:
        client.close()


def student_of(layout: str, name: str) -> str:
    """The layouts share the module's database: each has its own students."""
    return f"{name}-{'ports' if layout == '4 processes' else 'workers'}"


def _submit_all_at_once(
    clients: list[httpx.Client], student: str, answers: list[str]
) -> list[httpx.Response]:
    """Answer i goes to server i mod 4; a barrier releases all of them together."""
    headers = {"Authorization": f"Bearer {token_for(student)}"}
    barrier = threading.Barrier(len(answers))

    def one(index: int) -> httpx.Response:
        barrier.wait()
        return clients[index % len(clients)].post(
            f"/api/problems/{PROBLEM}/submissions", json={"answer": answers[index]}, headers=headers
        )

    with ThreadPoolExecutor(max_workers=len(answers)) as pool:
        return list(pool.map(one, range(len(answers))))


@pytest.mark.parametrize("trial", range(TRIALS))
def test_fifty_submissions_over_four_processes_record_exactly_three_attempts(
    clients: list[httpx.Client], layout: str, trial: int
) -> None:
    student = student_of(layout, f"mallory-{trial}")
    answers = [INVALID if i % 5 == 0 else WRONG for i in range(SUBMISSIONS)]  # 10 invalid, 40 wrong
    responses = _submit_all_at_once(clients, student, answers)

    assert {r.status_code for r in responses} <= {200, 409}
    outcomes = [r.json() for r in responses if r.status_code == 200]
    counted = [o for o in outcomes if o["counted"]]
    uncounted = [o for o in outcomes if not o["counted"]]
    refused = [r.json()["error"]["code"] for r in responses if r.status_code == 409]
    assert sorted(o["attempts_used"] for o in counted) == [1, 2, 3]
    assert all(o["status"] == "incorrect" for o in counted)
    assert all(o["status"] == "invalid" for o in uncounted)
    assert set(refused) <= {"no_attempts_left"}

    # what the database holds, read back through another server than most answers went to
    stored: list[dict[str, Any]] = clients[trial % 4].get(
        "/api/staff/submissions", params={"student": student}, headers=STAFF
    ).json()
    assert sorted(s["attempt"] for s in stored if s["counted"]) == [1, 2, 3]
    assert sorted(s["id"] for s in stored) == sorted(o["id"] for o in outcomes)
    assert all(s["raw"] == INVALID for s in stored if not s["counted"])


def test_a_student_sees_the_same_state_on_every_process(clients: list[httpx.Client], layout: str) -> None:
    student = student_of(layout, "wanda")
    headers = {"Authorization": f"Bearer {token_for(student)}"}
    first = clients[0].post(f"/api/problems/{PROBLEM}/submissions", json={"answer": WRONG}, headers=headers)
    assert first.status_code == 200 and first.json()["attempts_used"] == 1

    views = [c.get(f"/api/problems/{PROBLEM}", headers=headers).json() for c in clients]
    assert [(v["attempts_used"], v["attempts_left"]) for v in views] == [(1, 2)] * 4
    second = clients[3].post(f"/api/problems/{PROBLEM}/submissions", json={"answer": WRONG}, headers=headers)
    assert second.json()["attempts_used"] == 2
    grades = [c.get("/api/me/grades", headers=headers).json() for c in clients]
    assert len({repr(g) for g in grades}) == 1  # one answer, whichever process is asked


def test_a_token_signed_for_one_process_is_accepted_by_all_and_staff_is_staff_everywhere(
    clients: list[httpx.Client],
) -> None:
    headers = {"Authorization": f"Bearer {token_for('ulla')}"}
    assert [c.get("/api/me/grades", headers=headers).status_code for c in clients] == [200] * 4
    assert [c.get("/api/staff/submissions", headers=STAFF).status_code for c in clients] == [200] * 4
    forged = {"Authorization": f"Bearer {token_for('ulla')}x"}
    codes = {c.get("/api/me/grades", headers=forged).json()["error"]["code"] for c in clients}
    assert codes == {"invalid_token"}
