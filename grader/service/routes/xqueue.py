"""The XQueue passive-grader route: Open edX posts a learner's answer, gets the graded reply."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from grader.service.deps import CheckerDep, NowDep, StaffDep
from grader.service.errors import ServiceError, error_responses
from grader.service.xqueue import parse_xqueue, read_request, xqueue_refusal, xqueue_reply
from grader.storage import Delivery
from grader.storage.schema import QUEUE_LENGTH

__all__ = ["router"]

router = APIRouter()

#: An example request; its answer is no problem's key (the OpenAPI document is public).
_EXAMPLE = {
    "xqueue_header": json.dumps({"submission_id": 1, "submission_key": "k"}),
    "xqueue_body": json.dumps(
        {
            "student_info": json.dumps({"anonymous_student_id": "6f3a", "submission_time": "20261125120000"}),
            "student_response": "[1, 0, -1]",
            "grader_payload": json.dumps({"problem": "lstm-states-2"}),
        }
    ),
}


async def _document(request: Request) -> Any:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        try:
            fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise ServiceError("malformed_json", "the form body is not UTF-8") from None
        return {name: values[-1] for name, values in fields.items()}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ServiceError("malformed_json", "the request body is not valid JSON") from None
    return read_request(text)


@router.post(
    "/xqueue/grade",
    tags=["open edx"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}, "example": _EXAMPLE}},
        }
    },
    responses=error_responses(
        "missing_token", "invalid_token", "staff_only", "malformed_json", "invalid_request",
        "unknown_problem", "answer_too_long", "body_too_large", "delivery_conflict", "rate_limited",
        "database_unavailable",
    ),
)
async def xqueue_grade(
    request: Request,
    _staff: StaffDep,
    checker: CheckerDep,
    now: NowDep,
    queue: Annotated[
        str,
        Query(
            min_length=1, max_length=QUEUE_LENGTH, pattern=r"^[A-Za-z0-9._-]+$",
            description="the queue's name, when several XQueue servers or queues share this grader: "
            "a submission_id is answered once per queue",
        ),
    ] = "xqueue",
) -> dict[str, Any]:
    """XQueue external grader: `{xqueue_header, xqueue_body}` in, `{correct, score, msg}` out.

    Authenticated with the staff token (Bearer, or as the password of HTTP Basic in the queue's URL).
    Past the due date or out of attempts, the reply says so (correct: false, score 0). XQueue
    delivers at least once: an `xqueue_header.submission_id` answered before (in this `queue`) gets
    the same reply again and uses no attempt.
    """
    submission = parse_xqueue(await _document(request))
    moment = submission.submitted_at or now
    delivery = None if submission.submission_id is None else Delivery(queue, submission.submission_id)
    try:
        outcome = await run_in_threadpool(
            checker.submit, submission.problem, submission.student, submission.response,
            now=moment, source="xqueue", received=now, delivery=delivery,
        )
    except ServiceError as error:
        if error.code in ("past_due", "no_attempts_left"):
            return xqueue_refusal(error)
        raise
    worked = None
    if outcome.solution is not None:
        worked = await run_in_threadpool(checker.worked, submission.problem, submission.student)
    return xqueue_reply(outcome, worked)
