"""The answer pages: plain server-rendered HTML (a form, no JavaScript), math as MathML.

A student signs in once by pasting their token (kept in an HttpOnly, SameSite=Strict cookie), then
`GET /p/{problem}` shows the statement, their inputs, an answer box and what the policy reveals;
the form posts back to the same URL, which grades through the same `Checker` as the API.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from grader.auth import Caller
from grader.feedback.messages import without_worked_solution
from grader.report.numbers import format_number
from grader.service.checking import Checker
from grader.service.deps import TOKEN_COOKIE, identify_token, request_checker, request_time, token_of
from grader.service.errors import ServiceError
from grader.service.mathtext import statement_html, worked_solution_html
from grader.service.models import SubmissionOutcome

__all__ = ["router", "mount_static"]

_HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=str(_HERE / "templates"))
templates.env.filters["statement_html"] = statement_html
templates.env.filters["number"] = format_number
templates.env.filters["without_worked_solution"] = without_worked_solution

router = APIRouter(include_in_schema=False)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")


def _page_caller(request: Request) -> Caller | ServiceError | None:
    token = token_of(request)
    if token is None:
        return None
    try:
        return identify_token(request, token)
    except ServiceError as error:
        return error


def _local(path: str) -> str:
    """Only redirect to a path on this site."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path


async def _form(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _cross_site(request: Request) -> HTMLResponse | None:
    """The refusal of a sign-in or sign-out form posted from another site: a forged sign-in would
    put the attacker's token in the victim's browser (their answers then go to the attacker), a
    forged sign-out signs the victim out."""
    if _same_origin(request):
        return None
    return _not_found(request, ServiceError("cross_site", "this form was posted from another site"))


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return _render(request, "login.html", {"next": _local(next), "error": None})


@router.post("/login", response_model=None)
async def login(request: Request) -> Response:
    if refusal := _cross_site(request):
        return refusal
    form = await _form(request)
    token = (form.get("token") or [""])[-1].strip()
    target = _local((form.get("next") or ["/"])[-1])
    try:
        caller = identify_token(request, token) if token else None
    except ServiceError as error:
        return _render(request, "login.html", {"next": target, "error": error.message}, error.status)
    if caller is None:
        return _render(request, "login.html", {"next": target, "error": "Paste your token."}, 401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
        max_age=180 * 24 * 3600,
    )
    return response


@router.post("/logout", response_model=None)
def logout(request: Request) -> Response:
    if refusal := _cross_site(request):
        return refusal
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(TOKEN_COOKIE)
    return response


@router.get("/", response_model=None)
def index(request: Request) -> Response:
    caller = _page_caller(request)
    if not isinstance(caller, Caller):
        return RedirectResponse("/login", status_code=303)
    checker: Checker = request_checker(request)
    return _render(request, "index.html", {"problems": checker.summaries(), "caller": caller})


def _problem_page(
    request: Request,
    checker: Checker,
    problem_id: str,
    student: str,
    now: datetime,
    *,
    outcome: SubmissionOutcome | None = None,
    error: ServiceError | None = None,
    answer: str = "",
    selected: tuple[str, ...] = (),
) -> HTMLResponse:
    view = checker.view(problem_id, student, now=now)
    worked = checker.worked(problem_id, student) if view.worked_solution else None
    context = {
        "view": view,
        "worked_html": None if worked is None else worked_solution_html(worked),
        "outcome": outcome,
        "error": error,
        "answer": answer,
        "selected": selected,
    }
    response = _render(request, "problem.html", context, error.status if error else 200)
    if error is not None and error.headers:  # e.g. rate_limited's Retry-After, as the API sends it
        response.headers.update(error.headers)
    return response


def _student(request: Request) -> str | Response:
    caller = _page_caller(request)
    if isinstance(caller, Caller) and caller.role == "student" and caller.student is not None:
        return caller.student
    message = "Sign in with your student token."
    if isinstance(caller, ServiceError):
        message = caller.message
    elif isinstance(caller, Caller):
        message = "Staff: sign in with a student's token to see their page."
    return _render(request, "login.html", {"next": request.url.path, "error": message}, 401)


def _not_found(request: Request, error: ServiceError) -> HTMLResponse:
    return _render(request, "error.html", {"error": error}, error.status)


@router.get("/p/{problem_id}", response_class=HTMLResponse)
def problem_page(request: Request, problem_id: str) -> Response:
    student = _student(request)
    if isinstance(student, Response):
        return student
    try:
        return _problem_page(request, request_checker(request), problem_id, student, request_time(request))
    except ServiceError as error:
        return _not_found(request, error)


@router.post("/p/{problem_id}", response_class=HTMLResponse)
async def submit_page(request: Request, problem_id: str) -> Response:
    student = _student(request)
    if isinstance(student, Response):
        return student
    checker = request_checker(request)
    now = request_time(request)
    if not _same_origin(request):
        return _not_found(request, ServiceError("cross_site", "this form was posted from another site"))
    form = await _form(request)
    values = form.get("answer", [])
    raw: Any = values if len(values) != 1 or form.get("kind") == ["choice"] else values[0]
    text = "" if isinstance(raw, list) else raw
    selected = tuple(values) if isinstance(raw, list) else ()
    try:
        outcome = await run_in_threadpool(checker.submit, problem_id, student, raw, now=now, source="page")
    except ServiceError as error:
        if error.code == "unknown_problem":
            return _not_found(request, error)
        return await run_in_threadpool(
            _problem_page, request, checker, problem_id, student, now, error=error, answer=text,
            selected=selected,
        )
    return await run_in_threadpool(
        _problem_page, request, checker, problem_id, student, now, outcome=outcome, answer=text,
        selected=selected,
    )
