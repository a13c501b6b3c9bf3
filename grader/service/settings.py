"""What a server is configured with: the problems, the database, the secrets, the limits, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from grader.lti.keys import ToolKeys
from grader.service.middleware import DEFAULT_FRAME_ANCESTORS, check_frame_ancestors
from grader.spec.loader import ProblemSet
from grader.storage import Limits, RateLimit, Storage

__all__ = ["DEFAULT_LIMITS", "ServiceSettings", "utc_now"]

#: The per-student limits of `grade serve` (docs/service.md; --rate-limit, --max-unreadable).
DEFAULT_LIMITS = Limits(rate=RateLimit(submissions=60, window=timedelta(minutes=10)), max_unreadable=100)


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
    #: Per-student rate limit and cap on stored unreadable answers, kept in the database.
    limits: Limits = DEFAULT_LIMITS
    clock: Callable[[], datetime] = field(default=utc_now)
    #: The sites allowed to show the pages in a frame (an LMS embedding them): CSP sources.
    frame_ancestors: tuple[str, ...] = DEFAULT_FRAME_ANCESTORS
    #: The LTI tool's keys (docs/lti.md); None: the /lti/ routes answer lti_not_configured.
    lti_keys: ToolKeys | None = None
    #: How often each process's LTI score sender looks for scores due (a graded attempt in this
    #: process wakes it at once), and the first retry's wait after a failed post, in seconds.
    lti_poll_seconds: float = 2.0
    lti_retry_base: float = 2.0

    def __post_init__(self) -> None:
        check_frame_ancestors(self.frame_ancestors)
