"""Several `grade serve` processes on one database, started together, each on a port of its own.

Used by the scale-out tests (once per test module: starting a server takes a second or two) and by
`benchmarks/scaleout.py`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = ["Server", "fleet", "worker_pids"]

#: Seconds a server (each of its workers imports grader and builds the keys) may take to start.
STARTUP_SECONDS = 120
_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class Server:
    """One `grade serve` process (the uvicorn parent, when it runs --workers N) and its URL."""

    process: subprocess.Popen[str]
    url: str
    log: list[str] = field(default_factory=list)
    logged: threading.Condition = field(default_factory=threading.Condition)

    def read_log(self) -> None:
        """Collect the rest of the process's log, telling waiters of every line (a thread's job)."""
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.logged:
                self.log.append(line)
                self.logged.notify_all()
        with self.logged:
            self.logged.notify_all()  # the process ended: waiters stop waiting

    def wait_for_workers(self, count: int, timeout: float) -> None:
        """Until `count` workers said their application started (or the process ended)."""
        def started() -> bool:
            done = sum("Application startup complete." in line for line in self.log)
            return done >= count or not self.alive

        with self.logged:
            if not self.logged.wait_for(started, timeout=timeout) or not self.alive:
                raise RuntimeError(f"{count} workers did not start:\n" + "".join(self.log))

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as if the machine lost the process."""
        self.process.kill()
        self.process.wait()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


def worker_pids(parent: int) -> list[int]:
    """uvicorn's worker processes under `parent`, read from /proc (multiprocessing's resource
    tracker, also a child, is left out)."""
    children: list[int] = []
    for task in Path(f"/proc/{parent}/task").iterdir():
        children.extend(int(pid) for pid in (task / "children").read_text().split())
    workers = []
    for pid in children:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:  # ended since
            continue
        if b"spawn_main" in command:
            workers.append(pid)
    return sorted(workers)


def _start(problems: Path, db: str, env: dict[str, str], extra: Sequence[str]) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "grader", "serve", "--problems", str(problems), "--db", db,
        "--port", "0", "--log-level", "info", *extra,
    ]
    return subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, **env}, start_new_session=True,
    )


def _await_address(process: subprocess.Popen[str], log: list[str]) -> str:
    """Read the log until uvicorn says where it listens (or the process ends: then fail with its log)."""
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line)
        match = _LISTENING.search(line)
        if match:
            return f"http://127.0.0.1:{match.group(1)}"
    process.wait()
    raise RuntimeError("grade serve did not start:\n" + "".join(log))


def _stop(server: Server, drain: threading.Thread) -> None:
    if server.alive:
        # the whole session: uvicorn's workers too, when it runs several
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
    if drain.ident is not None:  # started: the server got as far as listening
        drain.join(timeout=5)
    if server.process.stderr is not None:
        server.process.stderr.close()


@contextmanager
def fleet(
    count: int, problems: Path, db: str, env: dict[str, str], *extra: str
) -> Iterator[list[Server]]:
    """`count` `grade serve` processes on `db`, all started at once (racing to migrate it)."""
    with ExitStack() as stack:
        servers = [Server(_start(problems, db, env, extra), url="") for _ in range(count)]
        drains = [threading.Thread(target=server.read_log, daemon=True) for server in servers]
        for server, drain in zip(servers, drains, strict=True):
            # registered before waiting, so every process is stopped even if one fails to start
            stack.callback(_stop, server, drain)
        for server, drain in zip(servers, drains, strict=True):
            server.url = _await_address(server.process, server.log)
            drain.start()
        workers = int(extra[extra.index("--workers") + 1]) if "--workers" in extra else 1
        for server in servers:
            # with --workers, the parent reports its address before any worker listens on it
            server.wait_for_workers(workers, timeout=STARTUP_SECONDS)
            _await_health(server)
        yield servers


def _await_health(server: Server) -> None:
    """Poll /api/health (with a deadline) over the instant between a worker's startup and its listen."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if httpx.get(f"{server.url}/api/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not server.alive:
            raise RuntimeError("grade serve does not answer /api/health:\n" + "".join(server.log))
        time.sleep(0.02)
