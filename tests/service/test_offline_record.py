"""`grade SUBMISSIONS --db`'s recording in bulk: the same rows as recording one attempt at a time,
on SQLite and PostgreSQL, all or nothing, and the same grading as the service's per attempt."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, insert, select, text, update

from grader.compare.policy import lateness
from grader.compare.results import Status
from grader.grading import grade_answer
from grader.record import (
    BATCH_SOURCE,
    answer_text,
    attempt_origin,
    graded_attempts,
    new_submission,
    record_batch,
)
from grader.service import Checker
from grader.spec.loader import ProblemSet
from grader.storage import NewSubmission, OfflineAttempt, Storage, open_storage
from grader.storage import store as storage_module
from grader.storage.schema import attempt_counts, submissions
from grader.submissions.models import Attempt, Submission
from tests.service.conftest import NOW, Database, own_postgres_database

# -- the reference: today's recording, one attempt at a time ---------------------------------


def _reference_row(entry: OfflineAttempt, attempt: int | None) -> dict[str, Any]:
    new = entry.submission
    return {
        "student": new.student,
        "problem": new.problem,
        "submitted_at": new.submitted_at.astimezone(timezone.utc),
        "source": new.source,
        "raw": new.raw,
        "parsed": None if new.parsed is None else json.dumps(new.parsed),
        "status": new.status,
        "score": new.score,
        "max_score": new.max_score,
        "feedback": new.feedback,
        "counted": entry.counted,
        "attempt": attempt,
        "days_late": new.days_late,
        "spec_hash": new.spec_hash,
        "origin": entry.origin,
    }


def record_one_at_a_time(storage: Storage, entries: list[OfflineAttempt]) -> int:
    """Each entry on its own: skipped when its origin is stored; a counted one takes the next
    attempt number of its (student, problem)."""
    added = 0
    with storage.engine.begin() as connection:
        for entry in entries:
            stored = select(submissions.c.id).where(submissions.c.origin == entry.origin)
            if connection.execute(stored).first() is not None:
                continue
            attempt = None
            if entry.counted:
                attempt = _claim(connection, entry.submission.student, entry.submission.problem)
            connection.execute(insert(submissions).values(**_reference_row(entry, attempt)))
            added += 1
    return added


def _claim(connection: Connection, student: str, problem: str) -> int:
    this = (attempt_counts.c.student == student) & (attempt_counts.c.problem == problem)
    used = connection.execute(select(attempt_counts.c.used).where(this)).scalar_one_or_none()
    if used is None:
        connection.execute(
            insert(attempt_counts).values(student=student, problem=problem, used=1, unreadable=0)
        )
        return 1
    connection.execute(update(attempt_counts).where(this).values(used=used + 1))
    return int(used) + 1


def _contents(storage: Storage) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every stored submission (by id, every column) and every counter."""
    with storage.engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(select(submissions).order_by(submissions.c.id))]
        counters = connection.execute(
            select(attempt_counts).order_by(attempt_counts.c.student, attempt_counts.c.problem)
        )
        return rows, [tuple(row) for row in counters]


def _emptied(storage: Storage) -> None:
    with storage.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE submissions, attempt_counts RESTART IDENTITY"))
        else:
            connection.execute(text("DELETE FROM submissions"))
            connection.execute(text("DELETE FROM attempt_counts"))


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Storage, Storage]]:
    """Two empty databases of one backend: one recorded in bulk, one by the reference."""
    if request.param == "sqlite":
        pair = (open_storage(str(tmp_path / "bulk.db")), open_storage(str(tmp_path / "reference.db")))
        yield pair
        for storage in pair:
            storage.close()
        return
    server = request.getfixturevalue("postgres_url")
    with own_postgres_database(server) as bulk, own_postgres_database(server) as reference:
        pair = (open_storage(bulk.url), open_storage(reference.url))
        yield pair
        for storage in pair:
            storage.close()


# -- random batches -----------------------------------------------------------------------------

_TIMES = [
    NOW,
    NOW + timedelta(minutes=5, microseconds=123456),
    datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=-3))),
]


@st.composite
def _entries(draw: st.DrawFn) -> OfflineAttempt:
    status = draw(st.sampled_from(["correct", "incorrect", "invalid"]))
    new = NewSubmission(
        student=draw(st.sampled_from(["ann", "bo", "çé"])),
        problem=draw(st.sampled_from(["p1", "p2"])),
        submitted_at=draw(st.sampled_from(_TIMES)),
        source=BATCH_SOURCE,
        # text that COPY's text format escapes: backslash, tab, newline, carriage return; "\\N"
        raw=draw(st.sampled_from(["[1, 0]", "x", "ü, 2", "a\tb\\c\nd\re", "\\N"])),
        parsed=None if status == "invalid" else draw(st.sampled_from([[1, 0], [0.5, -1.0], ["a"]])),
        status=status,
        score=1.0 if status == "correct" else draw(st.sampled_from([0.0, 0.25])),
        max_score=1.0,
        feedback=draw(st.sampled_from(["", "h_2 is off", "naïve", "line one\nline\ttwo \\"])),
        days_late=draw(st.sampled_from([0, 2])),
        spec_hash=draw(st.sampled_from([None, "ab" * 32])),
    )
    # few origins, so that the same attempt comes twice, within a batch and across runs
    origin = f"{draw(st.integers(0, 11)):064x}"
    return OfflineAttempt(origin, new, status != "invalid")


