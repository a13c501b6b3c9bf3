"""The tables, written once in SQLAlchemy Core for every backend (SQLite and PostgreSQL).

The migrations under `migrations/versions/` create exactly this schema; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "DELIVERY_LENGTH",
    "PROBLEM_LENGTH",
    "QUEUE_LENGTH",
    "STUDENT_LENGTH",
    "attempt_counts",
    "deliveries",
    "lti_nonces",
    "lti_platforms",
    "lti_scores",
    "lti_users",
    "metadata",
    "rate_counts",
    "regrades",
    "submissions",
]

STUDENT_LENGTH = 200
PROBLEM_LENGTH = 64
QUEUE_LENGTH = 64
DELIVERY_LENGTH = 128

metadata = MetaData()

#: Every answer received, graded or not: nothing acknowledged is ever left out.
submissions = Table(
    "submissions",
    metadata,
    # BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("student", String(STUDENT_LENGTH), nullable=False),
    Column("problem", String(PROBLEM_LENGTH), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    #: "api", "page", "xqueue": which front received it.
    Column("source", String(16), nullable=False),
    Column("raw", Text, nullable=False),
    #: The parsed answer as JSON text; NULL when it could not be read.
    Column("parsed", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("feedback", Text, nullable=False),
    #: True when the attempt counted against max_attempts (invalid answers do not).
    Column("counted", Boolean, nullable=False),
    #: 1, 2, … among the counted attempts of (student, problem); NULL when not counted.
    Column("attempt", Integer, nullable=True),
    Column("days_late", Integer, nullable=False, server_default="0"),
    #: A batch-graded attempt's identity (a hash of what was submitted); NULL for online answers.
    #: Unique, so recording the same batch twice records each attempt once.
    Column("origin", String(64), nullable=True),
    #: The content hash of the spec that graded it (`ProblemSet.content_hash`); NULL when recorded
    #: before hashes were kept. A regrade sets it to the hash of the spec it regraded with.
    Column("spec_hash", String(64), nullable=True),
    Index("ix_submissions_student_problem", "student", "problem"),
    Index("ux_submissions_origin", "origin", unique=True),
)

#: Counted attempts per (student, problem): the row a submission locks to claim its attempt.
attempt_counts = Table(
    "attempt_counts",
    metadata,
    Column("student", String(STUDENT_LENGTH), primary_key=True),
    Column("problem", String(PROBLEM_LENGTH), primary_key=True),
    Column("used", Integer, nullable=False, server_default="0"),
    #: Unreadable answers received online and stored: the row caps them (see Storage.record_uncounted).
    Column("unreadable", Integer, nullable=False, server_default="0"),
)

#: Each student's submissions in the current fixed window of the rate limit: one row per student,
#: claimed with one conditional UPDATE like an attempt, so every worker on every machine shares it.
rate_counts = Table(
    "rate_counts",
    metadata,
    Column("student", String(STUDENT_LENGTH), primary_key=True),
    #: The window's start, in whole seconds since the epoch (UTC).
    Column("window_start", BigInteger, nullable=False),
    Column("used", Integer, nullable=False, server_default="0"),
)

#: Deliveries already answered (XQueue delivers at least once): a redelivery of (queue, delivery)
#: gets the stored reply instead of a new attempt; the primary key makes concurrent ones claim once.
deliveries = Table(
    "deliveries",
    metadata,
    Column("queue", String(QUEUE_LENGTH), primary_key=True),
    #: The queue's own id of the submission (XQueue's xqueue_header.submission_id).
    Column("delivery", String(DELIVERY_LENGTH), primary_key=True),
    Column("submission_id", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    #: Attempts used when it was answered: the reply is rebuilt from it and the stored submission.
    Column("attempts_used", Integer, nullable=False),
)

#: Each `grade regrade --db --apply` that changed something: who, when, the specs' content hashes
#: before and after (JSON objects, problem id → hash) and what changed, written in the transaction
#: that updates the submissions.
regrades = Table(
    "regrades",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("regraded_by", String(STUDENT_LENGTH), nullable=False),
    Column("regraded_at", DateTime(timezone=True), nullable=False),
    Column("specs_before", Text, nullable=False),
    Column("specs_after", Text, nullable=False),
    #: Results (student, problem) whose score or status changed, were raised, lowered, or kept.
    Column("changed", Integer, nullable=False),
    Column("raised", Integer, nullable=False),
    Column("lowered", Integer, nullable=False),
    Column("kept", Integer, nullable=False),
    #: Stored submissions rewritten.
    Column("submissions_updated", Integer, nullable=False),
)

# -- LTI 1.3 (grader/lti/): the platforms that launch the tool and the scores sent back to them --

#: A platform (an LMS) registered with `grade lti add`: where its users sign in, its token
#: endpoint and its public keys. One issuer may register several tools (client ids).
lti_platforms = Table(
    "lti_platforms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issuer", String(255), nullable=False),
    Column("client_id", String(255), nullable=False),
    #: The deployment ids the platform may launch with, as a JSON list.
    Column("deployment_ids", Text, nullable=False),
    Column("auth_login_url", Text, nullable=False),
    Column("auth_token_url", Text, nullable=False),
    Column("keyset_url", Text, nullable=False),
    UniqueConstraint("issuer", "client_id", name="ux_lti_platforms_issuer_client"),
)

#: The nonces of accepted launches, until their token expires: a nonce is used once.
lti_nonces = Table(
    "lti_nonces",
    metadata,
    Column("nonce", String(255), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

#: Which student a platform's user (`sub`) is: the mapping made at their first launch.
lti_users = Table(
    "lti_users",
    metadata,
    Column("platform_id", Integer, ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True),
    Column("sub", String(255), primary_key=True),
    Column("student", String(STUDENT_LENGTH), nullable=False, unique=True),
)

#: The score outbox: one row per (student, problem) launched with a line item. A graded attempt
#: bumps `version` in its own transaction; a sender claims the row with a lease, posts the
#: current score and records the version it sent, so a restart or a second worker resends
#: nothing already delivered and loses nothing not yet delivered.
lti_scores = Table(
    "lti_scores",
    metadata,
    Column("student", String(STUDENT_LENGTH), primary_key=True),
    Column("problem", String(PROBLEM_LENGTH), primary_key=True),
    Column("platform_id", Integer, ForeignKey("lti_platforms.id", ondelete="CASCADE"), nullable=False),
    Column("lineitem", Text, nullable=False),
    #: The platform's id of the user (the launch's `sub`), as AGS names them.
    Column("user_id", String(255), nullable=False),
    #: Bumped by every graded attempt; the score is due while it is above `sent_version`.
    Column("version", Integer, nullable=False, server_default="0"),
    Column("sent_version", Integer, nullable=False, server_default="0"),
    #: A sender holds the row until then; after it (a sender killed mid-post) another may take it.
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("next_try_at", DateTime(timezone=True), nullable=False),
    #: Failed posts since the last delivered one: the backoff grows with it.
    Column("failures", Integer, nullable=False, server_default="0"),
    #: The timestamp of the last score posted: the next is always later (the platform keeps the latest).
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("sent_score", Float, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_lti_scores_due", "next_try_at"),
)
