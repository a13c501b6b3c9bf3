"""Reading the worst answers: adversarial runs at the size limit, against the 50 ms bound.

    python benchmarks/redos.py [--repeat 3] [--top 5]

Builds a family of answers of MAX_ANSWER_CHARS characters (or just under) made of long runs of
what an answer is made of: spaces, tabs, newlines, signs, the Unicode minus, commas, semicolons,
brackets, dots, digits, 'e', as `" " * 1600 + "1" + " " * 1600 + "x"` (issue 11, point 1) is, in
every pairing of two runs around a number, ending in a valid or an invalid character; runs of
whole entries (`"1, " * 3333`); and choice answers (ids, texts joined by commas). Each is read
as the service reads it: `parse_sequence` (a scalar cell and a 2-vector cell), `parse_array`
(a 2×3 matrix, and a matrix of as many rows as an answer can type: rows without inner brackets,
`1 2; 1 2; …`, are among the answers) and
`parse_choices`, with lstm-info's choices and with made-up choices whose texts repeat or contain
commas (an answer then reads many ways), best of --repeat calls.

Prints the slowest answers, the slowest for each reader, then the worst time over the family and
its ratio to 50 ms (the bound docs/service.md states): the CPU time of one reading, which is what
a request waits for on an idle server, and the wall time, which on a loaded machine also counts
other processes' turns.
Not a test: it prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from grader.parse import InvalidAnswer, parse_array, parse_choices, parse_sequence
from grader.parse.errors import MAX_ANSWER_CHARS
from grader.spec.loader import load_problems
from grader.spec.models import ChoiceAnswer

ROOT = Path(__file__).resolve().parent.parent
BOUND = 0.050
RUNS = [" ", "\t", "\n", "\u00a0", "+", "-", "\u2212", ",", ";", ", ", " ,", "[", "(", "]", ".", "0", "1",
        "e", "1 ", "1,", "-1 ", "1.5,", "1e", "[1", "1]", "1;", "1 2; ", "\n1", "\r\n", "\uff1b"]
#: Choices whose texts make an answer read many ways: the most work for the choice-text walk.
SYNTHETIC_CHOICES = {
    "8 of one text": ["yes"] * 8,
    "6 alike and y": ["x"] * 6 + ["y"],
    "texts with commas": [",".join(["x"] * n) for n in range(1, 9)],
}
ENDINGS = ["x", "1", "]", ",", ""]


def _fill(parts: list[str], size: int) -> str:
    """`parts` with the runs (every other part, from the first) repeated to fill `size` characters."""
    fixed = sum(len(part) for part in parts[1::2])
    runs = parts[0::2]
    each = (size - fixed) // len(runs)
    return "".join(
        part * (each // len(part)) if index % 2 == 0 else part for index, part in enumerate(parts)
    )


def answers(choice_texts: list[str]) -> Iterator[str]:
    """The adversarial family, each at most MAX_ANSWER_CHARS characters."""
    for run in RUNS:
        yield run * (MAX_ANSWER_CHARS // len(run))
        for ending in ENDINGS:
            yield _fill([run, "1", run, ending], MAX_ANSWER_CHARS)
    for before, after in itertools.product(RUNS, repeat=2):
        yield _fill([before, "1", after, "x"], MAX_ANSWER_CHARS)
        yield _fill(["[" + before, "1", after + "]", "x"], MAX_ANSWER_CHARS)
    yield "9" * MAX_ANSWER_CHARS
    yield "[" * MAX_ANSWER_CHARS
    yield "[1] " * (MAX_ANSWER_CHARS // 4)
    yield "[" + "1, " * ((MAX_ANSWER_CHARS - 2) // 3) + "]"
    # matrices typed without inner brackets: as many rows as fit, one bad or short row last
    for row in ("1 2; ", "1 2\n", "1,2;\n"):
        rows = row * ((MAX_ANSWER_CHARS - 4) // len(row))
        yield from (rows, rows + "x", rows + "1", "[" + rows + "]", rows + ";;")
    for text in choice_texts:
        yield _fill([text + ", ", "x"], MAX_ANSWER_CHARS)
        yield _fill([text + ",", ""], MAX_ANSWER_CHARS)
        joined = ",".join([text] * ((MAX_ANSWER_CHARS - 2) // (len(text) + 1)))
        yield from (joined, "y," + joined, joined + ",y", joined + ",z")
    yield ", ".join(itertools.islice(itertools.cycle("abcd"), MAX_ANSWER_CHARS // 3))


def _choices(texts: list[str]) -> ChoiceAnswer:
    return ChoiceAnswer.model_validate(
        {
            "kind": "choice",
            "multiple": True,
            "choices": [{"id": chr(ord("a") + i), "text": t, "correct": i == 0} for i, t in enumerate(texts)],
        }
    )


def _read_choices(text: str, spec: ChoiceAnswer) -> object:
    return parse_choices(text, spec)


def best_time(read: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The least CPU time of `repeat` calls, in seconds, and the least wall time."""
    cpu = wall = float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        with contextlib.suppress(InvalidAnswer):
            read()
        cpu = min(cpu, time.process_time() - started_cpu)
        wall = min(wall, time.perf_counter() - started)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="calls per answer and reader (best shown)")
    parser.add_argument("--top", type=int, default=5, help="slowest answers listed")
    args = parser.parse_args()

    choice = load_problems(ROOT / "problems")["lstm-info"].answer
    assert isinstance(choice, ChoiceAnswer)
    specs = {"lstm-info": choice} | {name: _choices(texts) for name, texts in SYNTHETIC_CHOICES.items()}
    readers: dict[str, Callable[[str], object]] = {
        "parse_sequence": parse_sequence,
        "parse_sequence (2-vectors)": lambda text: parse_sequence(text, vector_size=2),
        "parse_array (2×3)": lambda text: parse_array(text, (2, 3)),
        "parse_array (2500 rows of 2)": lambda text: parse_array(text, (2500, 2)),
    }
    for name, spec in specs.items():
        readers[f"parse_choices ({name})"] = functools.partial(_read_choices, spec=spec)
    texts = [item.text for spec in specs.values() for item in spec.choices]
    family = list(dict.fromkeys(answers(list(dict.fromkeys(texts)))))
    assert all(len(text) <= MAX_ANSWER_CHARS for text in family)
    timings = [
        (*best_time(lambda: read(text), args.repeat), name, text)  # noqa: B023 - called at once
        for text in family
        for name, read in readers.items()
    ]
    timings.sort(reverse=True)
    print(f"{len(family)} answers of up to {MAX_ANSWER_CHARS} characters, {len(readers)} readers, "
          f"best of {args.repeat}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("       CPU        wall")
    for cpu, wall, name, text in timings[: args.top]:
        shown = repr(text[:24]) + ("…" if len(text) > 24 else "")
        print(f"  {cpu * 1000:8.3f} ms {wall * 1000:8.3f} ms  {name:34} {len(text):6} chars  {shown}")
    print("worst per reader (CPU):")
    for reader in readers:
        cpu, wall, _, text = max(timing for timing in timings if timing[2] == reader)
        print(f"  {cpu * 1000:8.3f} ms {wall * 1000:8.3f} ms  {reader:34} {text[:24]!r}…")
    worst = timings[0][0]
    worst_wall = max(wall for _, wall, _, _ in timings)
    print(f"worst: {worst * 1000:.3f} ms of CPU ({worst_wall * 1000:.3f} ms wall on this machine); "
          f"bound {BOUND * 1000:.0f} ms; worst/bound = {worst / BOUND:.3f} "
          f"(wall: {worst_wall / BOUND:.3f})")


if __name__ == "__main__":
    main()
