"""Running `grade serve` as a real process on a free port (for the restart test and the benchmark)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class ServerProcess:
    """A `grade serve` child process and the URL it listens on."""

    process: subprocess.Popen[str]
    url: str
    log: list[str] = field(default_factory=list)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as if the machine lost the process."""
        self.process.kill()
        self.process.wait()


@contextmanager
def grade_serve(problems: Path, db: str, env: dict[str, str], *extra: str) -> Iterator[ServerProcess]:
    """Start `grade serve --port 0`, wait until it says where it listens, stop it on exit."""
    command = [
        sys.executable,
        "-m",
        "grader",
        "serve",
        "--problems",
        str(problems),
        "--db",
        db,
        "--port",
        "0",
        "--log-level",
        "info",
        *extra,
    ]
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env={**os.environ, **env}
    )
    assert process.stderr is not None
    log: list[str] = []
    url = None
    for line in process.stderr:  # blocks until uvicorn reports its address, or the process ends
        log.append(line)
        match = _LISTENING.search(line)
        if match:
            url = f"http://127.0.0.1:{match.group(1)}"
            break
    if url is None:
        process.wait()
        process.stderr.close()
        raise RuntimeError("grade serve did not start:\n" + "".join(log))
    drain = threading.Thread(target=lambda: log.extend(process.stderr or ()), daemon=True)
    drain.start()
    server = ServerProcess(process, url, log)
    try:
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        drain.join(timeout=5)
        process.stderr.close()
