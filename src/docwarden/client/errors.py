"""Exceptions the client raises: the server's own tree (`docwarden.errors`), as answered.

The server answers every error as `{"error": {"code", "message", "retryable"}}`;
`error_from_response` turns that into the client class of its code, which is a
subclass of both `DocwardenClientError` and the server's class of that code, so
callers can `except OverloadedError`, `except docwarden.errors.Overloaded` or
`except DocwardenClientError`, and look at `.code`, `.status`, `.retryable`,
`.retry_after_s` and `.details` as the answer had them. The client classes are
made from `docwarden.errors.ERROR_TREE`, one per code, never listed by hand.
Transport failures (server unreachable) raise `DocwardenConnectionError`, whose
`.code` is None; it is no server error.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx

from docwarden.errors import (
    ERROR_CLASSES,
    ERROR_TREE,
    HTTP_STATUS,
    DocwardenError,
    ErrorCode,
    InternalError,
    error_for_status,
)


class DocwardenClientError(Exception):
    """Base of every client error; `code` is None for transport failures.

    Declares no class-level `code`, `status` or `retryable`: in a class made for a
    code those of the server's class are the class's, and an instance carries what
    its answer said.
    """

    default_code: ClassVar[ErrorCode | None] = ErrorCode.INTERNAL_ERROR

    code: ErrorCode | None
    status: int | None
    retryable: bool

    def __init__(self, message: str, *, status: int | None = None,
                 retryable: bool | None = None, retry_after_s: float | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)  # in a class made for a code: the server error's own
        self.message = message
        self.code = self.default_code
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
    """The server was not reached (refused, reset, timed out): no answer, no code."""

    default_code = None

    @classmethod
    def default_retryable(cls) -> bool:
        return True  # the server was not reached: trying again may reach it


# The one client name that is not the server class's name + "Error".
_CLIENT_NAMES: dict[type[DocwardenError], str] = {InternalError: "ServerError"}


def client_class(server: type[DocwardenError]) -> type[DocwardenClientError]:
    """The client exception of one server error class: a subclass of both.

    Its MRO is (itself, DocwardenClientError, `server`, DocwardenError, Exception):
    the client's constructor, `to_dict` and `__str__`; the server class's `code`,
    `status` and `retryable` at class level.
    """
    name = _CLIENT_NAMES.get(server, f"{server.__name__}Error")
    namespace: dict[str, Any] = {
        "__module__": __name__, "__qualname__": name, "default_code": server.code,
        "__doc__": f"An answer of code `{server.code.value}` (HTTP {server.status}), "
                   f"raised as a `docwarden.errors.{server.__name__}`.",
    }
    made = type(name, (DocwardenClientError, server), namespace)
    assert issubclass(made, DocwardenClientError)  # narrows `type` for mypy, and is true
    return made


ERROR_TYPES: dict[ErrorCode, type[DocwardenClientError]] = {
    cls.code: client_class(cls) for cls in ERROR_TREE}

# The public names of the classes above (each is that class, not a copy); a unit test
# checks that every code has one here and in `docwarden.client.__all__`.
InvalidInputError = ERROR_TYPES[ErrorCode.INVALID_INPUT]
UnsupportedMediaTypeError = ERROR_TYPES[ErrorCode.UNSUPPORTED_MEDIA_TYPE]
InputTooLargeError = ERROR_TYPES[ErrorCode.INPUT_TOO_LARGE]
PoisonInputError = ERROR_TYPES[ErrorCode.POISON_INPUT]
OverloadedError = ERROR_TYPES[ErrorCode.OVERLOADED]
InsufficientMemoryError = ERROR_TYPES[ErrorCode.INSUFFICIENT_MEMORY]
GpuMemoryError = ERROR_TYPES[ErrorCode.GPU_MEMORY]
NotReadyError = ERROR_TYPES[ErrorCode.NOT_READY]
JobTimeoutError = ERROR_TYPES[ErrorCode.JOB_TIMEOUT]
WorkerCrashedError = ERROR_TYPES[ErrorCode.WORKER_CRASHED]
UnauthorizedError = ERROR_TYPES[ErrorCode.UNAUTHORIZED]
NotFoundError = ERROR_TYPES[ErrorCode.NOT_FOUND]
MethodNotAllowedError = ERROR_TYPES[ErrorCode.METHOD_NOT_ALLOWED]
ConflictError = ERROR_TYPES[ErrorCode.CONFLICT]
ServerError = ERROR_TYPES[ErrorCode.INTERNAL_ERROR]


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