relaxed = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@relaxed
@given(
    before=st.lists(_entries(), max_size=6),
    online=st.lists(st.tuples(st.sampled_from(["ann", "bo"]), st.sampled_from(["p1", "p2"])), max_size=3),
    batch=st.lists(_entries(), max_size=14),
    chunk=st.integers(1, 5),
)
def test_bulk_recording_stores_exactly_the_rows_of_recording_one_at_a_time(
    storage_pair: tuple[Storage, Storage],
    before: list[OfflineAttempt],
    online: list[tuple[str, str]],
    batch: list[OfflineAttempt],
    chunk: int,
) -> None:
    bulk, reference = storage_pair
    for storage in storage_pair:
        _emptied(storage)
        # the same history in both: a batch recorded before, then answers online
        record_one_at_a_time(storage, before)
        for student, problem in online:
            with storage.claim_attempt(student, problem, None) as (_, record):
                record(NewSubmission(student, problem, NOW, "api", "[1]", [1], "correct", 1.0, 1.0, ""))
    with mock.patch.object(storage_module, "OFFLINE_CHUNK", chunk):
        added = bulk.record_offline(batch)
    assert added == record_one_at_a_time(reference, batch)
    assert _contents(bulk) == _contents(reference)
    assert bulk.record_offline(batch) == 0  # recorded once: a rerun adds nothing
    assert _contents(bulk) == _contents(reference)


def _batch(count: int, student: str = "ann", first: int = 0) -> list[OfflineAttempt]:
    return [
        OfflineAttempt(
            f"{first + n:064x}",
            NewSubmission(student, "p1", NOW, BATCH_SOURCE, "[1]", [1], "correct", 1.0, 1.0, ""),
            True,
        )
        for n in range(count)
    ]


def test_a_failure_mid_way_records_nothing_and_a_rerun_records_everything(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_module, "OFFLINE_CHUNK", 2)
    write = storage_module._write_rows
    calls: list[str] = []

    def fail_on_the_second_chunk(connection: Connection, table: str, *rest: Any) -> None:
        if table == "submissions":
            calls.append(table)
            if len(calls) == 2:
                raise RuntimeError("the disk filled up")
        write(connection, table, *rest)

    monkeypatch.setattr(storage_module, "_write_rows", fail_on_the_second_chunk)
    with pytest.raises(RuntimeError, match="disk filled up"):
        storage.record_offline(_batch(5))
    assert storage.count() == 0 and storage.attempts_used("ann", "p1") == 0

    monkeypatch.setattr(storage_module, "_write_rows", write)
    assert storage.record_offline(_batch(5)) == 5
    assert [s.attempt for s in storage.submissions()] == [1, 2, 3, 4, 5]
    assert storage.attempts_used("ann", "p1") == 5


def test_online_attempts_and_a_batch_share_the_attempt_count(storage: Storage) -> None:
    with storage.claim_attempt("ann", "p1", None) as (_, record):
        record(NewSubmission("ann", "p1", NOW, "api", "[0]", [0], "incorrect", 0.0, 1.0, ""))
    assert storage.record_offline(_batch(2)) == 2
    with storage.claim_attempt("ann", "p1", None) as (number, record):
        record(NewSubmission("ann", "p1", NOW, "api", "[1]", [1], "correct", 1.0, 1.0, ""))
    assert number == 4
    assert [(s.source, s.attempt) for s in storage.submissions()] == [
        ("api", 1),
        ("batch", 2),
        ("batch", 3),
        ("api", 4),
    ]


# -- grading: the same records as the service's grading of each attempt -----------------------


def graded_one_at_a_time(
    problems: ProblemSet, items: list[Submission], now: datetime
) -> list[OfflineAttempt]:
    """Each attempt graded on its own through the service's Checker (its key, its variant, its
    mistakes), as `grade --db` graded before it graded a class at once."""
    checker = Checker(problems, mock.Mock())
    seen: dict[tuple[Any, ...], int] = {}
    entries = []
    for item in items:
        for name, attempts in item.attempts.items():
            if name not in problems.problems:
                continue
            problem = problems[name]
            inputs = checker.variant(problem, item.student).inputs
            for attempt in attempts:
                text = answer_text(attempt.answer)
                identity = (item.student, problem.id, attempt.submitted_at, text)
                occurrence = seen.get(identity, 0)
                seen[identity] = occurrence + 1
                late = lateness(problem, attempt.submitted_at)
                if not late.accepted:
                    continue
                result = grade_answer(
                    problem,
                    attempt.answer,
                    checker.key(problem, item.student),
                    inputs=inputs,
                    mistakes=checker.mistakes(problem, inputs),
                )
                new = new_submission(
                    problem,
                    item.student,
                    attempt.answer,
                    result,
                    submitted_at=attempt.submitted_at or now,
                    source=BATCH_SOURCE,
                    late=late,
                    spec_hash=checker.spec_hashes[problem.id],
                )
                origin = attempt_origin(*identity, occurrence)
                entries.append(OfflineAttempt(origin, new, result.status is not Status.INVALID))
    return entries


