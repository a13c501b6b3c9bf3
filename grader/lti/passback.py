"""Assignment and Grade Services: the score outbox and the sender that posts it to line items.

A counted attempt bumps its (student, problem) row of `lti_scores` in the attempt's own
transaction (grader/storage/store.py). A sender, in every server process, claims due rows with a
lease (one conditional UPDATE: of two workers, one wins), reads the student's current score as
the gradebook computes it, posts it with an access token from the client-credentials grant, and
records the version it sent. A post that fails is retried with a growing backoff; a process
killed mid-way leaves a lease that expires, so the row is sent after a restart. Every score
carries a timestamp later than the one before (the platform keeps the latest), so a retried
post never replaces a newer score.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from joserfc import jwt
from sqlalchemy import Engine, and_, or_, select, update

from grader.lti import claims
from grader.lti.errors import PassbackFailed
from grader.lti.keys import ToolKeys
from grader.lti.platforms import Platform, list_platforms
from grader.storage.schema import lti_scores

__all__ = ["Sent", "ScoreSender", "TokenCache", "backoff"]

log = logging.getLogger("grader.lti")

#: How long a claimed row is ours; longer than the HTTP timeouts of one post.
LEASE = timedelta(seconds=60)
_HTTP_TIMEOUT = 10.0
_SCOPES = f"{claims.SCOPE_SCORE} {claims.SCOPE_LINEITEM}"
#: (student, problem) → (score, maximum) as the gradebook has it now.
ScoreOf = Callable[[str, str], "tuple[float, float] | None"]


def backoff(failures: int, base: float = 2.0, cap: float = 600.0) -> timedelta:
    """The wait before try number `failures + 1`: base, 2·base, 4·base, …, at most `cap` seconds."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, failures - 1)))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TokenCache:
    """Access tokens per platform, from its token endpoint, kept until shortly before they expire."""

    def __init__(self, keys: ToolKeys, client: httpx.Client) -> None:
        self.keys = keys
        self.client = client
        self._lock = threading.Lock()
        self._tokens: dict[int, tuple[str, datetime]] = {}

    def forget(self, platform: Platform) -> None:
        with self._lock:
            self._tokens.pop(platform.id, None)

    def token(self, platform: Platform, now: datetime) -> str:
        with self._lock:
            cached = self._tokens.get(platform.id)
        if cached is not None and cached[1] > now:
            return cached[0]
        assertion = jwt.encode(
            {"alg": "RS256", "kid": self.keys.kid},
            {
                "iss": platform.client_id,
                "sub": platform.client_id,
                "aud": platform.auth_token_url,
                "iat": int(now.timestamp()),
                "exp": int(now.timestamp()) + 300,
                "jti": secrets.token_urlsafe(16),
            },
            self.keys.signing,
        )
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": _SCOPES,
        }
        try:
            response = self.client.post(platform.auth_token_url, data=form)
        except httpx.HTTPError as error:
            raise PassbackFailed(
                f"token endpoint {platform.auth_token_url}: {type(error).__name__}"
            ) from None
        body: Any = None
        with contextlib.suppress(ValueError):  # garbage is refused below like an error
            body = response.json()
        if (
            response.status_code != 200
            or not isinstance(body, dict)
            or not isinstance(body.get("access_token"), str)
        ):
            detail = body.get("error") if isinstance(body, dict) and "error" in body else "no access_token"
            raise PassbackFailed(
                f"token endpoint {platform.auth_token_url}: HTTP {response.status_code}, {detail}"
            )
        lifetime = body.get("expires_in", 3600)
        seconds = (
            float(lifetime)
            if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool)
            else 3600.0
        )
        # renewed a minute early: a token must not expire between reading it and its post arriving
        expires = now + timedelta(seconds=max(0.0, seconds - 60))
        with self._lock:
            self._tokens[platform.id] = (body["access_token"], expires)
        return str(body["access_token"])


@dataclass(frozen=True)
class Sent:
    """One post of the outbox: what was sent where, and whether the platform took it."""

    student: str
    problem: str
    lineitem: str
    score: float | None
    maximum: float | None
    error: str | None = None


