"""Recording submissions and counting attempts, atomically, on any backend the engine speaks.

An attempt is claimed with one conditional UPDATE on its (student, problem) counter row inside the
transaction that records it: the database's row lock (PostgreSQL) or write lock (SQLite, BEGIN
IMMEDIATE) makes concurrent claims queue, so no number of simultaneous submissions, from any number
of processes, records more than max_attempts counted attempts. No Python lock is involved.

The limits on abuse work the same way, in the same transaction: a student's submissions in the
rate limit's window (`rate_counts`), the unreadable answers stored per (student, problem)
(`attempt_counts.unreadable`), and the deliveries of a queue already answered (`deliveries`, whose
primary key lets one of two concurrent deliveries of the same id commit).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import compress
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError

from grader.storage.checkpoints import Checkpointer
from grader.storage.engines import READ_ONLY, PoolTimeout, masked, no_free_connection
from grader.storage.errors import DatabaseUnavailable
from grader.storage.schema import attempt_counts, deliveries, lti_scores, rate_counts, regrades, submissions

__all__ = [
    "is_unavailable",
    "AlreadyDelivered",
    "AttemptsExhausted",
    "Delivered",
    "Delivery",
    "Limits",
    "NewSubmission",
    "OfflineAttempt",
    "RateLimit",
    "RateLimited",
    "Storage",
    "StoredSubmission",
]


@dataclass(frozen=True, slots=True)
class NewSubmission:
    """A graded (or unreadable) answer about to be recorded (slots: a batch holds one per attempt
    until it is recorded, `record_offline`)."""

    student: str
    problem: str
    submitted_at: datetime
    source: str
    raw: str
    parsed: Any
    status: str
    score: float
    max_score: float
    feedback: str
    days_late: int = 0
    #: The content hash of the spec that graded it (`ProblemSet.content_hash`).
    spec_hash: str | None = None


@dataclass(frozen=True)
class StoredSubmission:
    """A recorded submission, as read back."""

    id: int
    student: str
    problem: str
    submitted_at: datetime
    source: str
    raw: str
    parsed: Any
    status: str
    score: float
    max_score: float
    feedback: str
    counted: bool
    attempt: int | None
    days_late: int
    spec_hash: str | None = None


@dataclass(frozen=True, slots=True)
class OfflineAttempt:
    """A batch-graded attempt to record once: `origin` identifies it across runs of the batch."""

    origin: str
    submission: NewSubmission
    counted: bool


@dataclass(frozen=True)
class RateLimit:
    """At most `submissions` per student in each fixed window of `window` (windows start at whole
    multiples of it since the epoch, so every worker on every machine agrees on them)."""

    submissions: int
    window: timedelta

    @classmethod
    def parse(cls, text: str) -> RateLimit | None:
        """`N/MINUTES` (N submissions per MINUTES minutes, both whole and positive) or `off` (None)."""
        if text.strip().lower() == "off":
            return None
        count, slash, minutes = text.strip().partition("/")
        if not (slash and count.isdigit() and minutes.isdigit() and int(count) > 0 and int(minutes) > 0):
            raise ValueError(
                f"expected N/MINUTES like 60/10 (N submissions per MINUTES minutes), or off; got {text!r}"
            )
        return cls(int(count), timedelta(minutes=int(minutes)))

    def __str__(self) -> str:
        return f"{self.submissions}/{self.seconds // 60}"

    @property
    def seconds(self) -> int:
        return max(1, int(self.window.total_seconds()))

    def window_start(self, now: datetime) -> int:
        moment = math.floor(now.timestamp())
        return moment - moment % self.seconds

    def retry_after(self, window_end: float, now: datetime) -> int:
        """Whole seconds from `now` until `window_end` (seconds since the epoch), at least 1."""
        return max(1, math.ceil(window_end - now.timestamp()))


@dataclass(frozen=True)
class Limits:
    """What one student may store: submissions per window, and unreadable answers per problem."""

    rate: RateLimit | None = None
    #: Unreadable answers stored per (student, problem); past it they are checked, not stored.
    max_unreadable: int | None = None


@dataclass(frozen=True)
class Delivery:
    """A queue's identity of a submission it may deliver more than once."""

    queue: str
    id: str


