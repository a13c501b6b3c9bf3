"""LTI 1.3 routes: the tool's keys and configuration, the OIDC login, the launch, deep linking.

Thin: each reads the request, calls grader/lti/, and answers a redirect or a page. A refused
login or launch is an HTML page with the error's code and status (a person sees it in the LMS's
frame), logged without the token; nothing is stored for it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from grader.auth import issue_student_token
from grader.lti import claims
from grader.lti.deeplink import content_item, deep_linking_response
from grader.lti.errors import LaunchRefused
from grader.lti.launch import STATE_MAX_AGE, Launch, LoginState, authorization_url, verify_id_token
from grader.lti.platforms import Platform
from grader.lti.records import record_launch
from grader.lti.tool import Tool
from grader.service.deps import TOKEN_COOKIE, lti_tool, request_checker, request_time, settings_of
from grader.service.errors import ServiceError
from grader.service.middleware import content_security_policy
from grader.service.routes.pages import templates

__all__ = ["router"]

log = logging.getLogger("grader.lti")
router = APIRouter(prefix="/lti", include_in_schema=False)

#: A launched student's sign-in lasts a working day; the next launch signs them in again.
_LAUNCH_SIGN_IN = timedelta(hours=12)
#: An instructor has this long to pick problems after a deep-linking launch.
_DEEP_LINK_SECONDS = 3600


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/jwks")
def jwks(request: Request) -> JSONResponse:
    """The tool's public keys (the platform verifies deep-linking responses and client assertions)."""
    return JSONResponse(lti_tool(request).keys.jwks())


@router.get("/config")
def config(request: Request) -> JSONResponse:
    """The values a platform's administrator enters when registering the tool (docs/lti.md)."""
    lti_tool(request)
    base = _base(request)
    return JSONResponse(
        {
            "title": "grader",
            "description": "Answer-checking for the course's problems, with grades sent back",
            "oidc_initiation_url": f"{base}/lti/login",
            "target_link_uri": f"{base}/lti/launch",
            "redirect_uris": [f"{base}/lti/launch"],
            "deep_linking_url": f"{base}/lti/launch",
            "public_jwk_url": f"{base}/lti/jwks",
            "scopes": [claims.SCOPE_LINEITEM, claims.SCOPE_SCORE],
            "messages": [claims.RESOURCE_LINK_REQUEST, claims.DEEP_LINKING_REQUEST],
            "custom_fields": {"problem": "the problem id (set for you by deep linking)"},
            "privacy_level": "anonymous",
        }
    )


def _refusal(request: Request, error: LaunchRefused | ServiceError, where: str) -> HTMLResponse:
    code = error.code
    message = error.message
    log.warning("LTI %s refused: %s: %s", where, code, message)  # never the token itself
    service_error = error if isinstance(error, ServiceError) else ServiceError(code, message)
    return templates.TemplateResponse(
        request, "error.html", {"error": service_error}, status_code=service_error.status
    )


async def _parameters(request: Request) -> dict[str, str]:
    """The query's and (for a POST) the form's parameters; the form's win."""
    values = {name: value for name, value in request.query_params.items()}
    if request.method == "POST":
        body = await request.body()
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            form = {}
        values.update({name: items[-1] for name, items in form.items()})
    return values


def _login_platform(tool: Tool, issuer: str, client_id: str | None, deployment: str | None) -> Platform:
    found = tool.platforms_of(issuer)
    if not found:
        raise LaunchRefused("lti_unknown_platform", f"iss: no platform registered with issuer {issuer!r}")
    if client_id is not None:
        found = [platform for platform in found if platform.client_id == client_id]
        if not found:
            raise LaunchRefused(
                "lti_unknown_platform", f"client_id: {client_id!r} is not registered for {issuer}"
            )
    if len(found) > 1:
        raise LaunchRefused(
            "lti_unknown_platform", "client_id: required (the issuer has several registrations)"
        )
    platform = found[0]
    if deployment is not None and deployment not in platform.deployment_ids:
        raise LaunchRefused(
            "lti_unknown_platform", f"lti_deployment_id: {deployment!r} is not registered for {issuer}"
        )
    return platform


@router.api_route("/login", methods=["GET", "POST"], response_model=None)
async def login(request: Request) -> Response:
    """OIDC third-party login initiation: a state and nonce bound to this browser, then the
    platform's authorization endpoint."""
    try:
        tool = lti_tool(request)
        given = await _parameters(request)
        issuer, login_hint = given.get("iss"), given.get("login_hint")
        if not issuer or not login_hint:
            raise LaunchRefused("lti_unknown_platform", "iss and login_hint are required")
        platform = await run_in_threadpool(
            _login_platform, tool, issuer, given.get("client_id"), given.get("lti_deployment_id")
        )
    except (LaunchRefused, ServiceError) as error:
        return _refusal(request, error, "login")
    state, nonce, cookie = tool.login_state.new()
    target = authorization_url(
        platform,
        redirect_uri=f"{_base(request)}/lti/launch",
        login_hint=login_hint,
        message_hint=given.get("lti_message_hint"),
        state=state,
        nonce=nonce,
    )
    response = RedirectResponse(target, status_code=302)
    # SameSite=None: the launch is a cross-site POST (from the platform) into a frame
    _set_frame_cookie(response, LoginState.cookie_name(state), cookie, max_age=STATE_MAX_AGE, path="/lti/")
    return response


