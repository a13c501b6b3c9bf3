"""Assignment and Grade Services: each graded attempt's score reaches the line item, as the
gradebook computes it, with increasing timestamps; a platform that is down gets it later; a kill
between the attempt and the post delivers it once after the restart; `grade lti sync` re-sends."""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from grader.cli.main import main
from grader.storage import open_storage
from grader.storage.schema import lti_scores
from tests.lti.conftest import Deployment, deployed, launch, signed_in_cookie
from tests.lti.platform import TestPlatform
from tests.service.conftest import Database

WRONG = "[1, -1, 0, 0, 1]"
RIGHT = "[1, -1, 0, 1, -1]"


def sign_in(tool: Deployment, user: str, problem: str = "lstm-states-2") -> str:
    response, _ = launch(tool, tool.platform.launch_claims(user, problem), user=user)
    assert response.status_code == 303, response.text
    return signed_in_cookie(response)


def answer(tool: Deployment, cookie: str, text: str, problem: str = "lstm-states-2") -> None:
    response = httpx.post(
        f"{tool.url}/p/{problem}", data={"answer": text}, headers={"Cookie": cookie, "Origin": tool.url}
    )
    assert response.status_code == 200, response.text


def outbox(db: str) -> list[Any]:
    storage = open_storage(db, migrate=False)
    try:
        with storage.engine.connect() as connection:
            return list(connection.execute(select(lti_scores)).all())
    finally:
        storage.close()


def wait_for_outbox(db: str, condition: Any, timeout: float = 30.0) -> Any:
    """The outbox's one row once `condition(row)` holds (the sender writes it after each post)."""
    deadline = time.monotonic() + timeout
    while True:
        [row] = outbox(db)
        if condition(row) or time.monotonic() > deadline:
            assert condition(row), row
            return row
        time.sleep(0.05)


