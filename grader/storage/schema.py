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
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = ["PROBLEM_LENGTH", "STUDENT_LENGTH", "attempt_counts", "metadata", "submissions"]

STUDENT_LENGTH = 200
PROBLEM_LENGTH = 64

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
)