def _set_frame_cookie(response: Response, name: str, value: str, *, max_age: int, path: str = "/") -> None:
    """A cookie the tool reads inside the platform's frame: `SameSite=None; Secure; HttpOnly`, and
    `Partitioned` (CHIPS), kept for that platform's pages only, so browsers that block third-party
    cookies still keep it. Python's cookie module writes `Partitioned` only from 3.14 on: added here."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=True, samesite="none", path=path)
    header, written = response.raw_headers[-1]
    assert header == b"set-cookie"
    response.raw_headers[-1] = (header, written + b"; Partitioned")


def _verify(tool: Tool, id_token: str, nonce: str, request: Request) -> Launch:
    return verify_id_token(
        id_token, platforms=tool.platforms_of, jwks=tool.jwks, nonce=nonce, now=request_time(request)
    )


@router.post("/launch", response_model=None)
async def launch(request: Request) -> Response:
    """The platform posts the id_token here: verify it, then open the problem (a student), the
    staff view (an instructor), or the problem picker (deep linking)."""
    checker = request_checker(request)
    try:
        tool = lti_tool(request)
        form = await _parameters(request)
        state = form.get("state", "")
        nonce = tool.login_state.nonce_of(state, dict(request.cookies))
        id_token = form.get("id_token", "")
        if not id_token:
            raise LaunchRefused("lti_invalid_token", "id_token: missing")
        verified = await run_in_threadpool(_verify, tool, id_token, nonce, request)
        if verified.message_type == claims.RESOURCE_LINK_REQUEST:
            if verified.problem is None:
                raise ServiceError(
                    "unknown_problem", "the launch names no problem (custom parameter problem=ID)"
                )
            checker.problem(verified.problem)  # unknown_problem, before anything is stored
        elif not verified.staff:
            raise LaunchRefused("lti_unsupported_message", "deep linking is for instructors")
        now = request_time(request)
        student = await run_in_threadpool(record_launch, tool.engine, verified, now=now)
    except (LaunchRefused, ServiceError) as error:
        return _refusal(request, error, "launch")
    response: Response
    if verified.deep_link is not None:
        response = _deep_link_page(request, verified)
    elif verified.staff:
        assert verified.problem is not None
        response = await run_in_threadpool(_staff_page, request, verified.problem)
    else:
        assert verified.problem is not None
        token = issue_student_token(settings_of(request).secret, student, now=now, valid_for=_LAUNCH_SIGN_IN)
        response = RedirectResponse(f"/p/{verified.problem}", status_code=303)
        # SameSite=None and Secure: the answer page lives in the platform's frame, a third-party context
        _set_frame_cookie(response, TOKEN_COOKIE, token, max_age=int(_LAUNCH_SIGN_IN.total_seconds()))
    _set_frame_cookie(response, LoginState.cookie_name(state), "", max_age=0, path="/lti/")  # used up
    return response


def _staff_page(request: Request, problem_id: str) -> HTMLResponse:
    checker = request_checker(request)
    problem = checker.problem(problem_id)
    report = checker.gradebook()
    rows: list[Any] = []
    for student in report.students:
        for result in student.results:
            if result.problem == problem_id:
                rows.append({"student": student.student, **result.model_dump()})
    return templates.TemplateResponse(request, "lti_staff.html", {"problem": problem, "rows": rows})


def _deep_links(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings_of(request).secret, salt="grader.lti.deep-link")


def _deep_link_page(request: Request, launch: Launch) -> HTMLResponse:
    assert launch.deep_link is not None
    context = _deep_links(request).dumps(
        {
            "issuer": launch.platform.issuer,
            "client_id": launch.platform.client_id,
            "deployment_id": launch.deployment_id,
            "return_url": launch.deep_link.return_url,
            "data": launch.deep_link.data,
        }
    )
    problems = request_checker(request).summaries()
    return templates.TemplateResponse(
        request, "lti_deep_link.html", {"context": context, "problems": problems}
    )


@router.post("/deep-link", response_model=None)
async def deep_link(request: Request) -> Response:
    """The instructor's pick: an LtiDeepLinkingResponse, auto-posted back to the platform."""
    try:
        tool = lti_tool(request)
        form = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        try:
            context = _deep_links(request).loads(
                (form.get("context") or [""])[-1], max_age=_DEEP_LINK_SECONDS
            )
        except BadSignature:
            raise LaunchRefused(
                "lti_bad_state", "context: not from a deep-linking launch of this tool"
            ) from None
        checker = request_checker(request)
        picked = [checker.problem(problem_id) for problem_id in form.get("problem", [])]
    except (LaunchRefused, ServiceError) as error:
        return _refusal(request, error, "deep linking")
    launch_url = f"{_base(request)}/lti/launch"
    items = [content_item(launch_url, problem.id, problem.title, problem.points) for problem in picked]
    jwt = deep_linking_response(
        tool.keys,
        client_id=context["client_id"],
        issuer=context["issuer"],
        deployment_id=context["deployment_id"],
        data=context["data"],
        items=items,
        now=request_time(request),
    )
    return_url = context["return_url"]
    parts = urlsplit(return_url)
    settings = settings_of(request)
    ancestors = (*settings.frame_ancestors, *tool.origins())
    policy = content_security_policy(ancestors, form_action=(f"{parts.scheme}://{parts.netloc}",))
    response = templates.TemplateResponse(request, "lti_return.html", {"return_url": return_url, "jwt": jwt})
    response.headers["Content-Security-Policy"] = policy
    return response
