"""Regrading a class after a key fix: from a previous report, and from the stored attempts.

    python benchmarks/regrade.py [--students 20000] [--db URL]

lstm-states-2 is graded (and recorded) with the tie rounded away from zero, then regraded with
the shipped, fixed spec; students type one of four answers. Prints the wall time of:

- `grade SUBMISSIONS` itself on the class (for comparison) and `regrade_class` from its report;
- `regrade_database` listing the changes, then applying them (one transaction), then a second
  apply that finds nothing to write; on a fresh SQLite file unless --db names an empty database.

Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.grading import grade_submissions
from grader.record import record_batch
from grader.regrade import regrade_class, regrade_database
from grader.spec.loader import load_problems
from grader.storage import open_storage
from grader.submissions.models import Attempt, Submission

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = ["[1, -1, 0, 1, -1]", "[1, -1, 1, -1, 1]", "[1, -1, 0, 0, 1]", "[0, 0, 0, 0, 0]"]
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--db", help="an empty database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        old_dir = Path(scratch) / "old"
        shutil.copytree(ROOT / "problems", old_dir)
        spec = old_dir / "lstm-states-2.yaml"
        text = spec.read_text(encoding="utf-8").replace("ties: toward_zero}", "ties: away_from_zero}")
        spec.write_text(text.replace("expected: [1, -1, 0, 1, -1]\n", ""), encoding="utf-8")
        old, new = load_problems(old_dir), load_problems(ROOT / "problems")
        students = [
            Submission(f"s{n:06d}", {"lstm-states-2": [Attempt(ANSWERS[n % len(ANSWERS)])]})
            for n in range(args.students)
        ]
        print(f"{args.students} students, one answer each to lstm-states-2")
        seconds, report = timed(lambda: grade_submissions(old, students, now=NOW))
        print(f"  grade (the previous report):      {seconds:7.2f} s")
        seconds, regrade = timed(lambda: regrade_class(report, new, students, now=NOW, old_problems=old))
        print(f"  regrade_class from the report:    {seconds:7.2f} s  ({len(regrade.changes)} changes)")

        storage = open_storage(args.db or str(Path(scratch) / "grader.db"))
        try:
            seconds, _ = timed(lambda: record_batch(old, storage, students, now=NOW))
            print(f"  record the class (grade --db):    {seconds:7.2f} s")
            for label, apply in (("list", False), ("apply", True), ("apply again", True)):
                seconds, done = timed(
                    lambda apply=apply: regrade_database(new, storage, apply=apply, by="bench", now=NOW)
                )
                print(
                    f"  regrade_database, {label + ':':<15} {seconds:7.2f} s  "
                    f"({len(done.changes)} changes, {done.submissions_updated} submissions to write)"
                )
        finally:
            storage.close()


if __name__ == "__main__":
    main()
