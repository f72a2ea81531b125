"""Exceptions the client raises: one class per error code of DESIGN.md section 4.

The server answers every error as `{"error": {"code", "message", "retryable"}}`;
`error_from_response` turns that into the matching subclass, so callers can
`except OverloadedError` or look at `.code`, `.status` and `.retryable`.
Transport failures (server unreachable) raise `DocwardenConnectionError`,
whose `.code` is None.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx

from docwarden.errors import ERROR_CLASSES, HTTP_STATUS, ErrorCode, error_for_status


class DocwardenClientError(Exception):
    """Base of every client error; `code` is None for transport failures."""

    default_code: ClassVar[ErrorCode | None] = ErrorCode.INTERNAL_ERROR

    def __init__(self, message: str, *, status: int | None = None,
                 retryable: bool | None = None, retry_after_s: float | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code: ErrorCode | None = self.default_code
        self.status = status
        self.retryable = self.default_retryable() if retryable is None else retryable
        self.retry_after_s = retry_after_s
        self.details = details or {}

    @classmethod
    def default_retryable(cls) -> bool:
        """What the server's own error class says, when the answer did not say."""
        return cls.default_code is not None and ERROR_CLASSES[cls.default_code.value].retryable

    @property
    def code_name(self) -> str:
        """The code as text, `connection_error` for transport failures."""
        return self.code.value if self.code is not None else "connection_error"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code_name, "message": self.message, "retryable": self.retryable,
                "status": self.status, **self.details}

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.code_name}{status}: {self.message}"


class DocwardenConnectionError(DocwardenClientError):
    default_code = None

    @classmethod
    def default_retryable(cls) -> bool:
        return True  # the server was not reached: trying again may reach it


class InvalidInputError(DocwardenClientError):
    default_code = ErrorCode.INVALID_INPUT


class UnsupportedMediaTypeError(DocwardenClientError):
    default_code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class InputTooLargeError(DocwardenClientError):
    default_code = ErrorCode.INPUT_TOO_LARGE


class PoisonInputError(DocwardenClientError):
    default_code = ErrorCode.POISON_INPUT


class OverloadedError(DocwardenClientError):
    default_code = ErrorCode.OVERLOADED


class InsufficientMemoryError(DocwardenClientError):
    default_code = ErrorCode.INSUFFICIENT_MEMORY


class GpuMemoryError(DocwardenClientError):
    default_code = ErrorCode.GPU_MEMORY


class NotReadyError(DocwardenClientError):
    default_code = ErrorCode.NOT_READY


class JobTimeoutError(DocwardenClientError):
    default_code = ErrorCode.JOB_TIMEOUT


class WorkerCrashedError(DocwardenClientError):
    default_code = ErrorCode.WORKER_CRASHED


class UnauthorizedError(DocwardenClientError):
    default_code = ErrorCode.UNAUTHORIZED


class NotFoundError(DocwardenClientError):
    default_code = ErrorCode.NOT_FOUND


class MethodNotAllowedError(DocwardenClientError):
    default_code = ErrorCode.METHOD_NOT_ALLOWED


class ConflictError(DocwardenClientError):
    default_code = ErrorCode.CONFLICT


class ServerError(DocwardenClientError):
    default_code = ErrorCode.INTERNAL_ERROR


ERROR_TYPES: dict[ErrorCode, type[DocwardenClientError]] = {
    cls.default_code: cls
    for cls in (InvalidInputError, UnsupportedMediaTypeError, InputTooLargeError,
                PoisonInputError, OverloadedError, InsufficientMemoryError, GpuMemoryError,
                NotReadyError, JobTimeoutError, WorkerCrashedError, UnauthorizedError,
                NotFoundError, MethodNotAllowedError, ConflictError, ServerError)
    if cls.default_code is not None
}


def error_from_body(body: dict[str, Any], status: int | None = None,
                    retry_after_s: float | None = None) -> DocwardenClientError:
    """The exception for one `{"code", "message", "retryable", ...}` error body."""
    try:
        code = ErrorCode(str(body.get("code")))
    except ValueError:
        code = ErrorCode.INTERNAL_ERROR
    details = {k: v for k, v in body.items() if k not in {"code", "message", "retryable"}}
    retryable = body.get("retryable")
    return ERROR_TYPES[code](
        str(body.get("message", "")), status=status or HTTP_STATUS[code],
        retryable=retryable if isinstance(retryable, bool) else None,
        retry_after_s=retry_after_s, details=details)


def error_from_response(response: httpx.Response,
                        retry_after_s: float | None = None) -> DocwardenClientError:
    """The exception for an error response, with or without docwarden's body."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return error_from_body(body["error"], response.status_code, retry_after_s)
    code = error_for_status(response.status_code).code
    text = response.text[:200] if response.content else ""
    message = f"HTTP {response.status_code} {response.reason_phrase} {text}".strip()
    return ERROR_TYPES[code](message, status=response.status_code, retry_after_s=retry_after_s)
