"""One exception tree, and the one table that maps it to HTTP.

Engines, guards and the supervisor raise these; the API turns any of them into
`{"error": {"code", "message", "retryable"}}` with the status of the table.
Errors cross the worker pipe as plain dicts (`to_dict` / `from_dict`), so a
worker never needs to pickle an exception object.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, ClassVar

OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


def scrub(message: str) -> str:
    """Drop `<_io.BytesIO object at 0x...>` and the like: noise to a client, a leak at worst.

    Every error message passes through here when the error is made, so no answer,
    stored job record or log line carries one (libraries put them in their messages).
    """
    return OBJECT_REPR.sub("the upload", message)


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INPUT_TOO_LARGE = "input_too_large"
    POISON_INPUT = "poison_input"
    OVERLOADED = "overloaded"
    INSUFFICIENT_MEMORY = "insufficient_memory"
    GPU_MEMORY = "gpu_memory"
    NOT_READY = "not_ready"
    JOB_TIMEOUT = "job_timeout"
    WORKER_CRASHED = "worker_crashed"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    INTERNAL_ERROR = "internal_error"


class DocwardenError(Exception):
    """Base of every error the service answers with."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL_ERROR
    status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        message = scrub(message)
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code.value,
            "message": self.message,
            "retryable": self.retryable,
        }
        body.update(self.details)
        return body

    @staticmethod
    def from_dict(body: dict[str, Any]) -> DocwardenError:
        cls = ERROR_CLASSES.get(str(body.get("code")), InternalError)
        details = {k: v for k, v in body.items() if k not in {"code", "message", "retryable"}}
        return cls(str(body.get("message", "")), details=details)


class InvalidInput(DocwardenError):
    code = ErrorCode.INVALID_INPUT
    status = 422


class UnsupportedMediaType(DocwardenError):
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE
    status = 415


class InputTooLarge(DocwardenError):
    code = ErrorCode.INPUT_TOO_LARGE
    status = 413


class PoisonInput(DocwardenError):
    code = ErrorCode.POISON_INPUT
    status = 422


class Overloaded(DocwardenError):
    code = ErrorCode.OVERLOADED
    status = 429
    retryable = True


class InsufficientMemory(DocwardenError):
    code = ErrorCode.INSUFFICIENT_MEMORY
    status = 503
    retryable = True


class GpuMemory(DocwardenError):
    code = ErrorCode.GPU_MEMORY
    status = 503
    retryable = True


class NotReady(DocwardenError):
    code = ErrorCode.NOT_READY
    status = 503
    retryable = True


class JobTimeout(DocwardenError):
    code = ErrorCode.JOB_TIMEOUT
    status = 504


class WorkerCrashed(DocwardenError):
    code = ErrorCode.WORKER_CRASHED
    status = 502
    retryable = True


class Unauthorized(DocwardenError):
    code = ErrorCode.UNAUTHORIZED
    status = 401


class NotFound(DocwardenError):
    code = ErrorCode.NOT_FOUND
    status = 404


class MethodNotAllowed(DocwardenError):
    code = ErrorCode.METHOD_NOT_ALLOWED
    status = 405


class Conflict(DocwardenError):
    code = ErrorCode.CONFLICT
    status = 409


class InternalError(DocwardenError):
    code = ErrorCode.INTERNAL_ERROR
    status = 500


ERROR_TREE: tuple[type[DocwardenError], ...] = (
    InvalidInput, UnsupportedMediaType, InputTooLarge, PoisonInput, Overloaded,
    InsufficientMemory, GpuMemory, NotReady, JobTimeout, WorkerCrashed, Unauthorized,
    NotFound, MethodNotAllowed, Conflict, InternalError,
)
ERROR_CLASSES: dict[str, type[DocwardenError]] = {cls.code.value: cls for cls in ERROR_TREE}
# The one error -> HTTP status table, read off the classes.
HTTP_STATUS: dict[ErrorCode, int] = {cls.code: cls.status for cls in ERROR_TREE}
# What a bare status means (Starlette's own refusals, a proxy's answer without our body):
# the one class with that status, or the most general where several share it.
_GENERAL: dict[int, type[DocwardenError]] = {400: InvalidInput, 403: Unauthorized,
                                             422: InvalidInput, 503: NotReady}
STATUS_MEANING: dict[int, type[DocwardenError]] = {
    **{cls.status: cls for cls in ERROR_TREE}, **_GENERAL}


def error_for_status(status: int) -> type[DocwardenError]:
    """The error a bare HTTP status stands for; InternalError for any other."""
    return STATUS_MEANING.get(status, InternalError)


def http_status(error: DocwardenError) -> int:
    return error.status
