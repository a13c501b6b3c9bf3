"""Limits on abuse, kept in the database: a per-student rate limit (429 with Retry-After), a cap on
stored unreadable answers per student and problem, shared by every server on one database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import DateTime, bindparam, text

from grader.cli.commands.serve import DEFAULT_MAX_UNREADABLE, DEFAULT_RATE_LIMIT, limits_of
from grader.service import ServiceSettings, create_app
from grader.service.server import ServeOptions
from grader.service.settings import DEFAULT_LIMITS
from grader.spec.loader import ProblemSet
from grader.storage import Limits, RateLimit, Storage, head_revision, make_engine, open_storage
from grader.storage.migrate import _config
from tests.conftest import Run
from tests.service.conftest import NOW, SECRET, STAFF_TOKEN, Clock, Database, as_student

WRONG = "[1, -1, 0, 0, 1]"  # lstm-states-2: 5 attempts
UNREADABLE = "[1, -1, zero, 1, -1]"
SUBMIT = "/api/problems/lstm-states-2/submissions"


@pytest.fixture
def limited(course: ProblemSet, clock: Clock) -> Callable[[Storage, Limits], TestClient]:
    """A client of an app over `storage` with these limits and the test clock."""

    def make(storage: Storage, limits: Limits) -> TestClient:
        settings = ServiceSettings(
            problems=course, storage=storage, secret=SECRET, staff_token=STAFF_TOKEN, clock=clock,
            limits=limits,
        )
        return TestClient(create_app(settings), raise_server_exceptions=False)

    return make


THREE_PER_TEN_MINUTES = Limits(rate=RateLimit(3, timedelta(minutes=10)))


def test_past_the_rate_limit_the_answer_is_refused_with_retry_after_to_the_window_end(
    limited: Callable[[Storage, Limits], TestClient], storage: Storage, clock: Clock
) -> None:
    client = limited(storage, THREE_PER_TEN_MINUTES)
    # NOW is 12:00:00, a whole multiple of 10 minutes: the window runs to 12:10:00
    answers = [WRONG, UNREADABLE, WRONG]
    codes = [client.post(SUBMIT, json={"answer": a}, headers=as_student("eve")).status_code for a in answers]
    assert codes == [200] * 3
    clock.now = NOW + timedelta(minutes=4, seconds=30)
    refused = client.post(SUBMIT, json={"answer": WRONG}, headers=as_student("eve"))
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")
    assert refused.headers["Retry-After"] == "330"
    assert "at most 3 submissions per 10 minute(s)" in refused.json()["error"]["message"]
    assert storage.count(student="eve") == 3 and storage.attempts_used("eve", "lstm-states-2") == 2
    # someone else is not limited by eve
    assert client.post(SUBMIT, json={"answer": WRONG}, headers=as_student("ann")).status_code == 200
    # the next window starts over
    clock.now = NOW + timedelta(minutes=10)
    assert client.post(SUBMIT, json={"answer": WRONG}, headers=as_student("eve")).status_code == 200


@pytest.mark.parametrize("answer", ["[0, 0, 0]", "[0, 0, zero]"], ids=["readable", "unreadable"])
def test_answers_graded_and_refused_for_want_of_attempts_count_toward_the_rate_limit(
    limited: Callable[[Storage, Limits], TestClient], storage: Storage, answer: str
) -> None:
    client = limited(storage, Limits(rate=RateLimit(5, timedelta(minutes=10))))
    path = "/api/problems/exact-states/submissions"  # max_attempts: 3
    eve = as_student("eve")
    codes = [client.post(path, json={"answer": "[0, 0, 0]"}, headers=eve).status_code for _ in range(3)]
    codes += [client.post(path, json={"answer": answer}, headers=eve).status_code for _ in range(3)]
    assert codes == [200, 200, 200, 409, 409, 429]
    assert storage.count(student="eve") == 3


def test_after_the_first_refusal_the_rest_of_a_flood_is_not_graded(
    limited: Callable[[Storage, Limits], TestClient], storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = limited(storage, THREE_PER_TEN_MINUTES)
    checker = client.app.state.checker  # type: ignore[attr-defined]
    graded: list[str] = []
    grade = checker._grade_and_read  # what submit grades with (and reads the answer for storing)

    def counted_grade(problem: Any, *rest: Any) -> Any:
        graded.append(problem.id)
        return grade(problem, *rest)

    monkeypatch.setattr(checker, "_grade_and_read", counted_grade)
    eve = as_student("eve")
    codes = [client.post(SUBMIT, json={"answer": WRONG}, headers=eve).status_code for _ in range(10)]
    assert codes == [200] * 3 + [429] * 7
    assert len(graded) == 4  # three recorded, and the one the database refused
    assert storage.count(student="eve") == 3


def test_the_rate_limit_is_shared_by_every_server_on_the_database(
    limited: Callable[[Storage, Limits], TestClient], database: Database
) -> None:
    # two servers (two storages, as two workers or machines have), one database
    first, second = open_storage(database.url), open_storage(database.url)
    try:
        clients = [limited(first, THREE_PER_TEN_MINUTES), limited(second, THREE_PER_TEN_MINUTES)]
        codes = [
            clients[i % 2].post(SUBMIT, json={"answer": WRONG}, headers=as_student("eve")).status_code
            for i in range(6)
        ]
        assert codes == [200, 200, 200, 429, 429, 429]
    finally:
        first.close()
        second.close()


def test_concurrent_submissions_pass_the_rate_limit_exactly_its_number_of_times(
    limited: Callable[[Storage, Limits], TestClient], storage: Storage
) -> None:
    client = limited(storage, Limits(rate=RateLimit(4, timedelta(minutes=1))))
    barrier = threading.Barrier(12)

    def one(index: int) -> int:
        barrier.wait()
        answer = UNREADABLE if index % 2 else WRONG  # both kinds count
        return client.post(SUBMIT, json={"answer": answer}, headers=as_student("eve")).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = sorted(pool.map(one, range(12)))
    assert codes == [200] * 4 + [429] * 8
    assert storage.count(student="eve") == 4


def test_past_the_cap_an_unreadable_answer_is_checked_and_not_stored(
    limited: Callable[[Storage, Limits], TestClient], storage: Storage
) -> None:
    client = limited(storage, Limits(max_unreadable=2))
    eve = as_student("eve")
    outcomes = [client.post(SUBMIT, json={"answer": UNREADABLE}, headers=eve) for _ in range(3)]
    assert [o.status_code for o in outcomes] == [200] * 3
    last = outcomes[-1].json()
    assert (last["id"], last["status"], last["counted"]) == (None, "invalid", False)
    assert last["feedback"].startswith("Could not read your answer")
    assert "It was not stored: 2 unreadable answers to lstm-states-2 are stored already." in (
        last["feedback"]
    )
    assert [o.json()["id"] is not None for o in outcomes[:2]] == [True, True]
    assert storage.count(student="eve") == 2
    # readable answers and other problems are not capped
    assert client.post(SUBMIT, json={"answer": WRONG}, headers=as_student("eve")).json()["counted"] is True
    other = client.post("/api/problems/lstm-states-1/submissions", json={"answer": "x"}, headers=eve)
    assert other.json()["id"] is not None
    assert storage.count(student="eve") == 4


def test_concurrent_unreadable_answers_store_exactly_the_cap(
    limited: Callable[[Storage, Limits], TestClient], storage: Storage
) -> None:
    client = limited(storage, Limits(max_unreadable=3))
    barrier = threading.Barrier(10)

    def one(_: int) -> Any:
        barrier.wait()
        return client.post(SUBMIT, json={"answer": UNREADABLE}, headers=as_student("eve")).json()["id"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(one, range(10)))
    assert sum(i is not None for i in ids) == 3
    assert storage.count(student="eve") == 3


def test_grade_serve_defaults_are_the_settings_defaults() -> None:
    assert limits_of(DEFAULT_RATE_LIMIT, DEFAULT_MAX_UNREADABLE) == DEFAULT_LIMITS
    assert Limits(rate=RateLimit(60, timedelta(minutes=10)), max_unreadable=100) == DEFAULT_LIMITS
    assert limits_of("off", "off") == Limits()
    assert limits_of("5/1", "0") == Limits(rate=RateLimit(5, timedelta(minutes=1)), max_unreadable=0)


def test_workers_get_the_limits_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, course_dir: Path
) -> None:
    for limits in (Limits(rate=RateLimit(7, timedelta(minutes=3)), max_unreadable=9), Limits()):
        options = ServeOptions(problems=course_dir, db="x.db", limits=limits)
        for name, value in options.to_environment().items():
            monkeypatch.setenv(name, value)
        assert ServeOptions.from_environment().limits == limits


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate-limit", "60"], "--rate-limit: expected N/MINUTES like 60/10"),
        (["--rate-limit", "0/10"], "--rate-limit: expected N/MINUTES"),
        (["--rate-limit", "ten/1"], "got 'ten/1'"),
        (["--max-unreadable", "-1"], "--max-unreadable: expected a whole number or off; got '-1'"),
    ],
)
def test_bad_limit_options_are_usage_errors(
    grade: Callable[..., Run], course_dir: Path, tmp_path: Path, argv: list[str], message: str
) -> None:
    run = grade("serve", "--problems", str(course_dir), "--db", str(tmp_path / "g.db"), *argv)
    assert (run.code, run.out) == (2, "")
    assert message in run.err and "Traceback" not in run.err


def test_upgrading_a_0002_database_counts_the_unreadable_answers_already_stored(
    grade: Callable[..., Run], database: Database, limited: Callable[[Storage, Limits], TestClient]
) -> None:
    engine = make_engine(database.url)
    try:
        config = _config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
        row = (
            "INSERT INTO submissions (student, problem, submitted_at, source, raw, parsed, status, score, "
            "max_score, feedback, counted, attempt, days_late, origin) VALUES (:student, 'lstm-states-2', "
            ":at, 'api', 'x', NULL, 'invalid', 0, 1, 'unreadable', :counted, NULL, 0, :origin)"
        )
        # typed, so SQLAlchemy writes the time as the schema stores it (Python 3.12 deprecates the
        # sqlite3 module's own datetime adapter, and pytest turns the warning into an error)
        insert = text(row).bindparams(bindparam("at", type_=DateTime(timezone=True)))
        with engine.begin() as connection:
            for student, counted, origin in [
                ("eve", False, None), ("eve", False, None), ("eve", True, None), ("eve", False, "batch-1"),
                ("ann", False, None),
            ]:
                values = {"student": student, "at": NOW, "counted": counted, "origin": origin}
                connection.execute(insert, values)
            connection.execute(
                text("INSERT INTO attempt_counts (student, problem, used) VALUES ('eve', 'lstm-states-2', 1)")
            )
    finally:
        engine.dispose()

    run = grade("db", "upgrade", "--db", database.url)
    assert run.code == 0 and run.out.endswith(f": migrated 0002 → {head_revision()}\n")

    storage = open_storage(database.url)
    try:
        client = limited(storage, Limits(max_unreadable=2))
        # eve has 2 unreadable answers stored online (the batch one is not capped): the next is not stored
        eve = client.post(SUBMIT, json={"answer": UNREADABLE}, headers=as_student("eve")).json()
        ann = client.post(SUBMIT, json={"answer": UNREADABLE}, headers=as_student("ann")).json()
        assert (eve["id"], eve["attempts_used"]) == (None, 1)
        assert ann["id"] is not None
        assert storage.count(problem="lstm-states-2") == 6
    finally:
        storage.close()



def test_the_answer_page_past_the_rate_limit_says_when_to_retry(
    limited: Callable[[Storage, Limits], TestClient], storage: Storage, clock: Clock
) -> None:
    client = limited(storage, THREE_PER_TEN_MINUTES)
    client.cookies.set("grader_token", as_student("eve")["Authorization"].removeprefix("Bearer "))
    page, here = "/p/lstm-states-2", {"Origin": "http://testserver"}
    for _ in range(3):
        assert client.post(page, data={"answer": WRONG}, headers=here).status_code == 200
    clock.now = NOW + timedelta(minutes=4, seconds=30)
    refused = client.post(page, data={"answer": WRONG}, headers=here)
    assert (refused.status_code, refused.headers.get("Retry-After")) == (429, "330")
    assert "at most 3 submissions per 10 minute(s)" in refused.text
