"""The tool as one server process runs it: keys, the platforms' key cache, login state, the sender."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from grader.lti.keys import ToolKeys
from grader.lti.launch import JwksCache, LoginState
from grader.lti.passback import ScoreOf, ScoreSender
from grader.lti.platforms import Platform, list_platforms

__all__ = ["Tool"]

log = logging.getLogger("grader.lti")


class Tool:
    """Everything the /lti/ routes share in one process; `start` runs the score sender beside them."""

    def __init__(
        self,
        keys: ToolKeys,
        engine: Engine,
        *,
        secret: str,
        score_of: ScoreOf,
        clock: Callable[[], datetime],
        poll_seconds: float = 2.0,
        retry_base: float = 2.0,
    ) -> None:
        self.keys = keys
        self.engine = engine
        self.jwks = JwksCache()
        self.login_state = LoginState(secret)
        self.sender = ScoreSender(engine, keys, score_of, clock=clock, retry_base=retry_base)
        self.poll_seconds = poll_seconds
        self._origins: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def platforms(self) -> list[Platform]:
        return list_platforms(self.engine)

    def platforms_of(self, issuer: str) -> list[Platform]:
        return [platform for platform in self.platforms() if platform.issuer == issuer]

    def origins(self) -> tuple[str, ...]:
        """The registered platforms' origins (they frame launched pages), as last read; never blocks."""
        return self._origins

    def refresh_origins(self) -> None:
        try:
            origins = tuple(sorted({platform.origin for platform in self.platforms()}))
        except Exception:  # the database is away: keep the last known list
            log.warning("LTI: could not read the registered platforms", exc_info=True)
            return
        self._origins = origins

    def start(self) -> None:
        self.refresh_origins()
        self.sender.start(self.poll_seconds, every_pass=self.refresh_origins)

    def stop(self) -> None:
        self.sender.stop()
