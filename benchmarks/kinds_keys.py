"""Keys of the non-recurrent kinds for a class of variants: batched against one variant at a time.

    python benchmarks/kinds_keys.py [--variants 100000] [--loop 2000]

Prints, for each of
- a feedforward network 2 → 3 (tanh) → 2 (softmax, β = 2), 3 points per variant, 2 decimals;
- the gradients of its cross-entropy loss with respect to every W and b;
- a 1-D convolution of a length-8 signal: kernel of 3, padding 1, relu, max pooling 2;
the time to compute every variant's key in one batched call, the time of a Python loop that calls
the same function once per variant (`--loop` variants timed, extrapolated to all), and the ratio.
Each variant's inputs are drawn from {−1, −0.5, 0, 0.5, 1}, as `random: {alphabet}` would.

Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from grader.engine.convolution import Pool, feature_map
from grader.engine.feedforward import Layer, Loss, Network, forward, gradients
from grader.spec.models import Rounding

ALPHABET = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])


def timed(function: Callable[[], object], repeat: int = 3) -> float:
    """Best of `repeat` wall times of one call, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def compare(name: str, batched: Callable[[np.ndarray], object], inputs: np.ndarray, loop: int) -> None:
    """Print the batched time, the extrapolated per-variant loop time, and their ratio."""
    variants = len(inputs)
    whole = timed(lambda: batched(inputs))
    some = min(loop, variants)
    part = timed(lambda: [batched(inputs[v : v + 1]) for v in range(some)], repeat=1)
    looped = part * variants / some
    print(
        f"{name:<28} batched {whole * 1e3:9.1f} ms   loop {looped:8.2f} s "
        f"({some} timed)   ratio {looped / whole:7.0f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--loop", type=int, default=2_000, help="variants timed one at a time")
    args = parser.parse_args()
    rng = np.random.default_rng(14)

    network = Network(
        (
            Layer([[0.5, -1.0], [1.5, 0.25], [-0.75, 1.0]], [0.1, -0.2, 0.0], "tanh"),
            Layer([[1.0, -2.0, 0.5], [0.5, 1.0, -1.5]], [0.0, 0.3], "softmax", beta=2.0),
        ),
        Loss("cross_entropy", 1),
    )
    points = rng.choice(ALPHABET, size=(args.variants, 3, 2))
    rounding = Rounding(decimals=2, ties="away_from_zero")
    signals = rng.choice(ALPHABET, size=(args.variants, 8))

    print(f"{args.variants} variants")
    compare(
        "feedforward outputs",
        lambda x: forward(network, x, rounding=rounding).outputs,
        points,
        args.loop,
    )
    compare("feedforward gradients", lambda x: gradients(network, x, rounding=rounding), points, args.loop)

    def convolve(x: np.ndarray) -> np.ndarray:
        kernel, pool = [1.0, -2.0, 0.5], Pool("max", 2)
        result = feature_map(x, kernel, bias=0.25, padding=1, activation="relu", pool=pool, rounding=rounding)
        return result.output

    compare("1-D convolution + max pool", convolve, signals, args.loop)


if __name__ == "__main__":
    main()
