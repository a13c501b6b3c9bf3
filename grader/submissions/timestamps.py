"""Timestamps as submissions and the command line give them: ISO 8601 with a UTC offset.

A module of its own (no YAML, no models) so that `grade --now` is read without loading them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["parse_timestamp"]


def parse_timestamp(value: Any) -> datetime:
    """An ISO 8601 timestamp with a UTC offset; raise ValueError otherwise."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"expected an ISO 8601 timestamp like 2023-03-29T08:59:00-03:00; got {value!r}"
            ) from None
    else:
        raise ValueError(f"expected an ISO 8601 timestamp; got {value!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {value!s} has no UTC offset (add e.g. +00:00)")
    return moment