_ANSWERS = {
    "lstm-states-2": [
        "[1, -1, 0, 1, -1]",
        "[1, 1, 1, 1, 1]",
        "[1, -1, zero]",
        [1, -1, 0, 1, -1],
        "1 -1 0 1 -1",
    ],
    "variant-states": [
        "[1, 1, 1, 1, 1, 1, 1, 1]",
        "[0, 0, 0, 0, 0, 0, 0, 0]",
        "[1, -1]",
        "[1, 0, 1, 0, 1, 0, 1, 0]",
    ],
    "exact-states": ["[0.41, 0.18, 0.51]", "[0.4, 0.2, 0.5]", "[0.41, 0.18]", "nope"],
    "due-penalty": ["[1, 1]", "[0, 0]"],
    "due-reject": ["[1, 1]", "[1, -1]"],
    "lstm-info": ["c", "a", ["b", "c"], "e"],
    "no-such-problem": ["[1]"],
}
_AT = [None, NOW, datetime(2026, 1, 20, tzinfo=timezone.utc), datetime(2026, 2, 28, 8, tzinfo=timezone.utc)]


@st.composite
def _submissions(draw: st.DrawFn) -> Submission:
    problem = draw(st.sampled_from(sorted(_ANSWERS)))
    attempts = draw(
        st.lists(
            st.builds(Attempt, st.sampled_from(_ANSWERS[problem]), st.sampled_from(_AT)),
            min_size=1,
            max_size=3,
        )
    )
    student = draw(st.sampled_from(["ann", "bo", "cy", "dee", "eve", "fay"]))
    return Submission(student, {problem: attempts}, "export.jsonl", whole=False)


@settings(max_examples=40, deadline=None)
@given(items=st.lists(_submissions(), max_size=12))
def test_a_batch_graded_at_once_gives_the_records_of_grading_each_attempt(
    course: ProblemSet, items: list[Submission]
) -> None:
    batch = graded_attempts(course, items, now=NOW)
    assert batch.entries == graded_one_at_a_time(course, items, NOW)
    rejected = sum(
        not lateness(course[name], attempt.submitted_at).accepted
        for item in items
        for name, attempts in item.attempts.items()
        if name in course.problems
        for attempt in attempts
    )
    assert batch.past_due == rejected


def test_record_batch_counts_what_it_added_and_what_was_there(course: ProblemSet, storage: Storage) -> None:
    items = [
        Submission("ann", {"lstm-states-2": [Attempt("[1, 1, 1, 1, 1]"), Attempt("[1, -1, zero]")]}),
        Submission("bo", {"due-reject": [Attempt("[1, 1]", NOW)]}),  # past due: not recorded
    ]
    first = record_batch(course, storage, items, now=NOW)
    assert (first.added, first.already, first.past_due) == (2, 0, 1)
    items.append(Submission("cy", {"lstm-states-2": [Attempt("[1, -1, 0, 1, -1]")]}))
    again = record_batch(course, storage, items, now=NOW)
    assert (again.added, again.already, again.past_due) == (1, 2, 1)
    assert [(s.student, s.status, s.attempt) for s in storage.submissions()] == [
        ("ann", "incorrect", 1),
        ("ann", "invalid", None),
        ("cy", "correct", 1),
    ]


def test_two_runs_at_once_record_each_attempt_once(database: Database) -> None:
    # two processes' worth of connections: each run its own Storage, started together
    runs = [open_storage(database.url), open_storage(database.url)]
    entries = _batch(600, student="bo") + _batch(600, student="cy", first=600)
    start = threading.Barrier(len(runs))
    added: list[int] = []

    def run(storage: Storage) -> None:
        start.wait()
        added.append(storage.record_offline(entries))

    try:
        threads = [threading.Thread(target=run, args=(storage,)) for storage in runs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(added) == [0, len(entries)]  # one run records them all, the other none
        assert runs[0].count() == len(entries)
        for student in ("bo", "cy"):
            attempts = [s.attempt for s in runs[0].submissions(student=student)]
            assert attempts == list(range(1, 601))
            assert runs[0].attempts_used(student, "p1") == 600
    finally:
        for storage in runs:
            storage.close()
