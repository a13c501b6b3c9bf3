"""Item statistics for course staff: `/staff/stats` (a page) and `/api/staff/stats` (JSON).

The same statistics as `grade stats --db`, from the attempts this service stored
(`service.statistics`). Staff only: the API answers a student token with 403 `staff_only`, the
page shows a student the error page (403) and a stranger the sign-in form. The page keeps to the
Content-Security-Policy: its styles come from `/staff/stats/style.css`, its charts are <img> of
data: URLs (matplotlib's SVG styles itself inline, which the policy forbids in the page but not
inside an image), and it has no script.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.auth import Caller
from grader.report.stats import DEFAULT_TOP, ClassStatistics
from grader.service.deps import CheckerDep, StaffDep, identify_token, request_checker, token_of
from grader.service.errors import ServiceError, error_responses
from grader.service.routes.pages import templates
from grader.service.statistics import storage_statistics

__all__ = ["router"]

router = APIRouter()
_AUTH = ("missing_token", "invalid_token", "token_expired", "database_unavailable")

#: At most this many answers per problem and variant (a page of a class's statistics, not a dump).
MAX_TOP = 100
TopParam = Annotated[
    int,
    Query(ge=1, le=MAX_TOP, description=f"answers listed per problem and variant (default {DEFAULT_TOP})"),
]


@router.get(
    "/api/staff/stats",
    tags=["staff"],
    response_model=ClassStatistics,
    responses=error_responses(*_AUTH, "staff_only"),
)
def stats_json(_staff: StaffDep, checker: CheckerDep, top: TopParam = DEFAULT_TOP) -> ClassStatistics:
    """Staff: item statistics of the stored attempts, as `grade stats --db URL --format json`."""
    return storage_statistics(checker.problems, checker.storage, top=top)


@router.get("/staff/stats/style.css", include_in_schema=False)
def stats_style() -> Response:
    from grader.report.stats_html import CONTENT_STYLE

    return Response(CONTENT_STYLE, media_type="text/css; charset=utf-8")


@router.get("/staff/stats", response_class=HTMLResponse, include_in_schema=False)
def stats_page(request: Request, top: TopParam = DEFAULT_TOP) -> Response:
    token = token_of(request)
    if token is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    try:
        caller: Caller = identify_token(request, token)
        if caller.role != "staff":
            raise ServiceError("staff_only", "this page is for course staff")
    except ServiceError as error:
        return templates.TemplateResponse(request, "error.html", {"error": error}, status_code=error.status)
    from grader.report.stats_html import matplotlib_missing, render_stats_body

    checker = request_checker(request)
    stats = storage_statistics(checker.problems, checker.storage, top=top)
    missing = matplotlib_missing()
    body = render_stats_body(stats, charts="none" if missing else "image")
    context = {"body": body, "missing": missing}
    return templates.TemplateResponse(request, "stats.html", context)
