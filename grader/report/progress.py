"""A progress bar on stderr for long runs (tqdm), silent when stderr is not a terminal or asked."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from tqdm import tqdm

__all__ = ["progress"]

T = TypeVar("T")


def progress(items: Iterable[T], *, quiet: bool = False, stream: TextIO | None = None) -> Iterator[T]:
    """`items`, counted on a progress bar on `stream` (stderr) when it is a terminal and not `quiet`."""
    stream = sys.stderr if stream is None else stream
    shown = not quiet and stream.isatty()
    if not shown:
        return iter(items)
    return iter(tqdm(items, file=stream, unit=" submissions", unit_scale=True, mininterval=0.25, leave=False))
