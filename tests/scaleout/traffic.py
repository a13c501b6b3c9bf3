"""A steady load of submissions from client threads, tallying what the servers acknowledged.

Every submission is a student's first (a new student each time), so no answer is refused for
attempts and every acknowledged one must be found in the database afterwards, exactly as sent.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from tests.scaleout.conftest import STAFF, token_for
from tests.service.conftest import every_page

__all__ = ["DEADLINE", "Acknowledged", "Traffic", "assert_all_acknowledged_are_stored", "stored_submissions"]

PROBLEM = "lstm-states-2"
#: Correct, wrong, and unreadable (recorded without using an attempt).
ANSWERS = ["[1, -1, 0, 1, -1]", "[1, 1, 1, 1, 1]", "[0, 0, 0, 0, zero]"]
#: After a refused connection or a 503, a client waits this long (on its stop event) before retrying.
BACKOFF_SECONDS = 0.05


@dataclass(frozen=True)
class Acknowledged:
    """A submission the service answered 200 to: what was sent, and where."""

    student: str
    raw: str
    url: str


class Traffic:
    """`per_server` threads per URL, each submitting in a loop until the block ends."""

    def __init__(self, urls: list[str], *, per_server: int = 2, tag: str = "load") -> None:
        self.urls = urls
        self.per_server = per_server
        self.tag = tag
        self.acknowledged: dict[int, Acknowledged] = {}
        self.acks_by_url: Counter[str] = Counter()
        #: (status code, error code) of every answer that was not 200
        self.refusals: Counter[tuple[int, str]] = Counter()
        self.retry_after: set[str | None] = set()
        self.transport_errors: Counter[str] = Counter()
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Traffic:
        for url in self.urls:
            for index in range(self.per_server):
                name = f"{self.tag}-{url.rsplit(':', 1)[-1]}-{index}"
                thread = threading.Thread(target=self._loop, args=(url, name), name=name, daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _loop(self, url: str, name: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            n = 0
            while not self._stop.is_set():
                student = f"{name}-{n}"
                raw = ANSWERS[n % len(ANSWERS)]
                n += 1
                try:
                    response = client.post(
                        f"/api/problems/{PROBLEM}/submissions",
                        json={"answer": raw},
                        headers={"Authorization": f"Bearer {token_for(student)}"},
                    )
                except httpx.TransportError:
                    with self._changed:
                        self.transport_errors[url] += 1
                        self._changed.notify_all()
                    self._stop.wait(BACKOFF_SECONDS)
                    continue
                with self._changed:
                    if response.status_code == 200:
                        self.acknowledged[response.json()["id"]] = Acknowledged(student, raw, url)
                        self.acks_by_url[url] += 1
                    else:
                        code = response.json().get("error", {}).get("code", "?")
                        self.refusals[(response.status_code, code)] += 1
                        self.retry_after.add(response.headers.get("retry-after"))
                    self._changed.notify_all()
                if response.status_code != 200:
                    self._stop.wait(BACKOFF_SECONDS)

    def wait_until(self, condition: Callable[[Traffic], bool], *, timeout: float, what: str) -> None:
        """Block until `condition(self)` holds (checked on every answer), or fail after `timeout` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: condition(self), timeout=timeout):
                raise AssertionError(
                    f"not within {timeout} s: {what} (acknowledged per server: {dict(self.acks_by_url)}, "
                    f"refused: {dict(self.refusals)}, transport errors: {dict(self.transport_errors)})"
                )

    def snapshot(self) -> Counter[str]:
        with self._changed:
            return Counter(self.acks_by_url)


#: Seconds a test waits for the load to reach a point; each wait normally ends in under one.
DEADLINE = 120


def stored_submissions(url: str) -> dict[int, dict[str, Any]]:
    """Every submission the service stored, by id, as staff read them (every page of the list)."""
    records = every_page(
        httpx.get, f"{url}/api/staff/submissions", params={"limit": 1000}, headers=STAFF, timeout=60
    )
    return {record["id"]: record for record in records}


def assert_all_acknowledged_are_stored(traffic: Traffic, stored: dict[int, dict[str, Any]]) -> None:
    """Every submission a server answered 200 to is stored, exactly as sent, and counted once."""
    found = {number: (record["student"], record["raw"]) for number, record in stored.items()}
    missing = {
        number: ack for number, ack in traffic.acknowledged.items()
        if found.get(number) != (ack.student, ack.raw)
    }
    assert missing == {}
    # one submission per student: a counted one is attempt 1, never a second claim
    assert {record["attempt"] for record in stored.values() if record["counted"]} <= {1}