@dataclass(frozen=True)
class Delivered:
    """A delivery answered before: its stored submission and the attempts used then."""

    submission: StoredSubmission
    attempts_used: int


class RateLimited(Exception):
    """The student sent `limit.submissions` in the window ending at `window_end` (seconds since
    the epoch) already; nothing was recorded."""

    def __init__(self, limit: RateLimit, window_end: int) -> None:
        self.limit = limit
        self.window_end = window_end
        super().__init__(f"rate limited until {window_end}")


class AlreadyDelivered(Exception):
    """The delivery was answered before (perhaps a moment ago, concurrently); nothing was recorded."""


# The statements, built once (Core constructs are immutable) so each request only binds values.
_INSERT_SUBMISSION = insert(submissions).returning(submissions.c.id)
_USED = select(attempt_counts.c.used).where(
    attempt_counts.c.student == bindparam("b_student"), attempt_counts.c.problem == bindparam("b_problem")
)
_THIS_COUNTER = and_(
    attempt_counts.c.student == bindparam("b_student"), attempt_counts.c.problem == bindparam("b_problem")
)
#: The next attempt number of a counter that exists (an offline attempt, taken without a limit;
#: online claims are one upsert each, `Storage._claim_limited`).
_CLAIM_UNLIMITED = (
    update(attempt_counts)
    .where(_THIS_COUNTER)
    .values(used=attempt_counts.c.used + 1)
    .returning(attempt_counts.c.used)
)
#: Count an unreadable answer; with a cap, only while under it.
_COUNT_UNREADABLE = (
    update(attempt_counts)
    .where(_THIS_COUNTER)
    .values(unreadable=attempt_counts.c.unreadable + 1)
    .returning(attempt_counts.c.used)
)
_COUNT_UNREADABLE_CAPPED = _COUNT_UNREADABLE.where(attempt_counts.c.unreadable < bindparam("b_cap"))
_RATE_ROW = select(rate_counts.c.window_start, rate_counts.c.used).where(
    rate_counts.c.student == bindparam("b_student")
)
_DELIVERED = (
    select(submissions, deliveries.c.attempts_used)
    .join(deliveries, deliveries.c.submission_id == submissions.c.id)
    .where(deliveries.c.queue == bindparam("b_queue"), deliveries.c.delivery == bindparam("b_delivery"))
)
_REGRADE_SUBMISSION = (
    update(submissions)
    .where(submissions.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        score=bindparam("b_score"),
        feedback=bindparam("b_feedback"),
        spec_hash=bindparam("b_spec_hash"),
    )
)
#: A counted attempt makes the student's score due again at an LMS that launched them (LTI): the
#: outbox row, if there is one, is bumped in the attempt's own transaction (grader/lti/passback.py).
_SCORE_DUE = (
    update(lti_scores)
    .where(lti_scores.c.student == bindparam("b_student"), lti_scores.c.problem == bindparam("b_problem"))
    .values(version=lti_scores.c.version + 1, next_try_at=bindparam("b_due"))
)
#: Batch-graded attempts are written this many at a time, in one transaction (`record_offline`):
#: few statements, and few enough bound parameters for SQLite (at most 32,766 in one statement).
OFFLINE_CHUNK = 5000
#: A chunk's attempts claimed per (student, problem): a new counter starts at the attempts
#: claimed, an existing one grows by them. On PostgreSQL in one statement from a temporary table
#: (filled by COPY), returning each count after; on SQLite, which holds the write lock, the counts
#: are read before and the upsert is one executemany.
_CREATE_CLAIMS = (
    "CREATE TEMPORARY TABLE offline_claims (student TEXT NOT NULL, problem TEXT NOT NULL, n INTEGER NOT NULL)"
)
_ADD_CLAIMS = (
    "INSERT INTO attempt_counts (student, problem, used, unreadable) "
    "SELECT student, problem, n, 0 FROM offline_claims "
    "ON CONFLICT (student, problem) DO UPDATE SET used = attempt_counts.used + excluded.used "
    "RETURNING student, problem, used"
)
_COUNTS_OF_STUDENTS = "SELECT student, problem, used FROM attempt_counts WHERE student IN"
_ADD_COUNTS = (
    "INSERT INTO attempt_counts (student, problem, used, unreadable) VALUES (?, ?, ?, 0) "
    "ON CONFLICT (student, problem) DO UPDATE SET used = attempt_counts.used + excluded.used"
)
_ANY_ORIGIN = select(submissions.c.origin).where(submissions.c.origin.is_not(None)).limit(1)
#: The advisory lock batch recordings take on PostgreSQL, one at a time (a key of our own: the
#: ASCII bytes of "graderof").
_LOCK_OFFLINE = select(func.pg_advisory_xact_lock(0x67726164_65726F66))


