"""`/api/staff/stats` and `/staff/stats`: the statistics of the stored attempts, for staff only."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from grader.storage import Storage
from tests.service.conftest import SECRET, STAFF, STAFF_TOKEN, Clock, as_student, student_token
from tests.service.server_process import grade_serve

WRONG = "[1, -1, 1, -1, 1]"  # lstm-states-2 with ±0.5 rounded away from zero
RIGHT = "[1, -1, 0, 1, -1]"


def submit(client: TestClient, student: str, answer: str) -> None:
    response = client.post(
        "/api/problems/lstm-states-2/submissions", json={"answer": answer}, headers=as_student(student)
    )
    assert response.status_code == 200, response.text


def a_class(client: TestClient, clock: Clock) -> None:
    """alice: WRONG, then RIGHT a minute later; bob: WRONG typed without brackets."""
    submit(client, "alice", WRONG)
    clock.now += timedelta(seconds=60)
    submit(client, "alice", RIGHT)
    submit(client, "bob", "1,-1,1,-1,1")


def test_staff_read_the_statistics_of_the_stored_attempts(
    make_client: Callable[[Storage], TestClient], storage: Storage, clock: Clock
) -> None:
    client = make_client(storage)
    a_class(client, clock)
    response = client.get("/api/staff/stats", headers=STAFF)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["students"] == 2
    entry = next(p for p in data["problems"] if p["problem"] == "lstm-states-2")
    assert (entry["students"], entry["attempted"]) == (2, 2)
    # alice counts 1, bob 0: mean (1 + 0) / 2; first attempts both wrong; alice eventually right
    shares = (entry["mean_score"], entry["first_attempt_correct"], entry["eventually_correct"])
    assert shares == (0.5, 0.0, 0.5)
    assert entry["time_to_correct"] == {"students": 1, "median_seconds": 60.0, "mean_seconds": 60.0}
    assert [(a["answer"], a["count"], a["status"], a["mistake"]) for a in entry["answers"]] == [
        (WRONG, 2, "incorrect", "tie_rule"),
        (RIGHT, 1, "correct", None),
    ]
    assert entry["explained_by_mistakes"] == 1.0
    top = client.get("/api/staff/stats?top=1", headers=STAFF).json()
    assert [len(p["answers"]) for p in top["problems"] if p["problem"] == "lstm-states-2"] == [1]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_token"),
        (as_student("alice"), 403, "staff_only"),
    ],
    ids=["no token", "student"],
)
def test_the_api_is_for_staff_only(
    client: TestClient, headers: dict[str, str], status: int, code: str
) -> None:
    response = client.get("/api/staff/stats", headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def signed_in(client: TestClient, token: str) -> TestClient:
    response = client.post("/login", data={"token": token, "next": "/staff/stats"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/staff/stats")
    return client


def test_the_page_shows_staff_the_statistics_within_the_policy(client: TestClient, clock: Clock) -> None:
    a_class(client, clock)
    response = signed_in(client, STAFF_TOKEN).get("/staff/stats")
    assert response.status_code == 200, response.text
    page = response.text
    policy = response.headers["content-security-policy"]
    assert "style-src 'self';" in policy and "img-src 'self' data:" in policy
    assert "unsafe-inline" not in policy
    # nothing the policy would block: no inline script or style, charts as data: images
    assert "<script" not in page and "<style" not in page and " style=" not in page
    assert '<link rel="stylesheet" href="/staff/stats/style.css">' in page
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="[^"]+">', page)
    assert len(images) == 3  # only lstm-states-2 was attempted: scores, attempts used, top answers
    assert base64.b64decode(images[0]).startswith(b"<svg")
    assert "tie_rule" in page and "[1, -1, 1, -1, 1]" in page
    style = client.get("/staff/stats/style.css")
    assert style.headers["content-type"].startswith("text/css") and ".stats figure img" in style.text


def test_the_page_is_never_shown_to_a_student_or_a_stranger(client: TestClient) -> None:
    stranger = client.get("/staff/stats", follow_redirects=False)
    assert (stranger.status_code, stranger.headers["location"]) == (303, "/login?next=/staff/stats")
    response = signed_in(client, student_token("alice")).get("/staff/stats")
    assert response.status_code == 403
    assert 'data-code="staff_only"' in response.text and "<img" not in response.text


CHROMIUM = os.environ.get("GRADER_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


def test_the_page_in_chromium_on_a_phone(course_dir: Path, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GRADER_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    env = {"GRADER_SECRET": SECRET, "GRADER_STAFF_TOKEN": STAFF_TOKEN}
    with grade_serve(course_dir, str(tmp_path / "grader.db"), env) as server, sync_playwright() as playwright:
        # the real server checks expiry with its own clock, so the tokens are issued for now
        now = datetime.now(timezone.utc)
        for student, answer in [("alice", WRONG), ("alice", RIGHT), ("bob", "1,-1,1,-1,1")]:
            response = httpx.post(
                f"{server.url}/api/problems/lstm-states-2/submissions", json={"answer": answer},
                headers={"Authorization": f"Bearer {student_token(student, now=now)}"},
            )
            assert response.status_code == 200, response.text
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{server.url}/staff/stats")
        page.get_by_label("Your token (from course staff)").fill(STAFF_TOKEN)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/staff/stats")
        assert page.locator("h1").inner_text() == "Item statistics"
        # every chart decoded and laid out (a blocked or broken image has no natural width)
        charts = page.eval_on_selector_all(
            "figure img", "(images) => images.map((i) => [i.complete, i.naturalWidth, i.clientWidth])"
        )
        assert len(charts) == 3
        assert all(done and natural > 0 and 0 < shown <= PHONE["width"] for done, natural, shown in charts)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert [line for line in console if "Content Security Policy" in line] == []
        page.screenshot(path=str(tmp_path / "staff-stats.png"), full_page=True)
        browser.close()
