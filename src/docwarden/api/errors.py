"""Every answer that is not a success goes through here, as DESIGN.md's error JSON.

No route can leak a traceback: unknown exceptions become a 500
`internal_error` with an incident id that is also in the log line.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from docwarden.errors import (
    Conflict,
    DocwardenError,
    InputTooLarge,
    InternalError,
    InvalidInput,
    NotFound,
    Unauthorized,
    UnsupportedMediaType,
    http_status,
)

log = logging.getLogger("docwarden.api")

_HTTP_TO_ERROR: dict[int, type[DocwardenError]] = {
    400: InvalidInput,  # malformed requests Starlette refuses itself (multipart without boundary)
    401: Unauthorized,
    404: NotFound,
    405: NotFound,
    409: Conflict,
    413: InputTooLarge,
    415: UnsupportedMediaType,
    422: InvalidInput,
}


def error_response(error: DocwardenError) -> JSONResponse:
    headers: dict[str, str] = {}
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, round(error.retry_after_s)))
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"error": error.to_dict()}, status_code=http_status(error),
                        headers=headers)


async def _docwarden_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DocwardenError)
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
    )
    return error_response(InvalidInput(f"invalid request: {problems}"))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_cls = _HTTP_TO_ERROR.get(exc.status_code, InternalError)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404:
        message = f"no route {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    return error_response(error_cls(message))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    log.exception("unhandled error", extra={"incident_id": incident, "path": request.url.path,
                                            "job_id": getattr(request.state, "job_id", None)})
    return error_response(InternalError(f"internal error (incident {incident}); see the log"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DocwardenError, _docwarden_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
