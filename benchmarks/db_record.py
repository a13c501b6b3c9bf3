"""`grade SUBMISSIONS --db URL`: batch attempts recorded per second, on SQLite and PostgreSQL.

    python benchmarks/db_record.py [--students 20000] [--repeat 3] [--backends sqlite,postgresql]
                                   [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Generates the synthetic class of benchmarks/course_scale.py (the three seed problems, LSTM states 1
and 2 with per-student variants; about 2.9 attempts per student) as one JSONL file, then, for each
backend, in a fresh subprocess with a fresh database (a SQLite file; a PostgreSQL database of its
own, created and dropped here, reached with a pool of one connection), times:

- grading: `record.graded_attempts`, the attempts graded as the service would and made
  ready to record (read, variants, keys, grading, origins);
- recording: `Storage.record_offline` of them all into the empty database, in one transaction
  (executemany on SQLite, COPY on PostgreSQL): the figure issue 15 sets at 50,000 attempts/s;
- the rerun: the same again, every attempt already there (nothing written);
- `grade FILE --db URL` whole, the batch grading and its gradebook included, start-up included.

Each step's wall time is shown with the CPU time spent over it: this process's, and on PostgreSQL
also the server process that served the connection (read from /proc when the server runs on this
machine). On a machine shared with other work the wall figures stretch with the load, CPU time
much less. Best of --repeat. Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_scale import ROOT, make_class

TARGET = 50_000  # attempts recorded per second (issue 15)
NOW = "2023-03-29T12:00:00Z"

STEPS = textwrap.dedent(
    """
    import json, os, sys, time
    from datetime import datetime
    from pathlib import Path
    from sqlalchemy import text
    from grader.record import graded_attempts
    from grader.spec.loader import load_problems
    from grader.storage import open_storage
    from grader.submissions.formats import read_submissions

    source, problems_dir, db, now = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    storage = open_storage(db)
    backend_pid = None
    if storage.engine.dialect.name == "postgresql":
        with storage.engine.connect() as connection:  # the pool's one connection, used throughout
            backend_pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    def server_cpu():
        if backend_pid is None:
            return 0.0
        try:
            fields = open(f"/proc/{backend_pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")  # a server on another machine
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def timed(step):
        start, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
        value = step()
        return value, {
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
            "server_cpu": server_cpu() - server,
        }

    problems = load_problems(problems_dir)
    moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
    batch, grading = timed(lambda: graded_attempts(problems, read_submissions(source), now=moment))
    added, recording = timed(lambda: storage.record_offline(batch.entries))
    again, rerun = timed(lambda: storage.record_offline(batch.entries))
    storage.close()
    assert added == len(batch.entries) and again == 0, (added, again, len(batch.entries))
    print(json.dumps({
        "attempts": len(batch.entries), "grading": grading, "recording": recording, "rerun": rerun,
    }))
    """
)


@contextmanager
def database(backend: str, postgres: str, scratch: Path) -> Iterator[str]:
    """A fresh database for one run: a SQLite file, or a PostgreSQL database of its own."""
    if backend == "sqlite":
        path = scratch / f"record-{uuid.uuid4().hex[:8]}.db"
        yield str(path)
        for leftover in scratch.glob(path.name + "*"):
            leftover.unlink()
        return
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    from grader.storage import database_url

    name = f"grader_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url(postgres), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    url = make_url(postgres).set(database=name).update_query_dict({"pool_size": "1", "max_overflow": "0"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(argv: list[str]) -> tuple[dict[str, object], float]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode not in (0, 1) or (argv[1] == "-c" and not lines):
        raise SystemExit(f"benchmark step failed:\n{done.stdout}\n{done.stderr}")
    return (json.loads(lines[-1]) if lines else {}), wall


def rate(attempts: int, seconds: float) -> str:
    return f"{attempts / seconds:>10,.0f}/s" if seconds > 0 else "         -"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each backend; the best is shown")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server (any database on it): the benchmark creates and drops its own",
    )
    parser.add_argument("--keep", type=Path, help="keep the generated files in this directory")
    args = parser.parse_args()
    work, problems, source = make_class(args.keep, "grader-db-bench-", args.students)
    try:
        python = sys.executable
        size = source.stat().st_size / 1e6
        print(f"{args.students:,} students, {size:.1f} MB of JSONL; best of {args.repeat}")
        for backend in args.backends.split(","):
            best: dict[str, dict[str, float]] = {}
            whole = float("inf")
            attempts = 0
            for _ in range(args.repeat):
                with database(backend, args.postgres, work) as db:
                    figures, _ = run([python, "-c", STEPS, str(source), str(problems), db, NOW])
                attempts = int(figures["attempts"])  # type: ignore[call-overload]
                for step in ("grading", "recording", "rerun"):
                    measured: dict[str, float] = figures[step]  # type: ignore[assignment]
                    if step not in best or measured["seconds"] < best[step]["seconds"]:
                        best[step] = measured
                with database(backend, args.postgres, work) as db:
                    command = [
                        python,
                        "-m",
                        "grader",
                        str(source),
                        "--problems",
                        str(problems),
                        "--db",
                        db,
                        "--format",
                        "csv",
                        "-o",
                        str(work / "gradebook.csv"),
                        "--quiet",
                        "--now",
                        NOW,
                    ]
                    whole = min(whole, run(command)[1])
            print(f"\n{backend}: {attempts:,} attempts")
            for step, label in (
                ("grading", "graded (record.graded_attempts)"),
                ("recording", "recorded (Storage.record_offline)"),
                ("rerun", "rerun, all there already"),
            ):
                m = best[step]
                server = "" if backend == "sqlite" else f" + server CPU {m['server_cpu']:.2f} s"
                by_cpu = rate(attempts, m["cpu"] + m["server_cpu"]).strip()
                print(
                    f"  {label:<36} {m['seconds']:6.2f} s {rate(attempts, m['seconds'])}"
                    f"   (CPU {m['cpu']:.2f} s{server}: {by_cpu} of CPU)"
                )
            recording = best["recording"]
            print(
                f"  recording against the target of {TARGET:,}/s: "
                f"{attempts / recording['seconds'] / TARGET:.2f}x wall, "
                f"{attempts / (recording['cpu'] + recording['server_cpu']) / TARGET:.2f}x by CPU time"
            )
            print(f"  `grade FILE --db` whole process (gradebook and start-up included): {whole:.2f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
