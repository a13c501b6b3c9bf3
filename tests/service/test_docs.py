"""docs/service.md documents every error code (with its status) and every path the app serves."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from grader.service.errors import ERROR_CODES
from tests.service.conftest import ROOT

DOC = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")


def test_every_error_code_is_documented_with_its_status() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", DOC, flags=re.MULTILINE))
    assert rows == {code: str(status) for code, (status, _) in ERROR_CODES.items()}


def test_every_path_is_documented(client: TestClient) -> None:
    paths = {route.path for route in client.app.routes if isinstance(route, APIRoute)}  # type: ignore[attr-defined]
    documented = {path.split("[")[0] for path in re.findall(r"`(?:GET|POST)[^`]* (/[^`\s]*)`", DOC)}
    documented |= {p for p in re.findall(r"`(?:GET|POST) (/[^`,\s]*)`", DOC)}
    missing = {path for path in paths if path.split("{")[0] not in {d.split("{")[0] for d in documented}}
    assert missing == set()
