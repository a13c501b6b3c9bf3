"""What a server is configured with: the problems, the database, the secrets, the limits, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from grader.service.middleware import DEFAULT_FRAME_ANCESTORS, check_frame_ancestors
from grader.spec.loader import ProblemSet
from grader.storage import Storage

__all__ = ["ServiceSettings", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ServiceSettings:
    """Everything a server needs; the clock is a setting so tests can pass the time in."""

    problems: ProblemSet
    storage: Storage
    secret: str
    staff_token: str
    max_body_bytes: int = 64 * 1024
    clock: Callable[[], datetime] = field(default=utc_now)
    #: The sites allowed to show the pages in a frame (an LMS embedding them): CSP sources.
    frame_ancestors: tuple[str, ...] = DEFAULT_FRAME_ANCESTORS

    def __post_init__(self) -> None:
        check_frame_ancestors(self.frame_ancestors)
