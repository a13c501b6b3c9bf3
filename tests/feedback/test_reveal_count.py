"""`reveal: count` through every front: the batch report and the service say how many entries are
wrong and never which (naming them lets a student find the key by elimination)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from grader.auth import issue_student_token
from grader.service import ServiceSettings, create_app
from grader.spec.loader import load_problems
from grader.storage import open_storage
from tests.conftest import PROBLEMS

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SECRET = "count-test-secret-0123456789abcdef"
#: LSTM states 2 (key [1, -1, 0, 1, -1]) answered with the unrounded h_2 carried: h_3, h_4 wrong
CARRIED = [1, -1, 0, 0, 1]
COUNTED = "Not correct: 2 of 5 entries are wrong."
#: what naming an entry would look like: h_3, "h_3 and h_4", "entry 3"
NAMES_AN_ENTRY = re.compile(r"h_\d|entry \d|position")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """LSTM states 2 at `reveal: count`, alone in a course directory."""
    text = (PROBLEMS / "lstm-states-2.yaml").read_text(encoding="utf-8")
    text = text.split("\naudit:\n")[0].replace("show: diagnosis", "show: count") + "\n"
    assert "show: count" in text
    directory = tmp_path / "problems"
    directory.mkdir()
    (directory / "lstm-states-2.yaml").write_text(text, encoding="utf-8")
    return directory


def test_the_batch_report_counts_wrong_entries(grade, course, tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "bob.yaml").write_text(f"student: bob\nanswers: {{lstm-states-2: {CARRIED}}}\n")
    run = grade(submissions, "--problems", course, "--format", "json", "--now", NOW.isoformat())
    assert run.code == 0
    [student] = json.loads(run.out)["students"]
    [result] = student["results"]
    assert result["feedback"] == COUNTED
    assert not NAMES_AN_ENTRY.search(run.out)


def test_the_service_counts_wrong_entries(course, tmp_path):
    settings = ServiceSettings(
        problems=load_problems(course),
        storage=open_storage(str(tmp_path / "grader.db")),
        secret=SECRET,
        staff_token="count-test-staff-token-0123456789",
        clock=lambda: NOW,
    )
    token = issue_student_token(SECRET, "bob", now=NOW, valid_for=timedelta(days=1))
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/problems/lstm-states-2/submissions",
            json={"answer": CARRIED},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200 and response.json()["feedback"] == COUNTED
        client.post("/login", data={"token": token, "next": "/p/lstm-states-2"})
        page = client.post("/p/lstm-states-2", data={"answer": str(CARRIED)}).text
    settings.storage.close()
    # the page shows the statement too (which writes h_t); its feedback names no entry
    assert COUNTED in page
    assert "h_3 and h_4" not in page and "the other entries are right" not in page