class ScoreSender:
    """Delivers due scores from the outbox; `send_due` is one pass, `run` the background loop."""

    def __init__(
        self,
        engine: Engine,
        keys: ToolKeys,
        score_of: ScoreOf,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        retry_base: float = 2.0,
    ) -> None:
        self.engine = engine
        self.score_of = score_of
        self.client = client or httpx.Client(timeout=_HTTP_TIMEOUT, follow_redirects=False)
        self.tokens = TokenCache(keys, self.client)
        self.clock = clock
        self.retry_base = retry_base
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _platforms(self) -> dict[int, Platform]:
        return {platform.id: platform for platform in list_platforms(self.engine)}

    def _claim(self, now: datetime, limit: int = 20) -> list[Any]:
        """Rows due now, each taken with a conditional UPDATE; only the rows this call won."""
        free = or_(lti_scores.c.lease_until.is_(None), lti_scores.c.lease_until < now)
        due = and_(lti_scores.c.version > lti_scores.c.sent_version, lti_scores.c.next_try_at <= now, free)
        with self.engine.connect() as connection:
            candidates = connection.execute(
                select(lti_scores.c.student, lti_scores.c.problem).where(due).limit(limit)
            ).all()
        won = []
        for candidate in candidates:
            this = and_(lti_scores.c.student == candidate.student, lti_scores.c.problem == candidate.problem)
            with self.engine.begin() as connection:
                taken = connection.execute(
                    update(lti_scores).where(this, due).values(lease_until=now + LEASE)
                ).rowcount
                if taken:
                    won.append(connection.execute(select(lti_scores).where(this)).one())
        return won

    def send_due(self) -> list[Sent]:
        """Post every score due now (one pass); returns what was tried."""
        now = self.clock()
        rows = self._claim(now)
        if not rows:
            return []
        platforms = self._platforms()
        return [self._send(row, platforms.get(row.platform_id), now) for row in rows]

    def _send(self, row: Any, platform: Platform | None, now: datetime) -> Sent:
        this = and_(lti_scores.c.student == row.student, lti_scores.c.problem == row.problem)
        current = self.score_of(row.student, row.problem)
        score, maximum = current if current is not None else (None, None)
        try:
            if platform is None:
                raise PassbackFailed("the platform is no longer registered", permanent=True)
            if current is None:
                raise PassbackFailed(f"no problem {row.problem!r} in this course", permanent=True)
            timestamp = (
                now if row.sent_at is None else max(now, _utc(row.sent_at) + timedelta(milliseconds=1))
            )
            self._post(platform, row, score, maximum, timestamp, now)
        except PassbackFailed as error:
            failures = int(row.failures) + 1
            wait = backoff(failures, self.retry_base, cap=3600.0 if error.permanent else 600.0)
            log.warning(
                "LTI score for %s on %s not delivered (try %d): %s", row.student, row.problem, failures, error
            )
            with self.engine.begin() as connection:
                connection.execute(
                    update(lti_scores)
                    .where(this)
                    .values(
                        lease_until=None, failures=failures, next_try_at=now + wait, last_error=str(error)
                    )
                )
            return Sent(row.student, row.problem, row.lineitem, score, maximum, str(error))
        with self.engine.begin() as connection:
            connection.execute(
                update(lti_scores)
                .where(this)
                .values(
                    sent_version=row.version,
                    sent_at=timestamp,
                    sent_score=score,
                    lease_until=None,
                    failures=0,
                    last_error=None,
                )
            )
        return Sent(row.student, row.problem, row.lineitem, score, maximum)

    def _post(
        self,
        platform: Platform,
        row: Any,
        score: float | None,
        maximum: float | None,
        timestamp: datetime,
        now: datetime,
    ) -> None:
        body = {
            "userId": row.user_id,
            "scoreGiven": score,
            "scoreMaximum": maximum,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": _iso(timestamp),
        }
        url = _scores_url(row.lineitem)
        for attempt in (1, 2):
            token = self.tokens.token(platform, now)
            try:
                response = self.client.post(
                    url,
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": claims.SCORE_MEDIA_TYPE},
                )
            except httpx.HTTPError as error:
                raise PassbackFailed(f"line item {row.lineitem}: {type(error).__name__}") from None
            if response.status_code == 401 and attempt == 1:
                self.tokens.forget(platform)  # revoked or expired early: one more try with a new one
                continue
            if 200 <= response.status_code < 300:
                return
            permanent = response.status_code in (400, 403, 404, 410)
            raise PassbackFailed(
                f"line item {row.lineitem}: HTTP {response.status_code}", permanent=permanent
            )

    def resend_all(self) -> int:
        """Make every stored score due again (after an outage or a regrade); returns how many."""
        now = self.clock()
        with self.engine.begin() as connection:
            return int(
                connection.execute(
                    update(lti_scores).values(
                        version=lti_scores.c.version + 1, next_try_at=now, failures=0, lease_until=None
                    )
                ).rowcount
            )

    # -- the background loop of a server process -----------------------------------------------

    def start(self, poll_seconds: float = 2.0, every_pass: Callable[[], None] | None = None) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(poll_seconds, every_pass), name="lti-scores", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self.close()

    def close(self) -> None:
        """Close the HTTP connections to the platforms."""
        self.client.close()

    def _run(self, poll_seconds: float, every_pass: Callable[[], None] | None) -> None:
        while not self._stop.is_set():
            if every_pass is not None:
                every_pass()
            try:
                while self.send_due() and not self._stop.is_set():
                    pass
            except Exception:  # a database hiccup must not end the loop: the outbox keeps the work
                log.exception("LTI score sender: pass failed; trying again")
            self.wake.wait(poll_seconds)
            self.wake.clear()


def _scores_url(lineitem: str) -> str:
    """The line item's scores endpoint: `{lineitem}/scores`, before any query string."""
    path, question, query = lineitem.partition("?")
    return f"{path.rstrip('/')}/scores{question}{query}"
