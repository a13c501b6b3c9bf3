"""The answer-checking service: an HTTP API, answer pages and an XQueue adapter over the grading core.

    from grader.service import Checker, ServiceSettings, create_app

`Checker` is the library (views, submissions, grades, keys, gradebook); `create_app` wraps it in
FastAPI; `grade serve` runs it under uvicorn.
"""

from grader.service.app import create_app
from grader.service.checking import Checker
from grader.service.errors import ERROR_CODES, ServiceError
from grader.service.server import ServeOptions, build_app, serve
from grader.service.settings import ServiceSettings

__all__ = [
    "ERROR_CODES",
    "Checker",
    "ServeOptions",
    "ServiceError",
    "ServiceSettings",
    "build_app",
    "create_app",
    "serve",
]
