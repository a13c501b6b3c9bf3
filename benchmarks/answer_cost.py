"""The cost of grading one new answer (parse, compare, diagnosis, feedback), per answer kind.

    python benchmarks/answer_cost.py [--answers 2000]

For each sample problem (an LSTM sequence, a feedforward network's outputs, a gradient matrix,
a 1-D and a 2-D feature map), grades `--answers` distinct answers one at a time with
`grade_answer` at the `diagnosis` level, the student's mistake answers precomputed in a
`MistakeTable` as the service keeps them: a third are right, a third have one entry off (the
feedback names it), a third are a catalogued mistake's answer (the feedback explains it). Prints
the CPU time (time.process_time) and the wall time per answer; the machine may be shared, so
CPU is the figure to compare. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from grader.engine.keys import compute_key, fixed_inputs
from grader.feedback.mistakes import MistakeTable, mistake_answers
from grader.grading import grade_answer
from grader.spec.loader import load_problems

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [
    ("problems", "lstm-states-2"),
    ("problems/network", "feedforward-softmax"),
    ("problems/network", "backprop"),
    ("problems/convolution", "conv-1d"),
    ("problems/convolution", "conv-2d"),
]


def answers_for(key: np.ndarray, mistakes: dict[str, np.ndarray], count: int) -> list[str]:
    """`count` distinct answer texts: right ones, one entry off, and mistakes' answers."""
    rng = np.random.default_rng(686)
    explained = [answer for answer in mistakes.values() if np.shape(answer) == np.shape(key)]
    found = []
    for index in range(count):
        kind = index % 3
        if kind == 0 or (kind == 2 and not explained):
            value = key + rng.uniform(-1e-9, 1e-9, size=np.shape(key))  # right, typed differently
        elif kind == 1:
            value = np.array(key, dtype=np.float64)
            flat = value.reshape(-1)
            flat[rng.integers(flat.size)] += 1 + rng.integers(1000) / 1000
        else:
            value = explained[index % len(explained)] + rng.uniform(-1e-9, 1e-9, size=np.shape(key))
        found.append(repr(np.asarray(value).tolist()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
    args = parser.parse_args()
    print(f"{'problem':22} {'CPU/answer':>11} {'wall/answer':>12}")
    for directory, name in SAMPLES:
        problem = load_problems(ROOT / directory)[name]
        key = np.asarray(compute_key(problem))
        inputs = fixed_inputs(problem)
        row = {k: v[0] for k, v in mistake_answers(problem, inputs[None]).items()}
        table = MistakeTable(problem, row, key)
        answers = answers_for(key, row, args.answers)
        grade_answer(problem, answers[0], key, level="diagnosis", mistakes=table)  # warm
        cpu, wall = time.process_time(), time.perf_counter()
        for answer in answers:
            grade_answer(problem, answer, key, level="diagnosis", mistakes=table)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{name:22} {cpu / len(answers) * 1e3:8.3f} ms {wall / len(answers) * 1e3:9.3f} ms")


if __name__ == "__main__":
    main()
