"""The JSON API: thin handlers that read the request, call `Checker`, and return its models."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from grader.compare.results import StudentReport
from grader.report import FORMATS, render
from grader.service.deps import CallerDep, CheckerDep, NowDep, StaffDep, acting_student
from grader.service.errors import ServiceError, error_responses
from grader.service.models import (
    AnswerBody,
    KeyView,
    ProblemSummary,
    ProblemView,
    SubmissionOutcome,
    SubmissionRecord,
)
from grader.storage import head_revision

__all__ = ["router"]

_AUTH = ("missing_token", "invalid_token", "token_expired", "database_unavailable")

router = APIRouter(prefix="/api")
#: No NUL: PostgreSQL cannot compare text with one (it would be a 500, not a 422).
_TEXT = r"^[^\x00]*$"
StudentParam = Annotated[
    str | None,
    Query(min_length=1, max_length=200, pattern=_TEXT, description="staff only: the student to act as/read"),
]


#: Paging of the list routes: `limit` records a page (default and bound), the next page's URL in
#: the `Link` header (rel="next"), its cursor `after` the last id sent.
PAGE_LIMIT = 100
MAX_PAGE_LIMIT = 1000
AfterParam = Annotated[
    int,
    Query(ge=0, le=2**62, description="the cursor: only submissions with a larger id (see `Link`)"),
]
LimitParam = Annotated[
    int, Query(ge=1, le=MAX_PAGE_LIMIT, description=f"at most this many (default {PAGE_LIMIT})")
]
_PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "a page, oldest first; when there are more, the `Link` header has the next page's URL",
        "headers": {
            "Link": {
                "description": '`<URL>; rel="next"`: the same query with `after` = the last id of this page',
                "schema": {"type": "string"},
            }
        },
    }
}


def _page(
    request: Request, response: Response, records: list[SubmissionRecord], limit: int
) -> list[SubmissionRecord]:
    """The first `limit` of `records` (fetched one over), with the next page's Link when there are more."""
    if len(records) <= limit:
        return records
    page = records[:limit]
    response.headers["Link"] = f'<{request.url.include_query_params(after=page[-1].id)}>; rel="next"'
    return page


@router.get("/problems", response_model=list[ProblemSummary], tags=["problems"])
def list_problems(checker: CheckerDep) -> list[ProblemSummary]:
    """Every problem: title, statement, points, due date, attempts allowed (no answers)."""
    return checker.summaries()


@router.get(
    "/problems/{problem_id}",
    response_model=ProblemView,
    tags=["problems"],
    responses=error_responses(*_AUTH, "not_yourself", "unknown_problem", "invalid_request"),
)
def view_problem(
    problem_id: str, caller: CallerDep, checker: CheckerDep, now: NowDep, student: StudentParam = None
) -> ProblemView:
    """One problem as the caller sees it: their variant's inputs, attempts used and left, due date."""
    return checker.view(problem_id, acting_student(caller, student), now=now)


@router.post(
    "/problems/{problem_id}/submissions",
    response_model=SubmissionOutcome,
    tags=["submissions"],
    responses=error_responses(
        *_AUTH, "not_yourself", "unknown_problem", "malformed_json", "invalid_request",
        "answer_too_long", "body_too_large", "past_due", "no_attempts_left", "rate_limited",
    ),
)
def submit(
    problem_id: str,
    body: AnswerBody,
    caller: CallerDep,
    checker: CheckerDep,
    now: NowDep,
    student: StudentParam = None,
) -> Response:
    """Submit an answer: status, score, feedback, attempts used. Unreadable answers use no attempt.

    Per student, at most the rate limit's submissions per window (else 429 rate_limited with
    Retry-After); past the cap on stored unreadable answers, one is checked but not stored (`id` null).
    """
    outcome = checker.submit(problem_id, acting_student(caller, student), body.answer, now=now, source="api")
    # the hot path: serialised once by pydantic, not validated again against the response model
    return Response(outcome.model_dump_json(), media_type="application/json")


@router.get(
    "/me/grades",
    response_model=StudentReport,
    tags=["submissions"],
    responses=error_responses(*_AUTH, "not_yourself", "invalid_request"),
)
def my_grades(caller: CallerDep, checker: CheckerDep, student: StudentParam = None) -> StudentReport:
    """The caller's own result on every problem: the last counted attempt (or the best, per the spec)."""
    return checker.grades(acting_student(caller, student))


@router.get(
    "/me/submissions",
    response_model=list[SubmissionRecord],
    tags=["submissions"],
    responses={**_PAGED, **error_responses(*_AUTH, "not_yourself", "unknown_problem", "invalid_request")},
)
def my_submissions(
    request: Request,
    response: Response,
    caller: CallerDep,
    checker: CheckerDep,
    problem: Annotated[str | None, Query(max_length=64)] = None,
    student: StudentParam = None,
    after: AfterParam = 0,
    limit: LimitParam = PAGE_LIMIT,
) -> list[SubmissionRecord]:
    """The caller's own submissions, oldest first, in pages of `limit` (next: the `Link` header)."""
    records = checker.submissions(
        student=acting_student(caller, student), problem=problem, after=after, limit=limit + 1
    )
    return _page(request, response, records, limit)


@router.get(
    "/staff/problems/{problem_id}/key",
    response_model=KeyView,
    tags=["staff"],
    responses=error_responses(*_AUTH, "staff_only", "unknown_problem"),
)
def problem_key(
    problem_id: str, _staff: StaffDep, checker: CheckerDep, student: StudentParam = None
) -> KeyView:
    """Staff: the canonical answer (of `student`'s variant when inputs vary per student)."""
    return checker.key_view(problem_id, student)


@router.get(
    "/staff/submissions",
    response_model=list[SubmissionRecord],
    tags=["staff"],
    responses={**_PAGED, **error_responses(*_AUTH, "staff_only", "unknown_problem", "invalid_request")},
)
def all_submissions(
    request: Request,
    response: Response,
    _staff: StaffDep,
    checker: CheckerDep,
    student: Annotated[str | None, Query(max_length=200, pattern=_TEXT)] = None,
    problem: Annotated[str | None, Query(max_length=64)] = None,
    after: AfterParam = 0,
    limit: LimitParam = PAGE_LIMIT,
) -> list[SubmissionRecord]:
    """Staff: recorded submissions, oldest first, optionally of one student and/or problem.

    Pages of `limit`: the `Link` header (rel="next") has the next page's URL, `after` the last id sent.
    """
    records = checker.submissions(student=student, problem=problem, after=after, limit=limit + 1)
    return _page(request, response, records, limit)


_MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@router.get(
    "/staff/gradebook",
    tags=["staff"],
    response_class=Response,
    responses={
        200: {"description": "the gradebook in the format asked for", "content": {"text/plain": {}}},
        **error_responses(*_AUTH, "staff_only", "unknown_format"),
    },
)
def gradebook(
    _staff: StaffDep,
    checker: CheckerDep,
    format: Annotated[str, Query(max_length=16, description="a `grade --format`")] = "json",
) -> Response:
    """Staff: the gradebook of everyone who submitted, in the formats of `grade SUBMISSIONS --format`."""
    if format not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise ServiceError("unknown_format", f"unknown format {format!r}; known: {known}")
    text = render(checker.gradebook(), format)
    return Response(text, media_type=_MEDIA_TYPES.get(format, "text/plain; charset=utf-8"))


@router.get("/health", tags=["service"])
def health(checker: CheckerDep) -> dict[str, Any]:
    """Liveness and the schema revision this server runs."""
    return {"status": "ok", "problems": len(checker.problems), "schema": head_revision()}
