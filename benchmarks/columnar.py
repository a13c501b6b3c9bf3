"""A class's gradebook by the columnar path against merely parsing its JSONL (issue 15's targets).

    python benchmarks/columnar.py [--students 100000] [--repeat 7] [--keep DIR]

Generates N synthetic students twice (as benchmarks/course_scale.py does: 60 % right in one of
three typed forms, 25 % one entry wrong, 10 % a typing slip, 5 % blank): once for the three seed
problems as shipped, once with both sequence problems drawing 0/1 inputs per student. Then runs,
each as a whole process (interpreter start-up and imports included), interleaved and paired:

- parse only, the issue's command exactly: `python -c "import collections, json, sys;
  collections.deque(map(json.loads, open(sys.argv[1])), maxlen=0)" FILE`;
- `grade FILE --format csv -o gradebook.csv` on the seed class, on the variant class (two
  processes), and on the variant class with --no-parallel (one);
- `grade FILE --format json -o report.json` on the variant class (feedback for every result);

and prints per command the median of its runs and the median of its paired ratios to the parse
run beside it, for wall time and for CPU time (user + system of the process and its children:
on a machine shared with other work the wall clock stretches with the load, CPU time much less),
and its peak RSS (the largest of the process and the child it forks). The first run of each
`grade` command starts from an empty cache directory (`GRADER_CACHE_DIR`): it is shown apart, as
"first run"; the paired runs read the table it left (`grader/engine/keycache.py`). Not a test:
it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_scale import ROOT, SHIPPED, make_problems

#: The issue's parse-only command, exactly.
PARSE_ONLY = "import collections, json, sys; collections.deque(map(json.loads, open(sys.argv[1])), maxlen=0)"


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one whole process and its children."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {process.returncode}:\n{error}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7, help="paired runs of each command (default: 7)")
    parser.add_argument(
        "--json-repeat",
        type=int,
        default=None,
        help="paired runs of the JSON report (default: --repeat)",
    )
    parser.add_argument("--keep", type=Path, help="keep the generated files in this directory")
    args = parser.parse_args()
    if args.json_repeat is None:
        args.json_repeat = args.repeat
    work = Path(tempfile.mkdtemp(prefix="grader-columnar-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        seed, varying = work / "seed", work / "varying"
        for directory in (seed, varying):
            if directory.exists():
                shutil.rmtree(directory)
        shutil.copytree(SHIPPED, seed)
        make_problems(varying)
        seed_class, varying_class = work / "seed.jsonl", work / "varying.jsonl"
        # generated in another process: a child's peak RSS starts from its parent's (kept across
        # exec), so this one stays as small as the commands it measures
        generate = "import sys; from pathlib import Path; from course_scale import make_jsonl; "
        generate += "make_jsonl(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))"
        for problems, source in ((seed, seed_class), (varying, varying_class)):
            subprocess.run(
                [sys.executable, "-c", generate, str(problems), str(source), str(args.students)],
                cwd=Path(__file__).resolve().parent,
                check=True,
            )
        cache = work / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        env = {**os.environ, "GRADER_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
        # as installed: modules compiled once, not on every start (the first runs write them)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        python = sys.executable
        now = ["--now", "2023-03-29T12:00:00Z", "-q"]

        def grade(source: Path, problems: Path, output: str, *extra: str) -> list[str]:
            fmt = "json" if output.endswith(".json") else "csv"
            return [python, "-m", "grader", str(source), "--problems", str(problems), "--format", fmt,
                    "-o", str(work / output), *now, *extra]  # fmt: skip

        commands = {
            "seed problems → csv": (seed_class, grade(seed_class, seed, "seed.csv")),
            "variants → csv (2 processes)": (varying_class, grade(varying_class, varying, "varying.csv")),
            "variants → csv --no-parallel": (
                varying_class,
                grade(varying_class, varying, "serial.csv", "--no-parallel"),
            ),
            "variants → json report": (varying_class, grade(varying_class, varying, "report.json")),
        }
        first = {name: run(argv, env) for name, (_, argv) in commands.items()}
        parse: dict[Path, list[tuple[float, float, float]]] = {seed_class: [], varying_class: []}
        runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
        ratios: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for repeat in range(args.repeat):
            for name, (source, argv) in commands.items():  # each run paired with a parse beside it
                if name.endswith("json report") and repeat >= args.json_repeat:
                    continue
                base = run([python, "-c", PARSE_ONLY, str(source)], env)
                figures = run(argv, env)
                parse[source].append(base)
                runs[name].append(figures)
                ratios[name].append((figures[0] / base[0], figures[1] / base[1]))
        size = varying_class.stat().st_size / 1e6
        print(
            f"{args.students:,} students, 3 problems, {size:.1f} MB of JSONL; "
            f"medians of {args.repeat} paired runs ({args.json_repeat} of the JSON report)"
        )
        print()
        print(f"{'':32}{'wall s':>8}{'cpu s':>8}{'peak MB':>9}{'× parse':>9}{'cpu ×':>7}{'first run':>11}")
        labels = ((seed_class, "parse only (seed class)"), (varying_class, "parse only (variants)"))
        for source, label in labels:
            wall, cpu, peak = (statistics.median(values) for values in zip(*parse[source], strict=True))
            print(f"{label:32}{wall:8.3f}{cpu:8.3f}{peak:9.0f}")
        for name in commands:
            wall, cpu, peak = (statistics.median(values) for values in zip(*runs[name], strict=True))
            ratio, cpu_ratio = (statistics.median(values) for values in zip(*ratios[name], strict=True))
            peak = max(figures[2] for figures in runs[name])
            print(
                f"{name:32}{wall:8.3f}{cpu:8.3f}{peak:9.0f}{ratio:9.2f}{cpu_ratio:7.2f}"
                f"{first[name][0]:9.2f} s"
            )
        print()
        print(
            "wall: the whole command, start-up included; cpu: user + system time of the process and its\n"
            "children; × parse: the median of each run's ratio to the parse run beside it; peak MB: the\n"
            "largest max RSS of the runs (the process or its forked half); first run: wall seconds from\n"
            "an empty cache directory (specs loaded, keys computed, every distinct answer graded)."
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