#: SQLSTATEs that mean "the database cannot take this now", not "this statement is wrong": connection
#: exceptions (08), insufficient resources (53: disk full, too many connections), operator
#: intervention (57: shutting down, starting up), system errors (58: I/O), and a read-only
#: transaction (25006: a hot standby after a failover, or a database set read-only).
_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")
_UNAVAILABLE_CODES = ("25006",)


def is_unavailable(error: DBAPIError) -> bool:
    """True when the error is the database being away, full or read-only (a 503, not a bug)."""
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and (
        sqlstate[:2] in _UNAVAILABLE_CLASSES or sqlstate in _UNAVAILABLE_CODES
    )


class AttemptsExhausted(Exception):
    """Every allowed attempt of (student, problem) is already used; nothing was recorded."""

    def __init__(self, used: int) -> None:
        self.used = used
        super().__init__(f"{used} attempts used")


def _utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; every stored time is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


# The attributes a batch's columns are read from, with `map` (no Python-level step per value).
(
    _STUDENT,
    _PROBLEM,
    _SUBMITTED_AT,
    _SOURCE,
    _RAW,
    _PARSED,
    _STATUS,
    _SCORE,
    _MAX_SCORE,
    _FEEDBACK,
    _DAYS_LATE,
    _SPEC_HASH,
) = map(
    attrgetter,
    (
        "student",
        "problem",
        "submitted_at",
        "source",
        "raw",
        "parsed",
        "status",
        "score",
        "max_score",
        "feedback",
        "days_late",
        "spec_hash",
    ),
)
_ORIGIN, _SUBMISSION, _COUNTED = attrgetter("origin"), attrgetter("submission"), attrgetter("counted")

#: The columns a recorded submission sets, in the order `_columns` gives their values.
_SUBMISSION_COLUMNS = (
    "student",
    "problem",
    "submitted_at",
    "source",
    "raw",
    "parsed",
    "status",
    "score",
    "max_score",
    "feedback",
    "counted",
    "attempt",
    "days_late",
    "spec_hash",
)


def _columns(
    news: Sequence[NewSubmission], counted: Sequence[bool], attempts: Sequence[int | None]
) -> list[list[Any]]:
    """The values of recorded submissions' columns (`_SUBMISSION_COLUMNS`), as SQLAlchemy binds
    them, one list per column (a batch's are built column by column, each attribute read by
    `map`, without a Python-level step per attempt where none is needed)."""
    # a class's answers share few times and parsed answers (`record.graded_attempts` shares
    # them): each converted once; parsed answers by identity (`news` keeps every one alive)
    moments = list(map(_SUBMITTED_AT, news))
    times = {moment: _utc(moment) for moment in set(moments)}
    parsed = {id(value): value for value in map(_PARSED, news) if value is not None}
    texts: dict[int, str | None] = {identity: json.dumps(value) for identity, value in parsed.items()}
    texts[id(None)] = None
    return [
        list(map(_STUDENT, news)),
        list(map(_PROBLEM, news)),
        list(map(times.__getitem__, moments)),
        list(map(_SOURCE, news)),
        list(map(_RAW, news)),
        list(map(texts.__getitem__, map(id, map(_PARSED, news)))),
        list(map(_STATUS, news)),
        list(map(_SCORE, news)),
        list(map(_MAX_SCORE, news)),
        list(map(_FEEDBACK, news)),
        list(counted),
        list(attempts),
        list(map(_DAYS_LATE, news)),
        list(map(_SPEC_HASH, news)),
    ]


