"""A progress bar on stderr for long runs (tqdm), silent when stderr is not a terminal or asked."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

from tqdm import tqdm

__all__ = ["progress"]

T = TypeVar("T")


def progress(
    items: Iterable[T],
    *,
    quiet: bool = False,
    stream: TextIO | None = None,
    weight: Callable[[T], int] | None = None,
) -> Iterator[T]:
    """`items`, counted on a progress bar on `stream` (stderr) when it is a terminal and not `quiet`.

    `weight` gives how many submissions an item stands for (a block of lines: its size); by
    default each item counts one.
    """
    stream = sys.stderr if stream is None else stream
    shown = not quiet and stream.isatty()
    if not shown:
        return iter(items)
    bar = tqdm(file=stream, unit=" submissions", unit_scale=True, mininterval=0.25, leave=False)
    return _counted(items, bar, weight or (lambda item: 1))


def _counted(items: Iterable[T], bar: tqdm, weight: Callable[[T], int]) -> Iterator[T]:
    with bar:
        for item in items:
            yield item
            bar.update(weight(item))
