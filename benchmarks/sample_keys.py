"""Keys of the rnn, gru and feedforward kinds through the pipeline (`compute_keys`), for a class of
variants: one batched call against one call per variant.

    python benchmarks/sample_keys.py [--variants 100000] [--loop 2000]

Prints, for the shipped samples problems/recurrent/rnn-states.yaml and gru-states.yaml (each
variant 4 inputs drawn from {−1, 0, 1}, as `random: {alphabet: [-1, 0, 1], length: 4}` would),
problems/network/feedforward-softmax.yaml (2 points per variant, entries from {−1, 0, 1}) and
problems/network/backprop.yaml (∂L/∂W_1 summed over 2 such points), the wall and CPU time to
compute every variant's key in one call, the wall and CPU time of a loop of one call per variant
(`--loop` variants timed, extrapolated to all), and the ratio of the CPU times. The machine is
shared, so CPU time (`time.process_time`) is the figure to compare; the wall time is beside it.
benchmarks/convolution_keys.py does the same for the convolution samples.

Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from grader.engine.keys import compute_keys
from grader.spec.loader import load_problem
from grader.spec.models import Problem

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"
ALPHABET = np.array([-1.0, 0.0, 1.0])
#: sample → (its file, the shape of one variant's inputs: steps or points, then their size)
SAMPLES = {
    "rnn-states": ("recurrent/rnn-states.yaml", (4, 1)),
    "gru-states": ("recurrent/gru-states.yaml", (4, 1)),
    "feedforward-softmax": ("network/feedforward-softmax.yaml", (2, 2)),
    "backprop (gradient)": ("network/backprop.yaml", (2, 2)),
}


def timed(function: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(wall, CPU) seconds of one call: the best of `repeat`."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def one_at_a_time(problem: Problem, inputs: np.ndarray) -> list[object]:
    """Every variant's key, one call each, as a loop over students would."""
    return [compute_keys(problem, inputs[v : v + 1]) for v in range(len(inputs))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--loop", type=int, default=2_000, help="variants timed one at a time")
    args = parser.parse_args()
    rng = np.random.default_rng(14)
    print(f"{args.variants} variants; CPU time, wall time in brackets")
    for name, (path, shape) in SAMPLES.items():
        problem = load_problem(PROBLEMS / path)
        inputs = rng.choice(ALPHABET, size=(args.variants, *shape))
        some = min(args.loop, args.variants)
        wall, cpu = timed(lambda problem=problem, inputs=inputs: compute_keys(problem, inputs))
        part_wall, part_cpu = timed(
            lambda problem=problem, inputs=inputs[:some]: one_at_a_time(problem, inputs), 1
        )
        scale = args.variants / some
        print(
            f"{name:<22} batched {cpu * 1e3:8.1f} ms ({wall * 1e3:8.1f} ms)   "
            f"loop {part_cpu * scale:7.2f} s ({part_wall * scale:7.2f} s, {some} timed)   "
            f"ratio {part_cpu * scale / cpu:6.0f}×"
        )


if __name__ == "__main__":
    main()
