"""Nothing anyone can read without a token carries a shipped problem's answer.

The API's examples once showed lstm-states-2's key as a sample answer, at /openapi.json and /docs.
This test computes every shipped key and searches every unauthenticated response (each route of
the OpenAPI document, called without a token, plus the pages, /docs and the static files) for
its numbers in order, however they are written: `[1, -1, 0, 1, -1]`, `1 -1 0 1 -1`, as JSON
text inside JSON. Choice keys are choice ids ("c"): no text search can tell them from words.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from grader.engine.keys import compute_key
from grader.spec.loader import load_problems
from grader.spec.models import SequenceAnswer
from tests.service.conftest import SHIPPED, STAFF

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
#: The OpenAPI document's path parameters, filled in with every shipped problem's id.
_PARAMETER = re.compile(r"\{[^}]+\}")


def shipped_keys() -> dict[str, list[float]]:
    problems = load_problems(SHIPPED)
    return {
        problem.id: [float(v) for v in np.asarray(compute_key(problem), dtype=float).reshape(-1)]
        for problem in problems
        if isinstance(problem.answer, SequenceAnswer)
    }


def contains_sequence(text: str, key: list[float]) -> bool:
    """True if the numbers of `text` hold `key`'s values in order, one after another."""
    numbers = [float(n) for n in _NUMBER.findall(text)]
    width = len(key)
    return any(
        np.allclose(numbers[start : start + width], key, rtol=0, atol=5e-4)
        for start in range(len(numbers) - width + 1)
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('"[1, -1, 0, 1, -1]"', True),
        ('{"answer": "[1,-1,0,1,-1]"}', True),
        ("h = 1 -1 0 1 -1", True),
        ("1, -1, 0, 1, -1.0", True),
        ('"example": "[1, -1, 0, 1, 1]"', False),
        ("[1, -1, 0] and 2 [1, -1]", False),
    ],
)
def test_the_search_finds_the_key_however_it_is_written(text: str, found: bool) -> None:
    assert contains_sequence(text, [1, -1, 0, 1, -1]) is found


def public_responses(client: TestClient) -> dict[str, str]:
    """Every response a stranger can get: each OpenAPI route by each method, pages, docs, static."""
    client.cookies.clear()
    ids = [problem.id for problem in load_problems(SHIPPED)]
    document = client.get("/openapi.json")
    seen = {"GET /openapi.json": document.text}
    for path, operations in document.json()["paths"].items():
        for problem in ids:
            concrete = _PARAMETER.sub(problem, path)
            for method in operations:
                response = client.request(method.upper(), concrete, json={})
                seen[f"{method.upper()} {concrete}"] = response.text
    pages = ["/", "/login", "/docs", "/nowhere", "/api/nowhere", *(f"/p/{problem}" for problem in ids)]
    for page in pages:
        seen[f"GET {page}"] = client.get(page).text
    for static in sorted((SHIPPED.parent / "grader" / "service" / "static").iterdir()):
        seen[f"GET /static/{static.name}"] = client.get(f"/static/{static.name}").text
    return seen


def test_no_unauthenticated_response_carries_a_shipped_key(client: TestClient) -> None:
    keys = shipped_keys()
    assert set(keys) >= {"lstm-states-1", "lstm-states-2"}
    responses = public_responses(client)
    assert len(responses) > 20 and "GET /api/problems" in responses
    leaks = [
        f"{where} shows {problem}'s key {key}"
        for where, text in responses.items()
        for problem, key in keys.items()
        if contains_sequence(text, key)
    ]
    assert leaks == []


def test_the_search_sees_a_key_where_one_is_shown(client: TestClient) -> None:
    """The same search, on a response that does show the key: staff reading it."""
    key = shipped_keys()["lstm-states-2"]
    assert contains_sequence(client.get("/api/staff/problems/lstm-states-2/key", headers=STAFF).text, key)

