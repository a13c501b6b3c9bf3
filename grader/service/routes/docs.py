"""The interactive API documentation at /docs: Swagger UI, started by a static script.

FastAPI's own /docs page starts Swagger UI with an inline script, which the Content-Security-Policy
forbids on every page; this one loads the same Swagger UI and starts it from /static/docs.js.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

__all__ = ["router", "SWAGGER_UI"]

#: FastAPI's default Swagger UI release, from the CDN the docs page's CSP allows.
SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>grader: the answer-checking service · API</title>
  <link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="/openapi.json"></div>
  <script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
  <script src="/static/docs.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def api_docs() -> HTMLResponse:
    return HTMLResponse(_PAGE)