def _time(score: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(score["timestamp"].replace("Z", "+00:00"))


def test_each_attempt_sends_the_gradebooks_score_with_increasing_timestamps(tool: Deployment) -> None:
    platform = tool.platform
    cookie = sign_in(tool, "user-1")
    answer(tool, cookie, WRONG)
    assert platform.wait_until(lambda got: len(got.scores) >= 1)
    answer(tool, cookie, RIGHT)
    assert platform.wait_until(lambda got: got.scores and got.scores[-1]["scoreGiven"] == 1.0)
    scores = platform.received.scores
    assert scores[0]["scoreGiven"] == 0.0 and scores[-1]["scoreGiven"] == 1.0
    times = [_time(score) for score in scores]
    assert times == sorted(times) and len(set(times)) == len(times)
    # the token is cached: one grant for every post
    assert len(platform.received.token_requests) == 1
    # recorded as sent just after the platform answers
    row = wait_for_outbox(tool.db, lambda row: row.sent_version == row.version)
    assert row.sent_score == 1.0 and row.last_error is None


def test_the_score_follows_the_late_policy_as_the_gradebook_does(sqlite_tool: Deployment) -> None:
    # due-penalty was due long before this test runs: a right answer is worth what the gradebook says
    cookie = sign_in(sqlite_tool, "user-late", "due-penalty")
    answer(sqlite_tool, cookie, "[1, -1]", "due-penalty")
    assert sqlite_tool.platform.wait_until(lambda got: len(got.scores) >= 1)
    grades = httpx.get(f"{sqlite_tool.url}/api/me/grades", headers={"Cookie": cookie}).json()
    [result] = [r for r in grades["results"] if r["problem"] == "due-penalty"]
    [score] = sqlite_tool.platform.received.scores
    assert score["scoreGiven"] == result["score"] and score["scoreMaximum"] == result["max_score"]


def test_a_platform_that_is_down_gets_the_score_once_it_is_back(sqlite_tool: Deployment) -> None:
    platform = sqlite_tool.platform
    cookie = sign_in(sqlite_tool, "user-2")
    platform.scores_mode = "down"
    answer(sqlite_tool, cookie, RIGHT)
    assert platform.wait_for_score_posts(2) >= 2  # refused, then tried again after the backoff
    row = wait_for_outbox(sqlite_tool.db, lambda row: row.failures >= 2)
    assert row.sent_version < row.version and "HTTP 503" in row.last_error
    platform.scores_mode = "ok"
    [score] = platform.wait_for_scores(1, timeout=60)
    assert score["scoreGiven"] == 1.0
    row = wait_for_outbox(sqlite_tool.db, lambda row: row.sent_version == row.version)
    assert row.failures == 0


def test_a_kill_between_the_attempt_and_the_post_delivers_the_score_once(
    platform: TestPlatform, database: Database, tmp_path: Path, course_dir: Path
) -> None:
    platform.scores_mode = "down"  # the post cannot happen before the kill
    with deployed(platform, database.url, tmp_path, course_dir) as tool:
        cookie = sign_in(tool, "user-3")
        answer(tool, cookie, RIGHT)
        # killed once the refused post is recorded: a kill in the middle of a post would leave
        # its lease to expire first (LEASE), which delivers once as well, only a minute later
        platform.wait_for_score_posts(1)
        wait_for_outbox(tool.db, lambda row: row.failures >= 1)
        tool.server.kill()
    assert platform.received.scores == []
    platform.scores_mode = "ok"
    with deployed(platform, database.url, tmp_path, course_dir) as tool:
        [score] = platform.wait_for_scores(1, timeout=90)
        assert score["scoreGiven"] == 1.0 and score["userId"] == "user-3"
        # nothing left to send: no second post
        wait_for_outbox(tool.db, lambda row: row.sent_version == row.version)
    assert len(platform.received.scores) == 1


@pytest.fixture
def delivered(
    platform: TestPlatform, sqlite_database: Database, tmp_path: Path, course_dir: Path
) -> Deployment:
    """A student launched and answered, the score delivered, and the server stopped."""
    with deployed(platform, sqlite_database.url, tmp_path, course_dir) as tool:
        answer(tool, sign_in(tool, "user-4"), RIGHT)
        platform.wait_for_scores(1)
    return tool


def sync(tool: Deployment, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["lti", "sync", "--db", tool.db, "--keys", str(tool.keys), "--problems", str(tool.course)])
    return code, capsys.readouterr().out


def test_sync_resends_every_stored_score_and_says_what_it_sent(
    delivered: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = sync(delivered, capsys)
    lineitem = delivered.platform.lineitem("lstm-states-2")
    assert code == 0
    assert out.splitlines() == [
        f"sent 1/1: lti1-user-4 lstm-states-2 -> {lineitem}",
        "1 score(s) queued: 1 delivered, 0 not delivered (retried by the server)",
    ]
    first, again = delivered.platform.received.scores
    assert again["scoreGiven"] == first["scoreGiven"] and _time(again) > _time(first)


@pytest.mark.parametrize(
    ("token_mode", "scores_mode", "reason"),
    [
        ("error", "ok", "HTTP 400, invalid_client"),
        ("garbage", "ok", "HTTP 200, no access_token"),
        ("ok", "missing", "HTTP 404"),
    ],
)
def test_sync_reports_a_platform_that_refuses_and_keeps_the_score_queued(
    delivered: Deployment, capsys: pytest.CaptureFixture[str], token_mode: str, scores_mode: str, reason: str
) -> None:
    delivered.platform.token_mode = token_mode
    delivered.platform.scores_mode = scores_mode
    code, out = sync(delivered, capsys)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("not sent: lti1-user-4 lstm-states-2 -> ") and first.endswith(reason)
    assert len(delivered.platform.received.scores) == 1  # only the first delivery
    [row] = outbox(delivered.db)
    assert row.sent_version < row.version and row.last_error.endswith(reason)


def test_a_later_launch_with_another_line_item_moves_the_score_there(sqlite_tool: Deployment) -> None:
    platform = sqlite_tool.platform
    sign_in(sqlite_tool, "user-5")
    body = platform.launch_claims("user-5", "lstm-states-2")
    moved = f"{platform.url}/lineitems/moved"
    body["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"] = moved
    response, _ = launch(sqlite_tool, body, user="user-5")
    answer(sqlite_tool, signed_in_cookie(response), RIGHT)
    [score] = platform.wait_for_scores(1)
    assert score["lineitem"] == moved
    [row] = outbox(sqlite_tool.db)
    assert row.lineitem == moved


@pytest.fixture
def best_course(course_dir: Path, tmp_path: Path) -> Path:
    """The course plus `best-states`: lstm-states-2 worth 3 points, counting the best attempt."""
    directory = tmp_path / "course"
    shutil.copytree(course_dir, directory)
    spec = (course_dir / "lstm-states-2.yaml").read_text(encoding="utf-8")
    spec = spec.replace("id: lstm-states-2\n", "id: best-states\ncounts: best\n")
    spec = spec.replace("title: LSTM states 2\npoints: 1\n", "title: Best states\npoints: 3\n")
    (directory / "best-states.yaml").write_text(spec, encoding="utf-8")
    return directory


def test_a_worse_attempt_after_a_better_one_leaves_the_best_when_the_best_counts(
    platform: TestPlatform, sqlite_database: Database, tmp_path: Path, best_course: Path
) -> None:
    with deployed(platform, sqlite_database.url, tmp_path, best_course) as tool:
        cookie = sign_in(tool, "user-6", "best-states")
        answer(tool, cookie, RIGHT, "best-states")
        assert platform.wait_until(lambda got: len(got.scores) >= 1)
        answer(tool, cookie, WRONG, "best-states")
        row = wait_for_outbox(tool.db, lambda row: row.version == 2 and row.sent_version == 2)
    scores = platform.received.scores
    assert [score["scoreGiven"] for score in scores] == [3.0, 3.0]  # never lowered to 0
    assert scores[-1]["scoreMaximum"] == 3.0 and row.sent_score == 3.0
    assert _time(scores[1]) > _time(scores[0])
