"""Security headers on every response, frame ancestors for LMS embedding, no inline script anywhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from grader.errors import UsageError
from grader.service import ServiceSettings, create_app
from grader.service.middleware import content_security_policy
from grader.spec.loader import ProblemSet
from grader.storage import Storage
from tests.conftest import Run
from tests.service.conftest import ROOT, SECRET, STAFF, STAFF_TOKEN, as_student, student_token

SERVICE = ROOT / "grader" / "service"


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def signed_in(client: TestClient) -> TestClient:
    client.post("/login", data={"token": student_token("alice"), "next": "/"}, follow_redirects=False)
    return client


#: (method, path, how to call) for a response of each kind: page, form post, API, error, static.
RESPONSES: list[tuple[str, Callable[[TestClient], Any]]] = [
    ("login page", lambda c: c.get("/login")),
    ("answer page", lambda c: signed_in(c).get("/p/lstm-states-2")),
    ("answer page after a submission", lambda c: signed_in(c).post("/p/lstm-states-2", data={"answer": "1"})),
    ("API problem", lambda c: c.get("/api/problems/lstm-states-2", headers=as_student("alice"))),
    ("API submission", lambda c: c.post(
        "/api/problems/lstm-states-2/submissions", json={"answer": "[1]"}, headers=as_student("alice")
    )),
    ("staff key", lambda c: c.get("/api/staff/problems/lstm-states-2/key", headers=STAFF)),
    ("401", lambda c: c.get("/api/me/grades")),
    ("404", lambda c: c.get("/nowhere")),
    ("413", lambda c: c.post("/api/problems/lstm-states-2/submissions", content=b"x" * 70_000)),
    ("openapi", lambda c: c.get("/openapi.json")),
    ("docs", lambda c: c.get("/docs")),
    ("static", lambda c: c.get("/static/style.css")),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "call"), RESPONSES, ids=[kind for kind, _ in RESPONSES])
def test_every_response_carries_the_security_headers(
    client: TestClient, kind: str, call: Callable[[TestClient], Any]
) -> None:
    response = call(client)
    headers = response.headers
    policy = directives(headers["content-security-policy"])
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    if kind == "static":
        assert "no-store" not in headers.get("cache-control", "")
    else:  # pages and answers may show a student's answer or a revealed solution
        assert headers["cache-control"] == "no-store"


def test_only_the_docs_page_loads_from_its_cdn(client: TestClient) -> None:
    docs = directives(client.get("/docs").headers["content-security-policy"])
    page = directives(client.get("/login").headers["content-security-policy"])
    assert docs["script-src"] == ["'self'", "https://cdn.jsdelivr.net"]
    assert page["script-src"] == ["'self'"] and page["style-src"] == ["'self'"]


def test_frame_ancestors_come_from_the_settings(course: ProblemSet, sqlite_storage: Storage) -> None:
    settings = ServiceSettings(
        problems=course, storage=sqlite_storage, secret=SECRET, staff_token=STAFF_TOKEN,
        frame_ancestors=("'self'", "https://canvas.example.edu", "https://*.instructure.com"),
    )  # fmt: skip
    with TestClient(create_app(settings)) as client:
        policy = directives(client.get("/login").headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'self'", "https://canvas.example.edu", "https://*.instructure.com"]


@pytest.mark.parametrize(
    "sources",
    [
        ("https://lms.example.edu; script-src *",),  # would add a directive
        ("https://lms.example.edu https://evil.example",),  # two in one: say them separately
        ("'unsafe-inline'",),
        ("'none'", "https://lms.example.edu"),
        (),
    ],
)
def test_a_bad_frame_ancestor_is_refused(sources: tuple[str, ...]) -> None:
    with pytest.raises(UsageError, match="--frame-ancestors"):
        content_security_policy(sources)


def test_grade_serve_refuses_a_bad_frame_ancestor(grade: Callable[..., Run], tmp_path: Path) -> None:
    run = grade("serve", "--problems", ROOT / "problems", "--db", tmp_path / "g.db",
                "--frame-ancestors", "https://lms.example.edu;", "--port", "0")  # fmt: skip
    assert run.code == 2
    assert "--frame-ancestors: 'https://lms.example.edu;' is not a CSP source" in run.err
    assert "Traceback" not in run.err


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("path", sorted((SERVICE / "templates").glob("*.html")), ids=lambda p: p.name)
def test_templates_have_no_inline_script(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not _INLINE_SCRIPT.search(text) and not _EVENT_HANDLER.search(text)


def test_the_docs_page_starts_swagger_ui_from_a_file(client: TestClient) -> None:
    page = client.get("/docs").text
    assert not _INLINE_SCRIPT.search(page)
    assert '<script src="/static/docs.js"></script>' in page
    assert "SwaggerUIBundle" in client.get("/static/docs.js").text


def test_a_bug_is_answered_500_with_the_security_headers(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Starlette's handler of last resort answers outside every middleware: without one of our own
    # inside the headers, the 500 carried no CSP, no nosniff and could be cached
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(client.app.state.checker, "summaries", broken)  # type: ignore[attr-defined]
    response = client.get("/api/problems")
    assert (response.status_code, response.json()["error"]["code"]) == (500, "internal_error")
    assert "a bug" not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert directives(response.headers["content-security-policy"])["default-src"] == ["'self'"]
    assert "RuntimeError: a bug" in caplog.text


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        # raised by code that talks to the database without Storage (the LTI tool's tables)
        (OperationalError("SELECT 1", {}, Exception("database is locked")), 503, "database_unavailable"),
        (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")), 500, "internal_error"),
        (PoolTimeout("QueuePool limit of size 2 overflow 1 reached"), 503, "database_unavailable"),
    ],
    ids=["outage", "wrong-statement", "pool-timeout"],
)
def test_a_driver_error_outside_storage_is_an_outage_or_a_bug(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, error: Exception, status: int, code: str
) -> None:
    def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(client.app.state.checker, "summaries", failing)  # type: ignore[attr-defined]
    response = client.get("/api/problems")
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert ("Retry-After" in response.headers) is (status == 503)
    assert response.headers["x-content-type-options"] == "nosniff"
