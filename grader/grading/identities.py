"""Answer identities: a hashable stand-in for each raw answer, the key of the memo of graded
answers that batch grading and the service's checker keep (identical answers are graded once)."""

from __future__ import annotations

import math
import pickle
from typing import Any

import orjson

__all__ = ["answer_identity", "answer_of"]


def answer_identity(raw: Any) -> str | bytes:
    """A hashable stand-in for a raw answer from which the answer comes back (`answer_of`).

    Text is itself; JSON data (lists, numbers) its JSON as bytes, which never equals a text
    answer: `1` and `1.0` get different identities, which only costs a second grading. Anything
    JSON cannot hold as itself (a YAML date, which orjson would write as text; inf and nan, which
    it writes as null) is its pickle after a NUL byte, which no JSON starts with.
    """
    if type(raw) is str:
        return raw
    try:
        # copied to an exact-size bytes: orjson's own result keeps a 4 KiB buffer, which for a
        # class's list answers was most of the gradebook's memory (docs/course-operations.md)
        identity = memoryview(orjson.dumps(raw, option=orjson.OPT_PASSTHROUGH_DATETIME)).tobytes()
    except TypeError:
        return _PICKLED + pickle.dumps(raw)
    if b"null" in identity and _has_non_finite(raw):
        return _PICKLED + pickle.dumps(raw)
    return identity


def answer_of(identity: str | bytes) -> Any:
    """The raw answer back from `answer_identity`."""
    if isinstance(identity, str):
        return identity
    if identity.startswith(_PICKLED):
        return pickle.loads(identity[len(_PICKLED) :])
    return orjson.loads(identity)


_PICKLED = b"\0"


def _has_non_finite(value: Any) -> bool:
    """True when a float in `value` (a list or mapping of them, at any depth) is inf or nan."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return False