def _write_rows(
    connection: Connection, table: str, columns: Sequence[str], values: Sequence[Sequence[Any]]
) -> None:
    """Insert rows into `table`, in the connection's transaction, in bulk: `values` holds one list
    per column of `columns` (values as the driver takes them). COPY on PostgreSQL, one
    executemany on SQLite (the driver's own: SQLAlchemy's executemany costs more per row than the
    insert itself)."""
    driver: Any = connection.connection.dbapi_connection
    cursor = driver.cursor()
    rows = zip(*values, strict=True)
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def _stored_origins(connection: Connection, origins: list[str]) -> list[str]:
    """Which of `origins` are stored already: one query, its list bound as one array on PostgreSQL
    (SQLAlchemy's expanding IN renders and psycopg splits a statement of thousands of parameters)."""
    driver: Any = connection.connection.dbapi_connection
    cursor = driver.cursor()
    try:
        if connection.dialect.name == "postgresql":
            cursor.execute("SELECT origin FROM submissions WHERE origin = ANY(%s)", (origins,))
        else:
            marks = ", ".join("?" * len(origins))
            cursor.execute(f"SELECT origin FROM submissions WHERE origin IN ({marks})", origins)
        return [origin for (origin,) in cursor.fetchall()]
    finally:
        cursor.close()


