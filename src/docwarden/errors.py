"""One exception tree, and the one table that maps it to HTTP.

Engines, guards and the supervisor raise these; the API turns any of them into
`{"error": {"code", "message", "retryable"}}` with the status of the table.
Errors cross the worker pipe as plain dicts (`to_dict` / `from_dict`), so a
worker never needs to pickle an exception object.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


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
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
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


class UnsupportedMediaType(DocwardenError):
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class InputTooLarge(DocwardenError):
    code = ErrorCode.INPUT_TOO_LARGE


class PoisonInput(DocwardenError):
    code = ErrorCode.POISON_INPUT


class Overloaded(DocwardenError):
    code = ErrorCode.OVERLOADED
    retryable = True


class InsufficientMemory(DocwardenError):
    code = ErrorCode.INSUFFICIENT_MEMORY
    retryable = True


class GpuMemory(DocwardenError):
    code = ErrorCode.GPU_MEMORY
    retryable = True


class NotReady(DocwardenError):
    code = ErrorCode.NOT_READY
    retryable = True


class JobTimeout(DocwardenError):
    code = ErrorCode.JOB_TIMEOUT


class WorkerCrashed(DocwardenError):
    code = ErrorCode.WORKER_CRASHED
    retryable = True


class Unauthorized(DocwardenError):
    code = ErrorCode.UNAUTHORIZED


class NotFound(DocwardenError):
    code = ErrorCode.NOT_FOUND


class MethodNotAllowed(DocwardenError):
    code = ErrorCode.METHOD_NOT_ALLOWED


class Conflict(DocwardenError):
    code = ErrorCode.CONFLICT


class InternalError(DocwardenError):
    code = ErrorCode.INTERNAL_ERROR


# The one error -> HTTP status table.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.INPUT_TOO_LARGE: 413,
    ErrorCode.POISON_INPUT: 422,
    ErrorCode.OVERLOADED: 429,
    ErrorCode.INSUFFICIENT_MEMORY: 503,
    ErrorCode.GPU_MEMORY: 503,
    ErrorCode.NOT_READY: 503,
    ErrorCode.JOB_TIMEOUT: 504,
    ErrorCode.WORKER_CRASHED: 502,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INTERNAL_ERROR: 500,
}

ERROR_CLASSES: dict[str, type[DocwardenError]] = {
    cls.code.value: cls
    for cls in (
        InvalidInput,
        UnsupportedMediaType,
        InputTooLarge,
        PoisonInput,
        Overloaded,
        InsufficientMemory,
        GpuMemory,
        NotReady,
        JobTimeout,
        WorkerCrashed,
        Unauthorized,
        NotFound,
        MethodNotAllowed,
        Conflict,
        InternalError,
    )
}


def http_status(error: DocwardenError) -> int:
    return HTTP_STATUS[error.code]
