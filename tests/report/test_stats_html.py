"""`grade stats --format html`: one self-contained page with matplotlib's charts, fit for a phone.

The page is checked as text (nothing to fetch, answers escaped, a chart per figure) and in
Debian's Chromium (it renders, its charts are drawn, no sideways scroll at 390 px). The phone
screenshot is saved under the test's tmp path (and, with GRADER_UPDATE_SCREENSHOT=1, as
docs/stats.png).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROBLEMS, ROOT, SUBMISSIONS

NOW = "2023-03-20T12:00:00+00:00"
CHROMIUM = os.environ.get("GRADER_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page_path(grade: Any, tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "--format", "html", "-o", out)
    assert run.code == 0, run.err
    return out


def test_the_page_is_self_contained(page_path: Path) -> None:
    text = page_path.read_text()
    assert text.startswith("<!DOCTYPE html>")
    for fetching in ("<script", "<link", " src=", "@import", "<img", "@font-face"):
        assert fetching not in text, fetching
    assert all(target.startswith("#") for target in re.findall(r"url\(([^)]*)\)", text))
    # the only addresses left are XML namespace names, which nothing fetches
    addresses = set(re.findall(r"https?://[^\"' >]+", text))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_three_charts_per_problem(page_path: Path) -> None:
    # scores, attempts used, top answers; for each of the three shipped problems
    assert page_path.read_text().count("<svg") == 9


def test_no_two_charts_share_an_id(page_path: Path) -> None:
    # matplotlib names glyphs and clip paths alike in every SVG: one page must not repeat an id
    ids = re.findall(r' id="([^"]*)"', page_path.read_text())
    assert len(ids) == len(set(ids)) > 100


def test_answers_are_escaped_and_never_read_as_math(grade: Any, tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_text(
        'student,problem,answer\nann,lstm-states-2,"<script>alert(1)</script>"\nbob,lstm-states-2,$x^$\n'
    )
    out = tmp_path / "report.html"
    run = grade("stats", path, "--problems", PROBLEMS, "--now", NOW, "--format", "html", "-o", out, "-q")
    assert run.code == 0, run.err
    text = out.read_text()
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "$x^$" in text  # an unbalanced mathtext would make matplotlib raise: drawn as typed


def test_html_needs_an_output_file(grade: Any) -> None:
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--format", "html")
    message = "grade: error: --format html writes a page: give it with --output FILE\n"
    assert (run.code, run.err) == (2, message)


def test_without_matplotlib_the_error_names_the_extra(
    grade: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises ImportError
    out = tmp_path / "report.html"
    run = grade("stats", SUBMISSIONS, "--problems", PROBLEMS, "--format", "html", "-o", out, "-q")
    assert run.code == 2
    assert run.err.startswith("grade: error: --format html needs the report extra (matplotlib): ")
    assert "pip install 'grader[report]'" in run.err
    assert not out.exists()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GRADER_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def test_the_page_in_chromium_on_a_phone(browser: Any, page_path: Path, tmp_path: Path) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    fetched: list[str] = []

    def nothing_but_the_file(route: Any) -> None:
        if route.request.url == page_path.as_uri():
            route.continue_()
        else:
            fetched.append(route.request.url)
            route.abort()

    page.route("**/*", nothing_but_the_file)
    page.goto(page_path.as_uri())
    assert page.title() == "Item statistics"
    # every chart is laid out with a size (an SVG that failed to parse would be 0 × 0)
    sizes = page.eval_on_selector_all(
        "figure svg", "(charts) => charts.map((c) => [c.clientWidth, c.clientHeight])"
    )
    assert len(sizes) == 9
    assert all(0 < width <= PHONE["width"] and height > 50 for width, height in sizes), sizes
    assert page.locator("h2").all_inner_texts() == ["lstm-states-1", "lstm-states-2", "lstm-info"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert fetched == []
    screenshot = tmp_path / "stats.png"
    page.locator("section").nth(1).screenshot(path=str(screenshot))  # lstm-states-2: two mistakes
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("GRADER_UPDATE_SCREENSHOT") == "1":
        shutil.copy(screenshot, ROOT / "docs" / "stats.png")
    context.close()


def test_a_long_unbroken_answer_does_not_scroll_a_phone(
    browser: Any, grade: Any, tmp_path: Path
) -> None:
    path = tmp_path / "class.csv"
    path.write_text("student,problem,answer\nann,lstm-states-2," + "x" * 300 + "\n")  # kept as typed
    out = tmp_path / "report.html"
    run = grade("stats", path, "--problems", PROBLEMS, "--now", NOW, "--format", "html", "-o", out, "-q")
    assert run.code == 0, run.err
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(out.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
