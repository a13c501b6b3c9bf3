"""Keys of the new kinds for a class of variants: batched against one variant or student at a time.

    python benchmarks/kinds_keys.py [--variants 100000] [--loop 2000] [--students 100000]

First the numerics alone, for each of
- a feedforward network 2 → 3 (tanh) → 2 (softmax, β = 2), 3 points per variant, 2 decimals;
- the gradients of its cross-entropy loss with respect to every W and b;
- a 1-D convolution of a length-8 signal: kernel of 3, padding 1, relu, max pooling 2;
the time to compute every variant's key in one batched call, the time of a Python loop that calls
the same function once per variant (`--loop` variants timed, extrapolated to all), and the ratio.
Each variant's inputs are drawn from {−1, −0.5, 0, 0.5, 1}, as `random: {alphabet}` would.

Then each new kind through the pipeline, as a class is graded: the shipped sample of the rnn, gru,
feedforward, convolution (1-D) and gradient kinds with per-student inputs (`random` for the
sequences and the signal, `choose_from` 500 sets of points for the networks), keys for
`--students` students through the `KeyBook` (every student's variant drawn at once, each distinct
variant's key in one engine pass), against a loop over students that draws one student's inputs
and computes their key (`draw_variants`, `compute_key`: what serving one student costs), and
against the engine alone in that loop (every student's inputs drawn beforehand: the "keys only"
ratio, the conservative one), timed on `--loop` students and extrapolated. Ratios are of CPU
time (`time.process_time`), which a shared machine distorts less; the batched pass's wall time
is printed beside its CPU time.

Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from grader.engine.convolution import Pool, feature_map
from grader.engine.feedforward import Layer, Loss, Network, forward, gradients
from grader.engine.keybook import KeyBook
from grader.engine.keys import compute_key
from grader.engine.variants import draw_variants
from grader.spec.loader import load_problems
from grader.spec.models import Rounding

ALPHABET = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
PROBLEMS = Path(__file__).resolve().parent.parent / "problems"
#: kind → (its shipped sample, the per-student inputs that replace the sample's fixed ones)
SAMPLES = {
    "rnn": ("recurrent/rnn-states.yaml", "{random: {alphabet: [-1, -0.5, 0, 0.5, 1], length: 6}}"),
    "gru": ("recurrent/gru-states.yaml", "{random: {alphabet: [-1, -0.5, 0, 0.5, 1], length: 6}}"),
    "feedforward": ("network/feedforward-softmax.yaml", "POINTS"),
    "convolution": ("convolution/conv-1d.yaml", "{random: {alphabet: [0, 1, 2, 3, 4, 5], length: 8}}"),
    "gradient": ("network/backprop.yaml", "POINTS"),
}


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


def varying_course(directory: Path, rng: np.random.Generator) -> None:
    """Write the samples of SAMPLES into `directory` with per-student inputs, as one course."""
    (directory / "course.yaml").write_text("title: Keys benchmark\nsalt: kinds-keys\n")
    for kind, (sample, inputs) in SAMPLES.items():
        if inputs == "POINTS":  # networks of two inputs: one of 500 sets of two points each
            sets = rng.choice(ALPHABET, size=(500, 2, 2)).tolist()
            inputs = "{choose_from: " + str(sets) + "}"
        text = (PROBLEMS / sample).read_text(encoding="utf-8")
        text = re.sub(r"(?m)^id:.*$", f"id: {kind}", text)
        text = re.sub(r"(?m)^inputs:.*$", f"inputs: {inputs}", text)
        text = re.sub(r"(?m)^expected:.*$", "", text)  # the key of the fixed inputs only
        text = text.replace("statement: |\n", "statement: |\n  Your inputs: {inputs}.\n", 1)
        (directory / f"{kind}.yaml").write_text(text, encoding="utf-8")


def through_keybook(students: int, loop: int, rng: np.random.Generator) -> None:
    """Each new kind's keys for `students` students through the KeyBook against a loop over them."""
    names = [f"student-{index}" for index in range(students)]
    with tempfile.TemporaryDirectory() as scratch:
        varying_course(Path(scratch), rng)
        problems = load_problems(Path(scratch))
    salt = problems.course.salt
    print(f"\n{students} students' variants, through the kind (KeyBook) against one student at a time")
    for kind in SAMPLES:
        problem = problems[kind]
        cpu = time.process_time()
        wall = time.perf_counter()
        book = KeyBook.build(problems)
        keys = book.keys_for(problem.id, names)
        whole, whole_cpu = time.perf_counter() - wall, time.process_time() - cpu
        some = min(loop, students)
        cpu = time.process_time()
        for name in names[:some]:
            draw = draw_variants(problem, [name], salt)
            key = compute_key(problem, draw.inputs[int(draw.codes[0])])
        drawing = (time.process_time() - cpu) * students / some
        assert np.array_equal(key, keys[some - 1])  # the loop computes the same keys
        # the engine alone, one student at a time: every student's inputs drawn beforehand
        draw = draw_variants(problem, names[:some], salt)
        each = [draw.inputs[code] for code in draw.codes.tolist()]
        cpu = time.process_time()
        for inputs in each:
            compute_key(problem, inputs)
        computing = (time.process_time() - cpu) * students / some
        distinct = len(book.variants[problem.id].keys)
        print(
            f"{kind:<12} batched {whole * 1e3:5.0f} ms ({whole_cpu * 1e3:5.0f} ms CPU, {distinct:5} variants)"
            f"   loop {drawing:6.1f} s, keys only {computing:5.1f} s CPU ({some} timed)"
            f"   ratio {drawing / whole_cpu:5.0f}×, keys only {computing / whole_cpu:4.0f}×"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--loop", type=int, default=2_000, help="variants (students) timed one at a time")
    parser.add_argument("--students", type=int, default=100_000, help="students the KeyBook keys")
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
    through_keybook(args.students, args.loop, rng)


if __name__ == "__main__":
    main()