def _claim_attempts(connection: Connection, claims: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """Take `claims[(student, problem)]` attempts of each pair at once, creating counters as needed;
    returns each pair's attempts used before. Online claims queue behind this transaction: on
    SQLite it holds the write lock already; on PostgreSQL the upsert locks the counters' rows."""
    driver: Any = connection.connection.dbapi_connection
    cursor = driver.cursor()
    try:
        if connection.dialect.name != "postgresql":
            students = list({student for student, _ in claims})
            marks = ", ".join("?" * len(students))
            cursor.execute(f"{_COUNTS_OF_STUDENTS} ({marks})", students)
            before = {(student, problem): used for student, problem, used in cursor.fetchall()}
            counts = zip(map(itemgetter(0), claims), map(itemgetter(1), claims), claims.values(), strict=True)
            cursor.executemany(_ADD_COUNTS, counts)
            return {pair: before.get(pair, 0) for pair in claims}
        cursor.execute("DELETE FROM offline_claims")
        pairs = list(claims)
        students, problems = [student for student, _ in pairs], [problem for _, problem in pairs]
        _write_rows(
            connection,
            "offline_claims",
            ("student", "problem", "n"),
            [students, problems, list(claims.values())],
        )
        cursor.execute(_ADD_CLAIMS)
        used = {(student, problem): after for student, problem, after in cursor.fetchall()}
    finally:
        cursor.close()
    for pair, count in claims.items():
        used[pair] -= count
    return used


def _row_to_submission(row: Any) -> StoredSubmission:
    return StoredSubmission(
        id=row.id,
        student=row.student,
        problem=row.problem,
        submitted_at=_utc(row.submitted_at),
        source=row.source,
        raw=row.raw,
        parsed=None if row.parsed is None else json.loads(row.parsed),
        status=row.status,
        score=row.score,
        max_score=row.max_score,
        feedback=row.feedback,
        counted=bool(row.counted),
        attempt=row.attempt,
        days_late=row.days_late,
        spec_hash=row.spec_hash,
    )


class Storage:
    """The service's database: submissions and attempt counters."""

    def __init__(
        self, engine: Engine, read_engine: Engine | None = None, checkpointer: Checkpointer | None = None
    ) -> None:
        #: Where transactions that write go (for SQLite: one connection; see `open_storage`).
        self.engine = engine
        #: Where reads go: the same engine, or for SQLite a pool of readers beside the writer.
        self.read_engine = read_engine or engine
        #: For SQLite: runs WAL checkpoints off the request path (see checkpoints.py).
        self.checkpointer = checkpointer
        #: Called after a commit made a score due at an LMS (the LTI sender wakes up at once).
        self.on_score_due: list[Callable[[], None]] = []
        dialect_insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._ensure_counter = (
            dialect_insert(attempt_counts)
            .values(student=bindparam("b_student"), problem=bindparam("b_problem"), used=0, unreadable=0)
            .on_conflict_do_nothing()
        )
        # The claim of an attempt in one statement: a student's first attempt at a problem creates
        # the counter at 1; a later one adds 1 while under the limit (no row returned at the
        # limit). The conflict's row lock (SQLite's write lock) orders concurrent claims, as the
        # conditional UPDATE after an INSERT ... DO NOTHING did in two statements.
        claim = dialect_insert(attempt_counts).values(
            student=bindparam("b_student"), problem=bindparam("b_problem"), used=1, unreadable=0
        )
        self._claim_unlimited = claim.on_conflict_do_update(
            index_elements=[attempt_counts.c.student, attempt_counts.c.problem],
            set_={"used": attempt_counts.c.used + 1},
        ).returning(attempt_counts.c.used)
        self._claim_limited = claim.on_conflict_do_update(
            index_elements=[attempt_counts.c.student, attempt_counts.c.problem],
            set_={"used": attempt_counts.c.used + 1},
            where=attempt_counts.c.used < bindparam("b_limit"),
        ).returning(attempt_counts.c.used)
        # Take one of the window's submissions, in one statement: a new student's row starts at 1,
        # a row of an older window starts over at 1, a full window's row is left alone (no row
        # returned). The SET expressions read the row as it was, on both backends.
        take_rate = dialect_insert(rate_counts).values(
            student=bindparam("b_student"), window_start=bindparam("b_window"), used=1
        )
        stale = rate_counts.c.window_start < take_rate.excluded.window_start
        self._take_rate_statement = take_rate.on_conflict_do_update(
            index_elements=[rate_counts.c.student],
            set_={
                "used": case((stale, 1), else_=rate_counts.c.used + 1),
                "window_start": case(
                    (stale, take_rate.excluded.window_start), else_=rate_counts.c.window_start
                ),
            },
            where=or_(stale, rate_counts.c.used < bindparam("b_limit")),
        ).returning(rate_counts.c.used)
        self._insert_delivery = (
            dialect_insert(deliveries)
            .values(
                queue=bindparam("b_queue"),
                delivery=bindparam("b_delivery"),
                submission_id=bindparam("b_id"),
                attempts_used=bindparam("b_used"),
            )
            .on_conflict_do_nothing()
            .returning(deliveries.c.submission_id)
        )

    @contextmanager
    def _transaction(self, *, read_only: bool = False) -> Iterator[Connection]:
        engine = self.read_engine if read_only else self.engine
        try:
            with engine.connect() as connection:
                if read_only:
                    connection = connection.execution_options(**{READ_ONLY: True})
                with connection.begin():
                    yield connection
            if self.checkpointer is not None and not read_only:
                self.checkpointer.committed()
        except PoolTimeout as error:
            raise no_free_connection(engine, error) from None
        except DBAPIError as error:
            if not is_unavailable(error):
                raise
            raise DatabaseUnavailable(
                f"database {masked(self.engine.url)} unavailable: {str(error.orig).strip().splitlines()[0]}"
            ) from None

    def _values(self, new: NewSubmission, *, counted: bool, attempt: int | None) -> dict[str, Any]:
        columns = _columns([new], [counted], [attempt])
        return {name: values[0] for name, values in zip(_SUBMISSION_COLUMNS, columns, strict=True)}

    def _take_rate(self, connection: Connection, student: str, rate: RateLimit | None, now: datetime) -> None:
        """Take one of `student`'s submissions in the rate limit's window, or raise RateLimited."""
        if rate is None:
            return
        values = {"b_student": student, "b_window": rate.window_start(now)}
        taken = connection.execute(self._take_rate_statement, {**values, "b_limit": rate.submissions})
        if taken.first() is None:
            window_start = connection.execute(_RATE_ROW, values).one().window_start
            raise RateLimited(rate, int(window_start) + rate.seconds)

    def _deliver(
        self, connection: Connection, delivery: Delivery | None, submission_id: int, used: int
    ) -> None:
        if delivery is None:
            return
        values = {"b_queue": delivery.queue, "b_delivery": delivery.id, "b_id": submission_id, "b_used": used}
        # a concurrent delivery of the same id waits here for the first one's commit, then rolls back
        if connection.execute(self._insert_delivery, values).first() is None:
            raise AlreadyDelivered(delivery)

    def delivered(self, delivery: Delivery) -> Delivered | None:
        """The submission recorded for `delivery` and the attempts used then, or None."""
        with self._transaction(read_only=True) as connection:
            row = connection.execute(
                _DELIVERED, {"b_queue": delivery.queue, "b_delivery": delivery.id}
            ).first()
        if row is None:
            return None
        return Delivered(_row_to_submission(row), int(row.attempts_used))

    def record_uncounted(
        self,
        new: NewSubmission,
        max_attempts: int | None = None,
        *,
        limits: Limits | None = None,
        now: datetime | None = None,
        delivery: Delivery | None = None,
    ) -> tuple[int | None, int]:
        """Record an answer that uses no attempt (an unreadable one): (its id, attempts used).

        The id is None when `limits.max_unreadable` of them are stored already: it is not stored.
        Raises AttemptsExhausted when every attempt is already used (a student with none left gets
        the same refusal whatever they send), recording nothing but its place in the rate window;
        RateLimited and AlreadyDelivered, recording nothing. `now` (the server's time) places it
        in the rate window.
        """
        limits = limits or Limits()
        with self._transaction() as connection:
            self._take_rate(connection, new.student, limits.rate, now or new.submitted_at)
            where = {"b_student": new.student, "b_problem": new.problem}
            connection.execute(self._ensure_counter, where)
            used = int(connection.execute(_USED, where).scalar_one_or_none() or 0)
            if max_attempts is None or used < max_attempts:
                if limits.max_unreadable is None:
                    connection.execute(_COUNT_UNREADABLE, where)
                elif (
                    connection.execute(
                        _COUNT_UNREADABLE_CAPPED, {**where, "b_cap": limits.max_unreadable}
                    ).first()
                    is None
                ):
                    return None, used
                values = self._values(new, counted=False, attempt=None)
                submission_id = int(connection.execute(_INSERT_SUBMISSION, values).scalar_one())
                self._deliver(connection, delivery, submission_id, used)
                return submission_id, used
            # refused after the commit: the answer was graded, so it keeps its place in the window
        raise AttemptsExhausted(used)

    @contextmanager
    def claim_attempt(
        self,
        student: str,
        problem: str,
        max_attempts: int | None,
        *,
        rate: RateLimit | None = None,
        now: datetime | None = None,
        delivery: Delivery | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """Claim the next attempt in a transaction; yields (attempt number, record function).

        Call `record(new_submission)` inside the block; leaving the block commits both the claim
        and the record, or neither. Raises AttemptsExhausted when no attempt is left (recording
        only its place in the rate window), RateLimited past the rate limit (at `now`, the server's
        time) and AlreadyDelivered when `delivery` was answered before (recording nothing).
        """
        due: list[bool] = []
        with self._transaction() as connection:
            if rate is not None:
                assert now is not None, "a rate limit needs the time"
                self._take_rate(connection, student, rate, now)
            where = {"b_student": student, "b_problem": problem}
            if max_attempts is None:
                claimed = connection.execute(self._claim_unlimited, where).scalar_one_or_none()
            else:
                claimed = connection.execute(
                    self._claim_limited, {**where, "b_limit": max_attempts}
                ).scalar_one_or_none()
            if claimed is not None:
                number = int(claimed)
                recorded: list[int] = []

                def record(new: NewSubmission) -> int:
                    result = connection.execute(
                        _INSERT_SUBMISSION, self._values(new, counted=True, attempt=number)
                    )
                    recorded.append(int(result.scalar_one()))
                    self._deliver(connection, delivery, recorded[-1], number)
                    bumped = connection.execute(
                        _SCORE_DUE,
                        {"b_student": new.student, "b_problem": new.problem, "b_due": _utc(new.submitted_at)},
                    )
                    due.append(bumped.rowcount > 0)
                    return recorded[-1]

                yield number, record
                if not recorded:
                    raise RuntimeError("claim_attempt: the attempt was claimed but nothing recorded")
        if claimed is None:
            # refused after the commit: the answer was graded, so it keeps its place in the window
            raise AttemptsExhausted(max_attempts or 0)
        if any(due):
            for listener in self.on_score_due:
                listener()

    def record_offline(self, entries: Sequence[OfflineAttempt]) -> int:
        """Record batch-graded attempts in ONE transaction, each once, in bulk: all of them or, when
        anything fails, none. An entry whose origin is already stored (or comes earlier in
        `entries`) is skipped. A counted attempt takes the next attempt number of its (student,
        problem), without a limit: it was made offline, before anyone could refuse it. Returns how
        many were new.

        The rows are written OFFLINE_CHUNK at a time (executemany on SQLite, COPY on PostgreSQL):
        recording them one statement at a time, four statements per attempt, held `grade --db` to
        about 1,200 attempts/s (docs/deployment.md has the figures).
        """
        added = 0
        with self._transaction() as connection:
            if connection.dialect.name == "postgresql":
                # concurrent batch runs take turns: each sees the origins the other recorded (SQLite's
                # BEGIN IMMEDIATE does this already); online answers have no origin and never wait
                connection.execute(_LOCK_OFFLINE)
            # no batch recorded here before (a course's first run): no origin to look up; the lock
            # held keeps it so until this transaction ends
            recorded_before = connection.execute(_ANY_ORIGIN).first() is not None
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(_CREATE_CLAIMS)
            seen: set[str] = set()
            for start in range(0, len(entries), OFFLINE_CHUNK):
                chunk = entries[start : start + OFFLINE_CHUNK]
                added += self._record_offline_chunk(connection, chunk, seen, look_up=recorded_before)
            if connection.dialect.name == "postgresql":
                # (a failure rolls the temporary table back with the rest)
                connection.exec_driver_sql("DROP TABLE offline_claims")
        return added

    def _record_offline_chunk(
        self, connection: Connection, entries: Sequence[OfflineAttempt], seen: set[str], *, look_up: bool
    ) -> int:
        origins = list(map(_ORIGIN, entries))
        if look_up:
            seen.update(_stored_origins(connection, origins))
        new: Sequence[OfflineAttempt] = entries
        if not seen.isdisjoint(origins) or len(set(origins)) < len(origins):
            new = []
            for entry in entries:
                if entry.origin not in seen:
                    seen.add(entry.origin)
                    new.append(entry)
            origins = list(map(_ORIGIN, new))
        else:  # (a first run: every origin new)
            seen.update(origins)
        if not new:
            return 0
        news = list(map(_SUBMISSION, new))
        counted = list(map(_COUNTED, new))
        pairs = list(zip(map(_STUDENT, news), map(_PROBLEM, news), strict=True))
        claims = Counter(compress(pairs, counted))
        used = _claim_attempts(connection, claims) if claims else {}
        attempts: list[int | None] = []
        append = attempts.append
        for pair, is_counted in zip(pairs, counted, strict=True):
            if is_counted:
                number = used[pair] = used[pair] + 1
                append(number)
            else:
                append(None)
        values = _columns(news, counted, attempts)
        values.append(origins)
        # what SQLAlchemy's types do to a value before the driver sees it (SQLite: times as text,
        # booleans as 0/1), so that a row stored in bulk is the row `_values` would have stored;
        # each distinct value converted once (a batch shares its times and its flags)
        dialect = connection.dialect
        columns = (*_SUBMISSION_COLUMNS, "origin")
        for index, column in enumerate(columns):
            convert = submissions.c[column].type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                done = {value: convert(value) for value in set(values[index])}
                values[index] = list(map(done.__getitem__, values[index]))
        _write_rows(connection, submissions.name, columns, values)
        return len(new)

    def apply_regrade(
        self,
        updates: Sequence[tuple[int, str, float, str, str]],
        *,
        by: str,
        at: datetime,
        specs_before: dict[str, Any],
        specs_after: dict[str, Any],
        counts: dict[str, int],
    ) -> int:
        """Rewrite regraded submissions ((id, status, score, feedback, spec hash) each) and record
        the regrade, in ONE transaction: readers see every old result or every new one, never a
        mix, whatever interrupts it. Attempt numbers, times and days late are never touched.
        Returns the id of the `regrades` row."""
        with self._transaction() as connection:
            if updates:
                connection.execute(
                    _REGRADE_SUBMISSION,
                    [
                        {"b_id": i, "b_status": st, "b_score": sc, "b_feedback": fb, "b_spec_hash": h}
                        for i, st, sc, fb, h in updates
                    ],
                )
            row = connection.execute(
                insert(regrades).returning(regrades.c.id),
                {
                    "regraded_by": by,
                    "regraded_at": _utc(at),
                    "specs_before": json.dumps(specs_before, sort_keys=True),
                    "specs_after": json.dumps(specs_after, sort_keys=True),
                    "changed": counts.get("changed", 0),
                    "raised": counts.get("raised", 0),
                    "lowered": counts.get("lowered", 0),
                    "kept": counts.get("kept", 0),
                    "submissions_updated": len(updates),
                },
            )
            return int(row.scalar_one())

    def regrades(self) -> list[dict[str, Any]]:
        """The recorded regrades, oldest first, as dicts of their columns (the specs parsed)."""
        with self._transaction(read_only=True) as connection:
            rows = connection.execute(select(regrades).order_by(regrades.c.id)).mappings().all()
        return [
            {
                **row,
                "regraded_at": _utc(row["regraded_at"]),
                "specs_before": json.loads(row["specs_before"]),
                "specs_after": json.loads(row["specs_after"]),
            }
            for row in rows
        ]

    def attempts_used(self, student: str, problem: str) -> int:
        with self._transaction(read_only=True) as connection:
            used = connection.execute(
                select(attempt_counts.c.used).where(
                    attempt_counts.c.student == student, attempt_counts.c.problem == problem
                )
            ).scalar_one_or_none()
        return int(used or 0)

    def submissions(
        self,
        *,
        student: str | None = None,
        problem: str | None = None,
        limit: int | None = None,
        after: int | None = None,
    ) -> list[StoredSubmission]:
        """Recorded submissions in the order received, optionally for one student and/or problem;
        `after` an id and `limit` page through them."""
        query = select(submissions).order_by(submissions.c.id)
        if after is not None:
            query = query.where(submissions.c.id > after)
        if student is not None:
            query = query.where(submissions.c.student == student)
        if problem is not None:
            query = query.where(submissions.c.problem == problem)
        if limit is not None:
            query = query.limit(limit)
        with self._transaction(read_only=True) as connection:
            return [_row_to_submission(row) for row in connection.execute(query)]

    def count(
        self, *, student: str | None = None, problem: str | None = None, counted: bool | None = None
    ) -> int:
        query = select(func.count()).select_from(submissions)
        if student is not None:
            query = query.where(submissions.c.student == student)
        if problem is not None:
            query = query.where(submissions.c.problem == problem)
        if counted is not None:
            query = query.where(submissions.c.counted == counted)
        with self._transaction(read_only=True) as connection:
            return int(connection.execute(query).scalar_one())

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
