"""Load test of the answer-checking service: submissions per second and their latency, on loopback.

Starts `grade serve` (a separate process) on the shipped problems with a fresh database, then
sends a fixed number of submissions from this process with a tight asyncio HTTP/1.1 client (raw
streams over keep-alive connections: it spends little of the CPU it is measuring), open-loop at a
fixed rate: request i is due at start + i / rate whether or not earlier ones have answered, and
its latency is counted from that due time, so a server that falls behind shows it in p99.

    python benchmarks/load.py                             # 5000 submissions at 500/s, SQLite
    python benchmarks/load.py --rate 0 --concurrency 32   # closed loop: as fast as it goes
    python benchmarks/load.py --answers distinct          # no two answers alike (no result cache)
    python benchmarks/load.py --answers distinct --in-process 300   # CPU per new answer, no HTTP
    python benchmarks/load.py --answers distinct --problem feedforward-softmax   # problems/network/
    python benchmarks/load.py --url http://127.0.0.1:8000 --secret "$GRADER_SECRET"   # a running server

Answers (`--answers repeated`, alias `pool`, the default) are drawn from every sequence of -1, 0
and 1 of the right length (243, one of them correct) plus unreadable ones, as a class types them,
so most are graded from the result cache; `distinct` makes every answer a new one (random reals,
and near misses with one real entry), as answers to the real-valued kinds are, so every one is
graded: for a sequence, as above; for an answer of another shape (a feedforward problem's list of
outputs per point, a feature map), in the key's shape, random reals and the key with one entry a
new real. `--problem` picks the problem; the server loads the directory of problems/ that holds
it (`--problems` to name another). Prints requests/s, latency percentiles, the server's CPU per
request, the status mix, and whether p99 met the target.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from grader.auth import issue_student_token

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = "lstm-states-2"  # 5 attempts allowed; its key is [1, -1, 0, 1, -1]
_LISTENING = re.compile(r"Uvicorn running on (http://\S+)")
_UNREADABLE = ["[1, -1, zero, 1, -1]", "", "1 -1 0 1", "[[1]]"]


def problems_of(problem: str) -> Path:
    """The directory of problems/ whose specs include `problem` (file names are the ids)."""
    for directory in [ROOT / "problems", *sorted(p for p in (ROOT / "problems").iterdir() if p.is_dir())]:
        if (directory / f"{problem}.yaml").is_file():
            return directory
    raise SystemExit(f"no problem {problem!r} in {ROOT / 'problems'} or its directories; give --problems")


def shaped_answers(key: list[Any], count: int) -> list[str]:
    """`count` distinct answers in the shape of `key` (nested lists of numbers): random reals,
    and the key with one entry a new real (near misses), alternately."""
    chooser = random.Random(14)
    flat = np.asarray(key, dtype=np.float64).ravel()
    shape = np.shape(key)
    texts: list[str] = []
    seen: set[str] = set()
    while len(texts) < count:
        if len(texts) % 2:
            values = np.array([round(chooser.uniform(-1, 1), 6) for _ in flat])
        else:
            values = flat.copy()
            values[chooser.randrange(len(flat))] = round(chooser.uniform(-1, 1), 6)
        text = json.dumps(values.reshape(shape).tolist())
        if text not in seen:
            seen.add(text)
            texts.append(text)
    return texts


def answers(kind: str, count: int, length: int = 5, key: list[Any] | None = None) -> list[str]:
    if kind == "distinct" and key is not None and np.ndim(key) != 1:
        return shaped_answers(key, count)
    if key is not None and np.ndim(key) == 1:
        length = len(key)
    if kind == "distinct":
        # new answers as real-valued kinds get them: random wrong sequences of reals, and
        # near-misses (the pool's integers with one entry a new real number); no two alike
        chooser = random.Random(14)
        texts: list[str] = []
        seen: set[str] = set()
        while len(texts) < count:
            values = [chooser.choice((-1, 0, 1)) for _ in range(length)]
            if len(texts) % 2:
                values = [round(chooser.uniform(-1, 1), 6) for _ in range(length)]
            else:
                values[chooser.randrange(length)] = round(chooser.uniform(-1, 1), 6)
            text = "[" + ", ".join(map(str, values)) + "]"
            if text not in seen:
                seen.add(text)
                texts.append(text)
        return texts
    pool = ["[" + ", ".join(map(str, values)) + "]" for values in itertools.product((-1, 0, 1), repeat=5)]
    pool += _UNREADABLE
    return [pool[(index * 7919) % len(pool)] for index in range(count)]


def key_of(directory: Path, problem_id: str) -> list[Any]:
    """The key of a problem (a fixed one; a variant's has the same shape), as nested lists."""
    from grader.engine.keys import compute_key, key_to_json
    from grader.spec.loader import load_problems

    key: list[Any] = key_to_json(compute_key(load_problems(directory)[problem_id]))
    return key


@contextmanager
def server(db: str, workers: int, env: dict[str, str], problems: Path) -> Iterator[tuple[str, int]]:
    """`grade serve` on a free port: yields (its URL, its process id)."""
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
        "--workers",
        str(workers),
        "--log-level",
        "info",
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
    assert process.stderr is not None
    url = None
    started = 0
    # with --workers N the parent prints the address before its workers listen: wait for all N
    for line in process.stderr:
        match = _LISTENING.search(line)
        if match:
            url = match.group(1)
        started += "Application startup complete" in line
        if url is not None and started >= workers:
            break
    if url is None or started < workers:
        process.wait()
        raise SystemExit("grade serve did not start")
    threading.Thread(target=lambda: [None for _ in process.stderr or ()], daemon=True).start()
    try:
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux /proc)."""
    total = 0.0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for each in pids:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def request_bytes(host: str, token: str, answer: str, problem: str = PROBLEM) -> bytes:
    body = json.dumps({"answer": answer}).encode()
    head = (
        f"POST /api/problems/{problem}/submissions HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    await reader.readexactly(int(match.group(1)) if match else 0)
    return status


async def run_load(
    url: str, requests: list[bytes], rate: float, concurrency: int
) -> tuple[list[float], Counter[int], float]:
    parts = urlsplit(url)
    connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(concurrency):
        connections.put_nowait(await asyncio.open_connection(parts.hostname, parts.port))
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    start = time.perf_counter()

    async def one(index: int, request: bytes) -> None:
        due = start + index / rate if rate > 0 else None
        if due is not None and due > time.perf_counter():
            await asyncio.sleep(due - time.perf_counter())
        reader, writer = await connections.get()
        began = due if due is not None else time.perf_counter()
        statuses[await exchange(reader, writer, request)] += 1
        latencies.append(time.perf_counter() - began)
        connections.put_nowait((reader, writer))

    await asyncio.gather(*(one(index, request) for index, request in enumerate(requests)))
    elapsed = time.perf_counter() - start
    while not connections.empty():
        _, writer = connections.get_nowait()
        writer.close()
    return latencies, statuses, elapsed


def in_process(kind: str, problem_id: str, count: int, directory: Path) -> None:
    """CPU per answer of the grading core and of `Checker.submit` (with a SQLite file), in this
    process: the server's work per submission without HTTP, less disturbed by a busy machine.
    The best of 5 rounds of `count` answers each, every answer new to the checker's caches."""
    from grader.grading import grade_answer
    from grader.service.checking import Checker
    from grader.spec.loader import load_problems
    from grader.storage import open_storage

    texts = answers(kind, count * 10 + 50, key=key_of(directory, problem_id))
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as scratch:
        checker = Checker(load_problems(directory), open_storage(str(Path(scratch) / "cpu.db")))
        problem = checker.problem(problem_id)
        key, inputs = checker.key(problem, "cpu"), checker.variant(problem, "cpu").inputs
        mistakes = checker.mistakes(problem, inputs)
        for index, text in enumerate(texts[:50]):  # warm: imports, the memos of the inputs
            checker.submit(problem.id, f"warm-{index}", text, now=now)
        students = itertools.count()

        def grade(text: str) -> object:
            level = problem.reveal.show
            return grade_answer(problem, text, key, level=level, inputs=inputs, mistakes=mistakes)

        def submit(text: str) -> object:
            return checker.submit(problem.id, f"cpu-{next(students)}", text, now=now)

        for name, work, start in (("grade_answer", grade, 50), ("Checker.submit", submit, 50 + 5 * count)):
            rounds = []
            for round_ in range(5):
                began = time.process_time()
                for text in texts[start + round_ * count : start + (round_ + 1) * count]:
                    work(text)
                rounds.append((time.process_time() - began) / count * 1000)
            print(
                f"{name + ':':16}{min(rounds):.3f} ms CPU per {kind} answer (best of 5 x {count};"
                f" median {statistics.median(rounds):.3f} ms), {problem.id}, level {problem.reveal.show}"
            )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000, help="submissions to send (default 5000)")
    parser.add_argument(
        "--rate", type=float, default=500.0, help="submissions per second; 0: as fast as possible"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="connections (default 32)")
    parser.add_argument(
        "--answers",
        choices=("repeated", "pool", "distinct"),
        default="repeated",
        help="repeated (alias pool; the default): a class's few answers, mostly cached; distinct:"
        " every answer new",
    )
    parser.add_argument("--problem", default=PROBLEM, help=f"problem to submit to (default {PROBLEM})")
    parser.add_argument(
        "--problems",
        type=Path,
        help="the course directory the server loads (default: the one of problems/ holding --problem)",
    )
    parser.add_argument("--db", help="database for the server (default: a fresh SQLite file)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--url", help="load a server already running here instead of starting one")
    parser.add_argument("--secret", help="with --url: the server's GRADER_SECRET")
    parser.add_argument("--target-p99-ms", type=float, default=25.0)
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="N",
        help="no server: CPU per answer of grade_answer and Checker.submit in this process, N answers"
        " a round",
    )
    args = parser.parse_args()
    directory = args.problems or problems_of(args.problem)
    if args.in_process:
        in_process(args.answers, args.problem, args.in_process, directory)
        return

    secret = args.secret or secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    # 3 submissions per student at most, so nobody runs out of their 5 attempts mid-run
    students = max(1, (args.requests + 2) // 3)
    tokens = [
        issue_student_token(secret, f"load-{i}", now=now, valid_for=timedelta(hours=2))
        for i in range(students)
    ]
    drawn = answers(args.answers, args.requests + 200, key=key_of(directory, args.problem))
    texts = drawn[: args.requests]
    # the warm-up sends answers of the same mix; distinct ones none the measured run sends
    warm_texts = drawn[args.requests :] if args.answers == "distinct" else drawn[:200]
    warm_tokens = [
        issue_student_token(secret, f"warm-{i}", now=now, valid_for=timedelta(hours=1)) for i in range(70)
    ]

    def load(url: str, pid: int | None) -> tuple[list[float], Counter[int], float, float | None]:
        host = urlsplit(url).netloc
        requests = [
            request_bytes(host, tokens[i % students], texts[i], args.problem) for i in range(args.requests)
        ]
        # warm up (imports, connections, the first gradings) as students the measured run does not use
        warm = [
            request_bytes(host, warm_tokens[i % 70], warm_texts[i], args.problem)
            for i in range(min(200, args.requests))
        ]
        asyncio.run(run_load(url, warm, 0, args.concurrency))
        before = None if pid is None else cpu_seconds(pid)
        latencies, statuses, elapsed = asyncio.run(run_load(url, requests, args.rate, args.concurrency))
        cpu = None if pid is None or before is None else cpu_seconds(pid) - before
        return latencies, statuses, elapsed, cpu

    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or str(Path(scratch) / "load.db")
        env = {"GRADER_SECRET": secret, "GRADER_STAFF_TOKEN": secrets.token_urlsafe(32)}
        if args.url:
            latencies, statuses, elapsed, cpu = load(args.url, None)
            where = args.url
        else:
            with server(db, args.workers, env, directory) as (url, pid):
                latencies, statuses, elapsed, cpu = load(url, pid)
            database = args.db or "<a fresh SQLite file>"
            where = f"grade serve --workers {args.workers} --db {database}"

    throughput = len(latencies) / elapsed
    p50, p90, p99 = (percentile(latencies, f) * 1000 for f in (0.50, 0.90, 0.99))
    print(f"server:       {where}")
    print(f"machine:      {os.cpu_count()} cores, load average before the run {os.getloadavg()[0]:.2f}")
    mode = f"open loop at {args.rate:g}/s" if args.rate > 0 else f"closed loop, {args.concurrency} in flight"
    print(
        f"load:         {args.requests} submissions ({args.answers} answers), {mode}, {students} students,"
        f" from a separate process over {args.concurrency} keep-alive connections"
    )
    print(f"throughput:   {throughput:,.0f} requests/s over {elapsed:.2f} s")
    print(
        f"latency:      p50 {p50:.1f} ms   p90 {p90:.1f} ms   p99 {p99:.1f} ms"
        f"   max {max(latencies) * 1000:.1f} ms"
        f"   mean {statistics.mean(latencies) * 1000:.1f} ms"
    )
    if cpu is not None:
        print(f"server CPU:   {cpu:.2f} s, {cpu / len(latencies) * 1000:.2f} ms per request")
    print(f"statuses:     {dict(sorted(statuses.items()))}")
    if args.rate > 0:
        verdict = "met" if p99 < args.target_p99_ms and throughput >= 0.95 * args.rate else "NOT met"
        print(
            f"target:       p99 < {args.target_p99_ms:g} ms at {args.rate:g}/s: {verdict} "
            f"(p99 / target = {p99 / args.target_p99_ms:.2f})"
        )


if __name__ == "__main__":
    main()
