"""Streaming a class in chunks: submissions grouped for vectorized variant draws, and the cyclic
garbage collector paused while a gradebook grows."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from grader.errors import SubmissionError
from grader.submissions.models import Submission, SubmissionBlock

__all__ = ["Chunk", "chunks", "no_cyclic_gc"]


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a gradebook grows.

    The gradebook is millions of small acyclic objects that live until the report is written;
    each automatic collection rescans all of them, a large share of a class-wide run's time
    (docs/course-operations.md, "Speed"). Reference counting still frees everything as usual;
    the previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def chunks(
    items: Iterable[Submission | SubmissionError | SubmissionBlock], size: int
) -> Iterator[list[Submission | SubmissionError] | SubmissionBlock]:
    """Items in chunks of up to `size`, in order; a block is a chunk of its own."""
    chunk: list[Submission | SubmissionError] = []
    for item in items:
        if type(item) is SubmissionBlock:
            if chunk:
                yield chunk
                chunk = []
            yield item
            continue
        chunk.append(item)  # type: ignore[arg-type]
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Chunk(NamedTuple):
    """A chunk read and given rows, waiting to be folded (`ClassGrader._prepare`, `_finish`)."""

    start: int  # the row of its first new student
    new_students: list[str]
    picks: Callable[[], list[NDArray[np.int64]]] | None
    #: for a block: the first line of each new student, in row order (else None)
    fresh: list[dict[str, Any]] | None
    submissions: list[tuple[int, Submission]]
