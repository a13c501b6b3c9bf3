"""Scale-out of the answer-checking service: SQLite with 1 worker against PostgreSQL with 1, 2, 4.

    python benchmarks/scaleout.py [--duration 10] [--connections 8] [--pg URL]
                                  [--configs sqlite:1,postgresql:1,postgresql:2,postgresql:4]

For each configuration, in one run: a fresh database (a SQLite file, or a PostgreSQL schema of its
own, dropped afterwards), `grade db upgrade` (the deployment's migration step), then
`grade serve --workers N` on the shipped problems, a warm-up, and a measured closed-loop load of
submissions (a new student every request, cycling through a correct, a wrong and an unreadable
answer, student tokens signed with the server's secret). It prints requests/s, p50/p99 latency and
non-2xx answers side by side, with each configuration's throughput as a ratio to the first.

The load generator is `wrk` (Debian's package: C, epoll, one thread, a Lua script picking the
token and body of each request), not Python: a Python client spends about as much CPU per
request as the server does and would take the very cores being measured. The script reports
the share of the machine wrk itself used, and how busy the machine's cores were during each
run (from /proc/stat), which shows where the cores run out. Not a test: it prints figures;
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from grader.auth import issue_student_token
from grader.storage import database_url

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = "lstm-states-2"  # 5 attempts per student
#: correct, wrong (both use an attempt), unreadable (recorded, uses none)
ANSWERS = ["[1, -1, 0, 1, -1]", "[1, -1, 0, 0, 1]", "[1, -1, zero]"]
DEFAULT_PG = os.environ.get("GRADER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: More tokens than requests / 5: no student runs out of attempts during a run.
STUDENTS = 20_000


@dataclass(frozen=True)
class Figures:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    generator_cpu: float  # share of one core wrk used
    machine_busy: float  # share of all cores busy (everything on the machine)
    server_cpu_ms: float  # CPU of the grade serve processes per request
    database_cpu_ms: float  # CPU of the PostgreSQL backends serving them per request (0 for SQLite)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _database(backend: str, pg_url: str, scratch: Path, application: str) -> Iterator[str]:
    if backend == "sqlite":
        yield str(scratch / f"bench-{uuid.uuid4().hex[:8]}.db")
        return
    schema = f"grader_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url(pg_url), poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in pg_url else "?"
    try:
        yield (
            f"{pg_url}{separator}options={quote(f'-csearch_path={schema}')}&application_name={application}"
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def _server(db: str, workers: int, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    subprocess.run(
        [sys.executable, "-m", "grader", "db", "upgrade", "--db", db], check=True, env=env,
        stdout=subprocess.DEVNULL,
    )
    port = _free_port()
    command = [
        sys.executable, "-m", "grader", "serve", "--problems", str(ROOT / "problems"), "--db", db,
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # every worker imports and builds the keys: poll /api/health until it answers
            if process.poll() is not None:
                raise SystemExit(f"grade serve exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("grade serve did not answer within 60 s")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def _lua_script(path: Path, tokens: list[str]) -> None:
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    bodies = [quoted(f'{{"answer": {quoted(answer)}}}') for answer in ANSWERS]
    path.write_text(
        "local tokens = {" + ",".join(quoted(t) for t in tokens) + "}\n"
        "local bodies = {" + ",".join(bodies) + "}\n"
        f'local path = "/api/problems/{PROBLEM}/submissions"\n'
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local headers = {}\n"
        '  headers["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]\n'
        '  headers["Content-Type"] = "application/json"\n'
        '  return wrk.format("POST", path, headers, bodies[(n % #bodies) + 1])\n'
        "end\n",
        encoding="utf-8",
    )


_TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _tree(pid: int) -> list[int]:
    """A process and its children (uvicorn's workers)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.extend(int(child) for child in (task / "children").read_text().split())
    return [pid, *children]


def _backends(pg_url: str, application: str) -> list[int]:
    """The PostgreSQL backend processes of the server's connections (found by application_name)."""
    engine = create_engine(database_url(pg_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": application}
            ).all()
    finally:
        engine.dispose()
    return [int(row.pid) for row in rows]


def _busy_jiffies() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _milliseconds(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", value)
    if match is None:
        raise ValueError(f"wrk latency {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _wrk(url: str, script: Path, connections: int, seconds: float) -> tuple[str, float, float]:
    """Run wrk; returns its report, the CPU seconds it used, and the machine's busy share."""
    before_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0, total0 = _busy_jiffies()
    started = time.perf_counter()
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url],
        check=True, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    busy1, total1 = _busy_jiffies()
    after_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after_cpu.ru_utime - before_cpu.ru_utime) + (after_cpu.ru_stime - before_cpu.ru_stime)
    return result.stdout, cpu / elapsed, (busy1 - busy0) / max(1, total1 - total0)


def measure(
    backend: str, workers: int, *, pg_url: str, duration: float, connections: int, scratch: Path
) -> Figures:
    secret = secrets.token_urlsafe(32)
    env = {**os.environ, "GRADER_SECRET": secret, "GRADER_STAFF_TOKEN": secrets.token_urlsafe(32)}
    now = datetime.now(timezone.utc)
    tokens = [
        issue_student_token(secret, f"{backend}-{workers}-{i}", now=now, valid_for=timedelta(hours=2))
        for i in range(STUDENTS)
    ]
    script = scratch / f"submit-{backend}-{workers}.lua"
    _lua_script(script, tokens)
    application = f"grader-bench-{uuid.uuid4().hex[:8]}"
    with _database(backend, pg_url, scratch, application) as db, _server(db, workers, env) as (url, pid):
        _wrk(url, script, connections, 2)  # warm-up: every worker's connections and code paths
        servers = _tree(pid)
        backends = _backends(pg_url, application) if backend == "postgresql" else []
        server_before = sum(map(_process_cpu, servers))
        database_before = sum(map(_process_cpu, backends))
        report, generator_cpu, busy = _wrk(url, script, connections, duration)
        server_cpu = sum(map(_process_cpu, servers)) - server_before
        # a backend that ended during the run (none should: the pools keep their connections)
        # counts as 0 after: the figure errs low, never high
        database_cpu = max(0.0, sum(map(_process_cpu, backends)) - database_before)
        disturbed = any(not Path(f"/proc/{pid}").exists() for pid in [*servers, *backends])
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", report).group(1))  # type: ignore[union-attr]
    p50 = _milliseconds(re.search(r"\s50%\s+(\S+)", report).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"\s99%\s+(\S+)", report).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", report)
    errors_match = re.search(r"Socket errors:.*", report)
    if errors_match:
        print(f"  wrk: {errors_match.group(0)}", file=sys.stderr)
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    # a server or database process that ended mid-run (someone restarted PostgreSQL, a worker
    # died): the figures are flagged, not silently averaged in
    label = f"{name}, {workers} worker{'s' if workers > 1 else ''}{' (!)' if disturbed else ''}"
    return Figures(
        label, rate, p50, p99, requests, int(non_2xx_match.group(1)) if non_2xx_match else 0,
        generator_cpu, busy, 1000 * server_cpu / requests, 1000 * database_cpu / requests,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per configuration")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (requests in flight)")
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL server (default: {DEFAULT_PG})")
    parser.add_argument(
        "--configs", default="sqlite:1,postgresql:1,postgresql:2,postgresql:4",
        help="backend:workers, comma-separated; the first is the baseline of the ratios",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("benchmarks/scaleout.py needs wrk: apt-get install wrk")
    configs = [(name, int(workers)) for name, workers in (c.split(":") for c in args.configs.split(","))]

    print(f"machine: {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")
    print(f"load: wrk, 1 thread, {args.connections} connections, closed loop, {args.duration:g} s per "
          f"configuration after a 2 s warm-up; POST /api/problems/{PROBLEM}/submissions, a new student "
          "per request", flush=True)
    results: list[Figures] = []
    with tempfile.TemporaryDirectory() as scratch:
        for backend, workers in configs:
            figures = measure(
                backend, workers, pg_url=args.pg, duration=args.duration, connections=args.connections,
                scratch=Path(scratch),
            )
            results.append(figures)
            rate = figures.requests_per_second
            print(f"  measured {figures.label}: {rate:,.0f} requests/s", file=sys.stderr, flush=True)

    base = results[0].requests_per_second
    #: each backend's first configuration (PostgreSQL with 1 worker): the scale-out ratio's base
    same_backend: dict[str, float] = {}
    for f in results:
        same_backend.setdefault(f.label.split(",")[0], f.requests_per_second)
    header = (f"{'configuration':<24}{'requests/s':>11}{'ratio':>7}{'scale':>7}{'p50 ms':>8}{'p99 ms':>8}"
              f"{'non-2xx':>8}{'CPU ms/req':>11}{'2-core cap':>11}{'wrk CPU':>8}{'busy':>6}")
    print(header)
    print("-" * len(header))
    cores = os.cpu_count() or 1
    for f in results:
        per_request = f.server_cpu_ms + f.database_cpu_ms
        scale = f.requests_per_second / same_backend[f.label.split(",")[0]]
        ratio = f.requests_per_second / base
        print(f"{f.label:<24}{f.requests_per_second:>11,.0f}{ratio:>6.2f}×{scale:>6.2f}×"
              f"{f.p50_ms:>8.1f}{f.p99_ms:>8.1f}{f.non_2xx:>8}{per_request:>11.2f}"
              f"{1000 * cores / per_request:>11,.0f}{f.generator_cpu:>8.0%}{f.machine_busy:>6.0%}")
    print(
        "ratio: requests/s over the first line's; scale: over the same backend's first line.\n"
        "CPU ms/req: CPU time of the grade serve processes plus\n"
        "the PostgreSQL backends serving them, per request (server + database: "
        + ", ".join(f"{f.server_cpu_ms:.2f} + {f.database_cpu_ms:.2f}" for f in results)
        + f").\n{cores}-core cap: the requests/s at which that CPU would fill every core of this machine.\n"
        "wrk CPU: share of one core the load generator used. busy: share of all cores busy during the\n"
        "run, counting everything on the machine (other users' work included). (!): a server or\n"
        "PostgreSQL backend process ended during the run (a restart): that line's figures are disturbed."
    )


if __name__ == "__main__":
    main()
