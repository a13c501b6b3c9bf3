"""Keys of the convolution kind through the pipeline (`compute_keys`), for a class of variants:
one batched call against one call per variant.

    python benchmarks/convolution_keys.py [--variants 100000] [--loop 2000]

Prints, for the shipped 1-D sample (problems/convolution/conv-1d.yaml) with `random` signals of
length 8 and for the 2-D sample with random 4×4 images, the time to compute every variant's key
in one call, the time of a loop of one call per variant (`--loop` variants timed, extrapolated
to all), and the ratio. Unlike benchmarks/kinds_keys.py, which times the numerics alone, this
includes what the kind adds: the trace, the finiteness check, what the answer reports.

Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from kinds_keys import compare  # the same timing and printout as the numerics' benchmark

from grader.engine.keys import compute_keys
from grader.spec.loader import load_problems

SAMPLES = Path(__file__).resolve().parent.parent / "problems" / "convolution"
ALPHABET = np.array([0.0, 1.0, 2.0, 3.0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--loop", type=int, default=2_000, help="variants timed one at a time")
    args = parser.parse_args()
    rng = np.random.default_rng(14)
    problems = load_problems(SAMPLES).problems
    batches = {
        "conv-1d": rng.choice(ALPHABET, size=(args.variants, 8, 1)),
        "conv-2d": rng.choice(ALPHABET, size=(args.variants, 4, 4)),
    }
    print(f"{args.variants} variants")
    for name, inputs in batches.items():
        compare(name, lambda batch, problem=problems[name]: compute_keys(problem, batch), inputs, args.loop)

if __name__ == "__main__":
    main()
