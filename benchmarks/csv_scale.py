"""Grading a CSV export (`student,problem,answer`) against the stdlib `csv` module merely reading it.

    python benchmarks/csv_scale.py [--students 100000] [--repeat 5] [--keep DIR]

Generates the synthetic class of benchmarks/course_scale.py (the three seed problems, LSTM states
1 and 2 with per-student variants; mostly right, some typical mistakes, typing slips and blanks)
and writes it as a CSV export, one row per student and answered problem (290,000 rows for
100,000 students), and as the same class's JSONL. Then runs, each in a fresh process, paired and
interleaved, --repeat times:

- csv read: `python -c "import collections, csv, sys; collections.deque(csv.reader(open(...)),
  maxlen=0)"`, the baseline issue 15 names (target: grading within 1.0x of it);
- `grade class.csv --format csv -o gradebook.csv` (blocks of rows, `submissions/csv_blocks.py`);
- `grade class.csv` with the rows read one by one (`rows.read_csv`, the path before the blocks),
  through the same ClassGrader in a small driver, for the before figure;
- `grade class.jsonl --format csv -o gradebook.csv`, the same class from JSONL, for comparison;

and prints each one's median and best whole-process wall time (start-up included) with the CPU
time of the process and its children (the variant worker), and the ratios to the csv read. On a
machine shared with other work the wall figures stretch with the load, CPU time much less. The
three gradebooks are checked to be byte-identical. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_scale import ROOT, make_class

NOW = "2023-03-29T12:00:00Z"
CSV_READ = (
    "import collections, csv, sys; "
    "collections.deque(csv.reader(open(sys.argv[1], newline='', encoding='utf-8-sig')), maxlen=0)"
)
ROW_BY_ROW = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from pathlib import Path
    from grader.engine.parallel import can_parallelize
    from grader.grading import ClassGrader
    from grader.report import ROW_FORMATS
    from grader.report.files import write_atomically
    from grader.spec.loader import load_problems
    from grader.submissions.rows import read_csv

    source, problems_dir, output, now = sys.argv[1:]
    problems = load_problems(Path(problems_dir))
    moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
    grader = ClassGrader(problems, now=moment, parallel=can_parallelize())
    grader.add(read_csv(Path(source)))
    write_atomically(Path(output), ROW_FORMATS["csv"](problems.ids, grader.gradebook_rows()))
    """
)


def write_csv(jsonl: Path, path: Path) -> int:
    """The JSONL class as a CSV export: a row per student and answered problem; list answers as
    their JSON text. Returns the number of rows."""
    count = 0
    with jsonl.open() as lines, path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "problem", "answer"])
        for line in lines:
            data = json.loads(line)
            for problem, answer in data["answers"].items():
                writer.writerow(
                    [data["student"], problem, answer if isinstance(answer, str) else json.dumps(answer)]
                )
                count += 1
    return count


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed: {argv}\n{done.stdout}\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="paired runs of each step (default: 5)")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this directory")
    args = parser.parse_args()
    work, problems, jsonl = make_class(args.keep, "grader-csv-bench-", args.students)
    try:
        export = work / "class.csv"
        rows = write_csv(jsonl, export)
        python = sys.executable
        grade = [
            python,
            "-m",
            "grader",
            "--problems",
            str(problems),
            "--format",
            "csv",
            "--quiet",
            "--now",
            NOW,
        ]
        steps = {
            "csv read (stdlib csv)": [python, "-c", CSV_READ, str(export)],
            "grade class.csv (blocks)": [*grade, str(export), "-o", str(work / "blocks.csv")],
            "grade class.csv, row by row": [
                python,
                "-c",
                ROW_BY_ROW,
                str(export),
                str(problems),
                str(work / "rows.csv"),
                NOW,
            ],
            "grade class.jsonl": [*grade, str(jsonl), "-o", str(work / "jsonl.csv")],
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in steps}
        for _ in range(args.repeat):
            for name, argv in steps.items():
                runs[name].append(timed(argv))
        gradebooks = {(work / name).read_bytes() for name in ("blocks.csv", "rows.csv", "jsonl.csv")}
        print(
            f"{args.students:,} students, {rows:,} CSV rows ({export.stat().st_size / 1e6:.1f} MB); "
            f"{args.repeat} paired runs; the three gradebooks "
            f"{'identical' if len(gradebooks) == 1 else 'DIFFER'}"
        )
        print(f"\n{'':32} {'median wall':>12} {'best wall':>10} {'median CPU':>11}")
        medians: dict[str, tuple[float, float]] = {}
        for name, measured in runs.items():
            wall = statistics.median(w for w, _ in measured)
            cpu = statistics.median(c for _, c in measured)
            medians[name] = (wall, cpu)
            print(f"{name:32} {wall:10.3f} s {min(w for w, _ in measured):8.3f} s {cpu:9.3f} s")
        base_cpu = medians["csv read (stdlib csv)"][1]
        print()
        for name in list(steps)[1:]:
            # each run paired with the csv read of its round: the ratio's median
            paired = [
                w / base[0] for (w, _), base in zip(runs[name], runs["csv read (stdlib csv)"], strict=True)
            ]
            wall, cpu = medians[name]
            print(
                f"ratio {name:26} {statistics.median(paired):5.2f}x wall (paired median), "
                f"{cpu / base_cpu:5.2f}x CPU   (target for class.csv: 1.0x)"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
