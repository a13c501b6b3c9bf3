"""What a launch stores, in one transaction: its nonce (used once), the user's student id, and the
line item the student's score on the problem goes to."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

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


def _student(connection: Connection, launch: Launch) -> str:
    platform_id = launch.platform.id
    found = connection.execute(
        select(lti_users.c.student).where(
            lti_users.c.platform_id == platform_id, lti_users.c.sub == launch.sub
        )
    ).scalar_one_or_none()
    if found is not None:
        return str(found)
    student = student_id_for(platform_id, launch.sub)
    connection.execute(insert(lti_users).values(platform_id=platform_id, sub=launch.sub, student=student))
    return student


def record_launch(engine: Engine, launch: Launch, *, now: datetime) -> str:
    """Use the launch's nonce (LaunchRefused when it was used before), map its user to a student
    and remember the line item of (student, problem); returns the student id."""
    try:
        with engine.begin() as connection:
            connection.execute(delete(lti_nonces).where(lti_nonces.c.expires_at < now))
            connection.execute(insert(lti_nonces).values(nonce=launch.nonce, expires_at=launch.expires))
            student = _student(connection, launch)
            if launch.lineitem is not None and launch.problem is not None and not launch.staff:
                _link(connection, launch, student, now)
    except IntegrityError:
        raise LaunchRefused("lti_nonce_replayed", "nonce: this launch was used before (a replay)") from None
    return student


def _link(connection: Connection, launch: Launch, student: str, now: datetime) -> None:
    assert launch.lineitem is not None and launch.problem is not None
    where = (lti_scores.c.student == student, lti_scores.c.problem == launch.problem)
    values = {"platform_id": launch.platform.id, "lineitem": launch.lineitem, "user_id": launch.sub}
    changed = connection.execute(update(lti_scores).where(*where).values(**values)).rowcount
    if not changed:
        connection.execute(
            insert(lti_scores).values(
                student=student,
                problem=launch.problem,
                version=0,
                sent_version=0,
                next_try_at=now,
                failures=0,
                **values,
            )
        )
