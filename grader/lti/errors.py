"""The errors of the LTI tool: a refusal carries a stable code the service answers with."""

from __future__ import annotations

from grader.errors import GraderError

__all__ = ["LaunchRefused", "LtiError", "PassbackFailed"]


class LtiError(GraderError):
    """A registration or key-file problem (`grade lti …` prints it and exits 2)."""


class LaunchRefused(LtiError):
    """A login or launch the tool refuses; `code` is one of the service's error codes (lti_*)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


class PassbackFailed(LtiError):
    """A score could not be delivered: the platform's token endpoint or line item refused it.

    `permanent` when trying again cannot help until someone fixes something (a 404 line item)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        self.permanent = permanent
        super().__init__(message)
