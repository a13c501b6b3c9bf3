"""Every list route pages: `limit` (default 100, at most 1000), the cursor `after`, and the next
page's URL in the `Link` header, so no response grows with what a student (or a class) stored."""

from __future__ import annotations

from fastapi.testclient import TestClient

from grader.storage import NewSubmission, OfflineAttempt, Storage
from tests.service.conftest import NOW, STAFF, as_student, every_page

EVE = as_student("eve")


def _store(storage: Storage, student: str, count: int, problem: str = "lstm-states-2") -> None:
    """`count` unreadable answers of `student`, recorded directly (no rate limit, no cap)."""
    entries = [
        OfflineAttempt(
            origin=f"{student}-{problem}-{n}",
            counted=False,
            submission=NewSubmission(
                student=student, problem=problem, submitted_at=NOW, source="api", raw=f"answer {n}",
                parsed=None, status="invalid", score=0.0, max_score=1.0, feedback="unreadable",
            ),
        )
        for n in range(count)
    ]
    storage.record_offline(entries)


def test_a_students_submissions_come_in_pages_of_100_with_a_next_link(
    client: TestClient, sqlite_storage: Storage
) -> None:
    _store(sqlite_storage, "eve", 250)
    _store(sqlite_storage, "bob", 5)
    first = client.get("/api/me/submissions", headers=EVE)
    assert first.status_code == 200 and len(first.json()) == 100
    last_id = first.json()[-1]["id"]
    assert first.links["next"]["url"] == f"http://testserver/api/me/submissions?after={last_id}"

    second = client.get(first.links["next"]["url"], headers=EVE)
    third = client.get(second.links["next"]["url"], headers=EVE)
    assert [len(second.json()), len(third.json())] == [100, 50]
    assert "next" not in third.links and "link" not in third.headers
    ids = [r["id"] for page in (first, second, third) for r in page.json()]
    assert ids == sorted(ids) and len(set(ids)) == 250
    assert {r["student"] for page in (first, second, third) for r in page.json()} == {"eve"}


def test_the_next_link_keeps_the_query_and_limit_is_bounded(
    client: TestClient, sqlite_storage: Storage
) -> None:
    _store(sqlite_storage, "eve", 7)
    _store(sqlite_storage, "eve", 3, problem="lstm-states-1")
    query = {"problem": "lstm-states-2", "limit": 5}
    page = client.get("/api/me/submissions", params=query, headers=EVE)
    assert len(page.json()) == 5
    assert page.links["next"]["url"].endswith(f"?problem=lstm-states-2&limit=5&after={page.json()[-1]['id']}")
    records = every_page(client.get, "/api/me/submissions", params=query, headers=EVE)
    assert len(records) == 7 and {r["problem"] for r in records} == {"lstm-states-2"}
    for limit in (0, 1001):
        refused = client.get("/api/me/submissions", params={"limit": limit}, headers=EVE)
        assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_request")


def test_staff_lists_page_the_same_way(client: TestClient, sqlite_storage: Storage) -> None:
    _store(sqlite_storage, "eve", 120)
    _store(sqlite_storage, "bob", 90)
    first = client.get("/api/staff/submissions", headers=STAFF)
    assert len(first.json()) == 100 and "next" in first.links
    assert len(every_page(client.get, "/api/staff/submissions", headers=STAFF)) == 210
    bob = every_page(client.get, "/api/staff/submissions", params={"student": "bob"}, headers=STAFF)
    assert len(bob) == 90
    assert len(client.get("/api/staff/submissions", params={"limit": 1000}, headers=STAFF).json()) == 210


def test_the_openapi_schema_documents_paging(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/me/submissions", "/api/staff/submissions"):
        operation = paths[path]["get"]
        parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
        assert parameters["limit"]["maximum"] == 1000 and parameters["limit"]["default"] == 100
        assert parameters["after"]["minimum"] == 0
        assert "Link" in operation["responses"]["200"]["headers"]
