"""Feedback at scale: diagnosis batched over a class against one answer at a time, and the checks.

    python benchmarks/feedback.py [--students 100000] [--loop 300]

Prints, for lstm-states-2 with per-student random inputs of length 5 over {0, 1}:

- mistake keys for every student: `mistake_answers` on all N input sequences at once (one engine
  pass per spec-level mistake variant) against calling it once per student for `--loop` students
  (extrapolated to N), and their ratio;
- feedback for one wrong answer at `diagnosis`: `teach` with that student's precomputed row of
  mistake answers (what batch grading does) against `teach` computing them itself (the service);
- `grade check problems/` work: the key audit of the shipped problems and the simulation that
  verifies the lstm-info key (1024 sequences of length 10), and the same simulation at length 16.

Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from grader.compare.answers import compare_sequence
from grader.engine.keys import compute_key, compute_keys
from grader.feedback.audit import audit_problem
from grader.feedback.messages import teach
from grader.feedback.mistakes import mistake_answers, variants_for
from grader.feedback.properties import verify_choices
from grader.spec.loader import load_problems

ROOT = Path(__file__).resolve().parent.parent


def timed(function: Callable[[], object], repeat: int = 1) -> float:
    """Best of `repeat` wall times of one call, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--loop", type=int, default=300, help="students timed one at a time")
    args = parser.parse_args()

    problems = load_problems(ROOT / "problems")
    problem = problems["lstm-states-2"]
    inputs = np.random.default_rng(686).integers(0, 2, size=(args.students, 5, 1)).astype(np.float64)
    variants = len(variants_for(problem))

    batched = timed(lambda: mistake_answers(problem, inputs))
    looped = timed(lambda: [mistake_answers(problem, inputs[b : b + 1]) for b in range(args.loop)])
    looped_all = looped / args.loop * args.students
    print(f"mistake keys, {args.students} students × {variants} mistake variants (lstm-states-2, T = 5)")
    per_student = batched / args.students * 1e6
    print(f"  batched, one pass per variant   {batched:8.2f} s   {per_student:7.1f} µs/student")
    print(
        f"  one student at a time           {looped_all:8.2f} s   {looped / args.loop * 1e6:7.1f} µs/student "
        f"(timed on {args.loop}, extrapolated)"
    )
    print(f"  ratio                           {looped_all / batched:8.1f} ×")

    key = compute_keys(problem, inputs[:1])[0]
    given = key.copy()
    given[2:] = -given[2:] if np.any(given[2:]) else 1.0  # a wrong answer
    comparison = compare_sequence(problem, key, given)
    row = {name: values[0] for name, values in mistake_answers(problem, inputs[:1]).items()}
    n = 200
    first = inputs[0]
    with_row = timed(
        lambda: [teach(problem, key, given, comparison, "diagnosis", first, mistakes=row) for _ in range(n)]
    )
    without = timed(lambda: [teach(problem, key, given, comparison, "diagnosis", first) for _ in range(n)])
    right = compare_sequence(problem, key, key)
    correct = timed(lambda: [teach(problem, key, key, right, "diagnosis", inputs[0]) for _ in range(n)])
    print("feedback for one answer at `diagnosis`")
    print(f"  wrong, precomputed mistake row  {with_row / n * 1e3:8.3f} ms")
    print(f"  wrong, computed here            {without / n * 1e3:8.3f} ms")
    print(f"  right (no diagnosis at all)     {correct / n * 1e3:8.3f} ms")

    shipped = [p for p in problems if p.model is not None]
    audit = timed(lambda: [audit_problem(p) for p in shipped], repeat=5)
    info, model = problems["lstm-info"], problems["lstm-states-1"]
    verify_10 = timed(lambda: verify_choices(info, model), repeat=5)
    assert info.answer.kind == "choice" and info.answer.check is not None
    check_16 = info.answer.check.model_copy(update={"max_length": 16})
    longer = info.model_copy(update={"answer": info.answer.model_copy(update={"check": check_16})})
    verify_16 = timed(lambda: verify_choices(longer, model))
    print("grade check")
    print(f"  audit of {len(shipped)} shipped sequence problems {audit * 1e3:8.2f} ms")
    print(f"  lstm-info key, 2^10 sequences     {verify_10 * 1e3:8.2f} ms")
    print(f"  lstm-info key, 2^16 sequences     {verify_16 * 1e3:8.2f} ms")
    assert compute_key(problem) is not None


if __name__ == "__main__":
    main()
