"""The XQueue external-grader protocol (Open edX), as a passive grader.

XQueue POSTs `{"xqueue_header", "xqueue_body", "xqueue_files"}`; `xqueue_body` is JSON text with
`student_info` (JSON text: anonymous_student_id, submission_time "YYYYMMDDhhmmss"),
`student_response` (what the learner typed) and `grader_payload` (here: `{"problem": "ID"}` or just
the id). The reply is `{"correct": bool, "score": fraction of credit, "msg": HTML feedback}`.

The request and each JSON text inside it may nest at most MAX_DEPTH levels, as a submission file
may (`grader.documents`); deeper is refused as invalid, where the standard parser would recurse
until Python's stack limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from typing import Any

from grader.documents import MAX_DEPTH, first_too_deep
from grader.feedback.explain import WorkedSolution
from grader.feedback.messages import without_worked_solution
from grader.service.checking import storable
from grader.service.errors import ServiceError
from grader.service.mathtext import worked_solution_html
from grader.service.models import SubmissionOutcome
from grader.storage.schema import DELIVERY_LENGTH, STUDENT_LENGTH

__all__ = ["XQueueSubmission", "parse_xqueue", "read_request", "xqueue_reply", "xqueue_refusal"]


@dataclass(frozen=True)
class XQueueSubmission:
    """What the adapter needs from an XQueue request."""

    student: str
    problem: str
    response: str
    submitted_at: datetime | None
    #: xqueue_header.submission_id: the same id delivered again gets the stored reply.
    submission_id: str | None = None


class _TooDeep(Exception):
    pass


def _loads(text: str) -> Any:
    """JSON text as data; ValueError if it is not JSON, _TooDeep past MAX_DEPTH levels. Unlike
    `load_json` it does not look for the line where nesting fails: a request has no use for it,
    and finding it scans the whole text with PyYAML's pure-Python scanner."""
    try:
        data = json.loads(text)
    except RecursionError:  # the standard parser recurses once per level: hundreds of levels
        raise _TooDeep from None
    if first_too_deep(data) is not None:
        raise _TooDeep
    return data


_TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels)"


def read_request(text: str) -> Any:
    """The request body as JSON: ServiceError(malformed_json) if it is not JSON, and
    ServiceError(invalid_request) if it nests deeper than MAX_DEPTH levels."""
    try:
        return _loads(text)
    except _TooDeep:
        raise ServiceError("invalid_request", f"the request body: {_TOO_DEEP}") from None
    except ValueError:
        raise ServiceError("malformed_json", "the request body is not valid JSON") from None


def _json_field(value: Any, name: str) -> Any:
    """XQueue nests JSON as text; accept the text or the object itself."""
    if isinstance(value, str):
        try:
            return _loads(value)
        except _TooDeep:
            raise ServiceError("invalid_request", f"{name}: {_TOO_DEEP}") from None
        except ValueError:
            raise ServiceError("invalid_request", f"{name}: not JSON text") from None
    return value


def _problem_id(payload: Any) -> str:
    if isinstance(payload, str):
        text = payload.strip()
        if text.startswith("{"):
            return _problem_id(_json_field(text, "xqueue_body.grader_payload"))
        if text:
            return text
    if isinstance(payload, dict) and isinstance(payload.get("problem"), str):
        return str(payload["problem"])
    raise ServiceError(
        "invalid_request", 'xqueue_body.grader_payload: expected {"problem": "ID"} or a problem id'
    )


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _submission_id(document: dict[str, Any]) -> str | None:
    if "xqueue_header" not in document:
        return None
    header = _json_field(document["xqueue_header"], "xqueue_header")
    value = header.get("submission_id") if isinstance(header, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ServiceError("invalid_request", "xqueue_header.submission_id: expected a number or text")
    text = str(value).strip()
    if not text or len(text) > DELIVERY_LENGTH or not storable(text):
        raise ServiceError(
            "invalid_request", f"xqueue_header.submission_id: 1 to {DELIVERY_LENGTH} characters, no NUL"
        )
    return text


def parse_xqueue(document: Any) -> XQueueSubmission:
    """Read an XQueue request body (already decoded from JSON); ServiceError(invalid_request) if malformed."""
    if not isinstance(document, dict) or "xqueue_body" not in document:
        raise ServiceError("invalid_request", "expected an object with xqueue_header and xqueue_body")
    body = _json_field(document["xqueue_body"], "xqueue_body")
    if not isinstance(body, dict):
        raise ServiceError("invalid_request", "xqueue_body: expected an object")
    info = _json_field(body.get("student_info", "{}"), "xqueue_body.student_info")
    if not isinstance(info, dict) or not isinstance(info.get("anonymous_student_id"), str) or not (
        info["anonymous_student_id"].strip()
    ):
        raise ServiceError("invalid_request", "xqueue_body.student_info.anonymous_student_id: missing")
    field = "xqueue_body.student_info.anonymous_student_id"
    if not storable(info["anonymous_student_id"]):
        raise ServiceError("invalid_request", f"{field}: a NUL character or a lone surrogate")
    if len(info["anonymous_student_id"].strip()) > STUDENT_LENGTH:
        raise ServiceError("invalid_request", f"{field}: over {STUDENT_LENGTH} characters")
    response = body.get("student_response")
    if not isinstance(response, str):
        raise ServiceError("invalid_request", "xqueue_body.student_response: expected text")
    return XQueueSubmission(
        student=info["anonymous_student_id"].strip(),
        problem=_problem_id(body.get("grader_payload")),
        response=response,
        submitted_at=_time(info.get("submission_time")),
        submission_id=_submission_id(document),
    )


def xqueue_reply(outcome: SubmissionOutcome, worked: WorkedSolution | None = None) -> dict[str, Any]:
    """The grader's reply: correct, the fraction of credit, and the feedback as HTML.

    Once the solution is revealed, `worked` (the learner's worked solution) is shown as a table.
    """
    attempts = ""
    if outcome.max_attempts is not None:
        attempts = f"<p>You have used {outcome.attempts_used} of {outcome.max_attempts} attempts.</p>"
    solution = f"<p>The answer: {escape(outcome.solution)}</p>" if outcome.solution else ""
    if outcome.solution and worked is not None:
        solution += worked_solution_html(worked, math=False)
    lesson = escape(without_worked_solution(outcome.feedback))
    return {
        "correct": outcome.status == "correct",
        "score": round(outcome.score / outcome.max_score, 6) if outcome.max_score else 0.0,
        "msg": f'<div class="grader-feedback"><p>{lesson}</p>{attempts}{solution}</div>',
    }


def xqueue_refusal(error: ServiceError) -> dict[str, Any]:
    """A policy refusal (past due, no attempts left) as a reply the learner reads in edX."""
    message = f'<div class="grader-feedback"><p>{escape(error.message)}</p></div>'
    return {"correct": False, "score": 0.0, "msg": message}
