"""One student floods the service with unreadable answers: what is stored, and what reading it costs.

    python benchmarks/abuse.py                     # the server's default limits
    python benchmarks/abuse.py --limits off        # --rate-limit off --max-unreadable off
    python benchmarks/abuse.py --limits cap        # --rate-limit off: the unreadable cap alone
    python benchmarks/abuse.py --requests 2000 --size 10000 --connections 8

Starts `grade serve` on the shipped problems with a fresh SQLite file, sends `--requests`
unreadable answers of `--size` characters as one student over `--connections` keep-alive
connections, then prints: the seconds it took, the statuses, how many answers were stored, the
database's size on disk (file and WAL), and the bytes of the student's first page of
`GET /api/me/submissions` and of all pages. Not a test: it prints figures; nothing asserts a time.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.auth import issue_student_token  # noqa: E402
from tests.scaleout.fleet import fleet  # noqa: E402

PROBLEM = "lstm-states-2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--size", type=int, default=10_000, help="characters per answer (at most 10,000)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--limits", choices=("default", "off", "cap"), default="default")
    args = parser.parse_args()

    secret, staff = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    env = {"GRADER_SECRET": secret, "GRADER_STAFF_TOKEN": staff}
    token = issue_student_token(secret, "flood", now=datetime.now(timezone.utc), valid_for=timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    answer = ("zero, " * (args.size // 6 + 1))[: args.size]  # unreadable: no number in it
    options = {
        "default": (),
        "off": ("--rate-limit", "off", "--max-unreadable", "off"),
        "cap": ("--rate-limit", "off"),
    }[args.limits]

    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "grader.db"
        with fleet(1, ROOT / "problems", str(db), env, *options) as (server,):
            clients = [httpx.Client(base_url=server.url, timeout=60) for _ in range(args.connections)]

            def send(index: int) -> int:
                response = clients[index % len(clients)].post(
                    f"/api/problems/{PROBLEM}/submissions", json={"answer": answer}, headers=headers
                )
                return response.status_code

            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.connections) as pool:
                statuses = Counter(pool.map(send, range(args.requests)))
            elapsed = time.perf_counter() - start

            first = clients[0].get("/api/me/submissions", headers=headers)
            every, pages, url = 0, 0, "/api/me/submissions?limit=1000"
            stored = 0
            while url:
                page = clients[0].get(url, headers=headers)
                every += len(page.content)
                stored += len(page.json())
                pages += 1
                url = page.links.get("next", {}).get("url", "")
            for client in clients:
                client.close()
            sizes = {path.name: path.stat().st_size for path in Path(directory).iterdir()}

    print(f"server:     grade serve {' '.join(options) or '(default limits)'} --db <a fresh SQLite file>")
    print(f"load:       {args.requests} unreadable answers of {args.size} characters, one student, "
          f"{args.connections} connections")
    print(f"time:       {elapsed:.2f} s ({args.requests / elapsed:.0f} requests/s)")
    print(f"statuses:   {dict(sorted(statuses.items()))}")
    print(f"stored:     {stored} answers")
    print(f"on disk:    {', '.join(f'{name} {size / 1e6:.1f} MB' for name, size in sorted(sizes.items()))}")
    print(f"reading:    first page of /api/me/submissions {len(first.content) / 1e6:.2f} MB "
          f"({len(first.json())} records); all {pages} page(s) of 1000: {every / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
