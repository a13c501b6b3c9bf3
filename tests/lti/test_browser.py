"""The LTI launch in the LMS's iframe, in Debian's Chromium: the platform's course page (another
site: localhost against the tool's 127.0.0.1) frames the tool's login, the platform's form posts
the id_token into the frame, and the student answers there; the score reaches the platform.

This is what SameSite=None; Secure cookies and the platform's origin in frame-ancestors are for:
with a SameSite=Strict or Lax cookie, or without the origin, the frame would stay empty or ask
for a token.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.lti.conftest import Deployment, deployed
from tests.lti.platform import TestPlatform, login_query
from tests.service.conftest import Database

CHROMIUM = os.environ.get("GRADER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GRADER_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def framed_tool(sqlite_database: Database, tmp_path: Path, course_dir: Path) -> Iterator[Deployment]:
    with (
        TestPlatform(host="localhost").running() as platform,
        deployed(platform, sqlite_database.url, tmp_path, course_dir) as tool,
    ):
        yield tool


def test_a_student_launched_in_the_platforms_iframe_answers_there(
    browser: Any, framed_tool: Deployment
) -> None:
    platform = framed_tool.platform
    hint = platform.prepare(platform.launch_claims("framed-user", "lstm-states-2"))
    login = f"{framed_tool.url}/lti/login?{login_query(platform, hint, 'framed-user')}"
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{platform.url}/course?src={quote(login, safe='')}")
    frame = page.frame_locator("#tool")
    heading = frame.get_by_role("heading", name="LSTM states 2")
    heading.wait_for()
    frame.get_by_label("Your answer, e.g. [1, -1, 0]").fill("[1, -1, 0, 1, -1]")
    frame.get_by_role("button", name="Submit").click()
    assert "Correct." in frame.get_by_role("status").inner_text()
    assert "You have used 1 of 5 attempts." in frame.locator("#attempts").inner_text()

    [score] = platform.wait_for_scores(1)
    assert score["userId"] == "framed-user" and score["scoreGiven"] == 1.0
    assert [text for text in console if "Content Security Policy" in text or "frame" in text.lower()] == []
    context.close()
