"""Start-up of the `grade` command against importing its three heavy dependencies alone.

    python benchmarks/startup.py [--runs 21]

Runs each command as a whole new process (`python -c …` / `python -m grader …`, from the
repository root), interleaved so a busy machine slows all of them alike, and prints the median
wall time of each and its ratio to the baseline `import numpy, pydantic, yaml` (and the same for
CPU time, user + system, which other processes on a shared machine disturb less):

- `grade --help`: target under the baseline (it needs neither numpy nor the models);
- `grade key problems/`: target within 1.3× of the baseline (it needs all three, and the engine);
- for reference, the baseline plus pydantic's model machinery, which `import pydantic` leaves out.

Not a test: it prints figures; nothing here asserts a time. `python -X importtime -m grader …`
shows what a command imports.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASELINE = ("import numpy, pydantic, yaml", [sys.executable, "-c", "import numpy, pydantic, yaml"])
#: `import pydantic` alone loads none of its model machinery; the pydantic names the spec models
#: use load it (and, at the first model built, pydantic's plugin discovery through
#: importlib.metadata): a floor for any command that reads a spec, shown for reference.
FLOOR = (
    "  + pydantic's models",
    [
        sys.executable, "-c",
        "import numpy, yaml; from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict\n"
        "class Model(BaseModel):\n    x: int\n",
    ],
)
#: name, command, and the highest ratio to the baseline that meets its target
COMMANDS = [
    ("grade --help", [sys.executable, "-m", "grader", "--help"], 1.0),
    ("grade key problems/", [sys.executable, "-m", "grader", "key", "problems/"], 1.3),
]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process, from start to exit; it must succeed."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=environment, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=21, help="runs of each command (default: 21)")
    options = parser.parse_args()
    everything = [BASELINE, FLOOR, *((name, command) for name, command, _ in COMMANDS)]
    for _, command in everything:  # once each, unmeasured: warm the file cache and .pyc files
        timed(command)
    walls: dict[str, list[float]] = {name: [] for name, _ in everything}
    cpus: dict[str, list[float]] = {name: [] for name, _ in everything}
    for _ in range(options.runs):
        for name, command in everything:
            wall, cpu = timed(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    print(
        f"Python {sys.version.split()[0]}, {options.runs} runs each (medians), {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for label, times in (("wall", walls), ("CPU", cpus)):
        baseline = statistics.median(times[BASELINE[0]])
        print(f"  {BASELINE[0]:<30} {label:>4} {baseline * 1000:7.1f} ms  (baseline)")
        floor = statistics.median(times[FLOOR[0]])
        print(f"  {FLOOR[0]:<30} {label:>4} {floor * 1000:7.1f} ms  {floor / baseline:.2f}× (reference)")
        for name, _, target in COMMANDS:
            median = statistics.median(times[name])
            ratio = median / baseline
            verdict = "met" if ratio <= target else "NOT met"
            print(
                f"  {name:<30} {label:>4} {median * 1000:7.1f} ms  {ratio:.2f}× the baseline "
                f"(target ≤ {target}×: {verdict})"
            )


if __name__ == "__main__":
    main()
