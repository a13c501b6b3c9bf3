"""The service's modules import in one direction: routes → deps/errors/middleware, app → routes.

FastAPI's "Bigger Applications" layout: the routers take their dependencies from `deps.py`, so
`app.py` imports its routers at the top and only the server and the CLI import `app.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.service.conftest import ROOT

SERVICE = ROOT / "grader" / "service"
#: The modules allowed to import grader.service.app: the package's public face and the server.
APP_IMPORTERS = {"__init__.py", "server.py", "app.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports (absolute names; `from x import y` counts x and x.y)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = sorted(p for p in SERVICE.rglob("*.py") if p.name not in APP_IMPORTERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SERVICE)))
def test_no_module_but_the_server_imports_the_app(path: Path) -> None:
    assert "grader.service.app" not in imported_modules(path)


def test_the_app_imports_its_routers_at_the_top() -> None:
    tree = ast.parse((SERVICE / "app.py").read_text(encoding="utf-8"))
    top_level = {
        f"{node.module}.{alias.name}"
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    for router in ("api", "docs", "pages", "xqueue"):
        assert f"grader.service.routes.{router}" in top_level
