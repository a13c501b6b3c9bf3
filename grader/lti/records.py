"""What a launch stores, in one transaction: its nonce (used once), the user's student id, and the
line item the student's score on the problem goes to."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from grader.lti.errors import LaunchRefused
from grader.lti.launch import Launch
from grader.storage.schema import STUDENT_LENGTH, lti_nonces, lti_scores, lti_users

__all__ = ["record_launch", "student_id_for"]


def student_id_for(platform_id: int, sub: str) -> str:
    """The student id a platform's user gets: readable, within the column, unique per platform."""
    name = f"lti{platform_id}-{sub}"
    if len(name) <= STUDENT_LENGTH:
        return name
    return f"lti{platform_id}-" + hashlib.sha256(sub.encode()).hexdigest()


def _insert(connection: Connection) -> Any:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def _student(connection: Connection, launch: Launch) -> str:
    platform_id = launch.platform.id
    student = student_id_for(platform_id, launch.sub)
    # two first launches of one user at once: one inserts, the other finds its row
    connection.execute(
        _insert(connection)(lti_users)
        .values(platform_id=platform_id, sub=launch.sub, student=student)
        .on_conflict_do_nothing()
    )
    found = connection.execute(
        select(lti_users.c.student).where(
            lti_users.c.platform_id == platform_id, lti_users.c.sub == launch.sub
        )
    ).scalar_one()
    return str(found)


def record_launch(engine: Engine, launch: Launch, *, now: datetime) -> str:
    """Use the launch's nonce (LaunchRefused when it was used before), map its user to a student
    and remember the line item of (student, problem); returns the student id."""
    with engine.begin() as connection:
        connection.execute(delete(lti_nonces).where(lti_nonces.c.expires_at < now))
        # the primary key decides: of two launches with one nonce, even at once, one inserts it
        used = connection.execute(
            _insert(connection)(lti_nonces)
            .values(nonce=launch.nonce, expires_at=launch.expires)
            .on_conflict_do_nothing()
        ).rowcount
        if not used:
            raise LaunchRefused("lti_nonce_replayed", "nonce: this launch was used before (a replay)")
        student = _student(connection, launch)
        if launch.lineitem is not None and launch.problem is not None and not launch.staff:
            _link(connection, launch, student, now)
    return student


def _link(connection: Connection, launch: Launch, student: str, now: datetime) -> None:
    """Remember where (student, problem)'s score goes; a later launch may name another line item."""
    assert launch.lineitem is not None and launch.problem is not None
    target = {"platform_id": launch.platform.id, "lineitem": launch.lineitem, "user_id": launch.sub}
    statement = _insert(connection)(lti_scores).values(
        student=student, problem=launch.problem, version=0, sent_version=0, next_try_at=now, failures=0,
        **target,
    )  # fmt: skip
    key = [lti_scores.c.student, lti_scores.c.problem]
    connection.execute(statement.on_conflict_do_update(index_elements=key, set_=target))
