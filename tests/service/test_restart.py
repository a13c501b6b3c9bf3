"""Kill -9 the server in the middle of a load, restart it: every acknowledged submission is there."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx

from tests.service.conftest import SECRET, STAFF_TOKEN, every_page, student_token
from tests.service.server_process import grade_serve

ENV = {"GRADER_SECRET": SECRET, "GRADER_STAFF_TOKEN": STAFF_TOKEN}


def test_nothing_acknowledged_is_lost_across_a_kill(course_dir: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "grader.db")
    acknowledged: dict[int, tuple[str, str]] = {}
    lock = threading.Lock()
    enough = threading.Event()
    # due-penalty has no attempt limit (and, past its due date, is still accepted at a discount)
    answers = ["[1, -1]", "[1, 1]", "[0, 0]", "not numbers"]

    with grade_serve(course_dir, db, ENV) as server:

        def student_loop(index: int) -> None:
            student = f"s{index}"
            # a real server checks expiry with its own clock: issue the token for the present
            token = student_token(student, now=datetime.now(timezone.utc))
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.url, timeout=10) as client:
                for n in range(1000):
                    raw = answers[n % len(answers)]
                    try:
                        response = client.post(
                            "/api/problems/due-penalty/submissions", json={"answer": raw}, headers=headers
                        )
                    except httpx.TransportError:
                        return  # the server is gone
                    if response.status_code == 200:
                        with lock:
                            acknowledged[response.json()["id"]] = (student, raw)
                            if len(acknowledged) >= 60:
                                enough.set()
                    else:
                        raise AssertionError(f"{response.status_code}: {response.text}")

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(student_loop, i) for i in range(4)]
            enough.wait(timeout=120)
            server.kill()  # mid-load: requests are in flight
            for future in futures:
                future.result()

    assert len(acknowledged) >= 60
    with grade_serve(course_dir, db, ENV) as server:
        stored = every_page(
            httpx.get,
            f"{server.url}/api/staff/submissions",
            params={"limit": 1000},
            headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
            timeout=30,
        )
    by_id = {s["id"]: (s["student"], s["raw"]) for s in stored}
    missing = {i: v for i, v in acknowledged.items() if by_id.get(i) != v}
    assert missing == {}
    # and the counters agree with the records: attempts 1, 2, 3, … with no gap or repeat
    for student in {s for s, _ in acknowledged.values()}:
        counted = [s for s in stored if s["student"] == student and s["counted"]]
        assert sorted(s["attempt"] for s in counted) == list(range(1, len(counted) + 1))
