"""`grade stats` on a whole course against `grade` on the same file (issue 13: within 2×).

    python benchmarks/stats_scale.py [--students 100000] [--repeat 3] [--keep DIR]

Generates the synthetic class of benchmarks/course_scale.py (its generator: the three seed
problems, LSTM states 1 and 2 with per-student variants; mostly right, some typical mistakes,
typing slips and blanks) as one JSONL file, then runs, each in a fresh subprocess, interleaved,
best of --repeat:

- `grade FILE --format csv -o gradebook.csv` (what a course runs to grade);
- `grade stats FILE --format json -o stats.json` (the same grading, then the statistics of
  every attempt);
- `grade stats FILE --format html -o stats.html` (the same, with matplotlib's charts);

and prints each one's time measured inside its process (imports excluded), its CPU time, its
wall time (start-up included), its peak memory, and the ratios of `grade stats` to `grade`.
Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_scale import GRADE, make_class, run_json


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each step; the best is shown (default: 3)"
    )
    parser.add_argument("--keep", type=Path, help="keep the generated files in this directory")
    args = parser.parse_args()
    work, problems, source = make_class(args.keep, "grader-stats-bench-", args.students)
    try:
        size = source.stat().st_size / 1e6
        common = [str(source), "--problems", str(problems), "--quiet", "--now", "2023-03-29T12:00:00Z"]
        python = sys.executable
        steps = {
            "grade (csv gradebook)": [
                python, "-c", GRADE, *common, "--format", "csv", "-o", str(work / "book.csv"),
            ],
            "grade stats (json)": [
                python, "-c", GRADE, "stats", *common, "--format", "json", "-o", str(work / "stats.json"),
            ],
            "grade stats (html)": [
                python, "-c", GRADE, "stats", *common, "--format", "html", "-o", str(work / "stats.html"),
            ],
        }
        best: dict[str, tuple[dict[str, float], float]] = {}
        for _ in range(args.repeat):
            for name, argv in steps.items():
                figures, wall = run_json(argv, stderr=True)
                if figures.get("code", 0) not in (0, 1):
                    raise SystemExit(f"{name} exited {figures['code']}")
                if name not in best or figures["seconds"] < best[name][0]["seconds"]:
                    best[name] = (figures, min(wall, best.get(name, (figures, wall))[1]))
        print(f"{args.students:,} students, 3 problems (2 with per-student variants), {size:.1f} MB of JSONL")
        print()
        print(f"{'':28}{'seconds':>9}{'cpu (s)':>9}{'wall (s)':>10}{'peak MB':>9}")
        for name, (figures, wall) in best.items():
            print(f"{name:28}{figures['seconds']:9.3f}{figures['cpu']:9.3f}{wall:10.3f}{figures['peak_mb']:9.0f}")
        base, base_wall = best["grade (csv gradebook)"]
        for name in ("grade stats (json)", "grade stats (html)"):
            figures, wall = best[name]
            label = f"ratio {name.removeprefix('grade ')} / grade"
            print(
                f"{label:28}{figures['seconds'] / base['seconds']:9.2f}{figures['cpu'] / base['cpu']:9.2f}"
                f"{wall / base_wall:10.2f}"
            )
        print()
        print(
            "seconds: measured inside the process, imports excluded; cpu: the CPU time of the same "
            "span,\nthe variant worker's included; wall: the whole command, interpreter start-up and "
            "imports included.\nThe target (issue 13): `grade stats` within 2× of `grade` on the same file."
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
