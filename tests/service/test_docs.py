"""docs/service.md documents every error code (with its status) and every path the app serves."""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from grader.service.errors import ERROR_CODES
from tests.service.conftest import ROOT

PARAMETER = re.compile(r"\{[^}]*\}")
DOC = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")


def endpoint(method: str, path: str) -> str:
    """`METHOD /path` with each path parameter written `{}`: the docs say `{id}` where the code
    says `{problem_id}`, and only the parameter's name may differ."""
    return method + " " + PARAMETER.sub("{}", path)


def documented(doc: str) -> set[str]:
    """Every `METHOD /path` the doc names in code spans, without its optional `[?query]` part."""
    return {endpoint(method, path) for method, path in re.findall(r"`(GET|POST) (/[^`\[\s]*)", doc)}


def served(routes: Iterable[object]) -> set[str]:
    """Every `METHOD /path` the app's routes answer (HEAD aside, which comes with GET)."""
    return {
        endpoint(method, route.path)
        for route in routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if method != "HEAD"
    }


def test_every_error_code_is_documented_with_its_status() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", DOC, flags=re.MULTILINE))
    assert rows == {code: str(status) for code, (status, _) in ERROR_CODES.items()}


def test_every_path_is_documented(client: TestClient) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    assert served(app.routes) - documented(DOC) == set()


def test_a_path_documented_only_up_to_its_first_parameter_is_missing(client: TestClient) -> None:
    # the comparison must see the whole path and the method, not just what precedes the first `{`
    app = FastAPI()
    app.add_api_route("/api/problems/{problem_id}/anything", lambda problem_id: None, methods=["GET"])
    app.add_api_route("/api/problems", lambda: None, methods=["DELETE"])
    assert served(app.routes) - documented(DOC) == {"GET /api/problems/{}/anything", "DELETE /api/problems"}
