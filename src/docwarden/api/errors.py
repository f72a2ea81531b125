"""Every answer that is not a success goes through here, as DESIGN.md's error JSON.

No route can leak a traceback: an unexpected exception becomes one 500
`internal_error` with an incident id, logged once (by `UnexpectedErrorMiddleware`,
which, unlike an `Exception` handler, does not hand the error on to be logged
again by Starlette and uvicorn).  Messages never carry Python object reprs.
"""

from __future__ import annotations

import json
import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docwarden.errors import (
    DocwardenError,
    InternalError,
    InvalidInput,
    Unauthorized,
    error_for_status,
    http_status,
)

log = logging.getLogger("docwarden.api")


def validation_message(error: ValidationError | RequestValidationError) -> str:
    """pydantic's errors as one line, without echoing the (possibly huge) input values."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ())) or "body"
        problems.append(f"{where}: {item.get('msg')}")
    return "; ".join(problems)


def error_body(error: DocwardenError) -> dict[str, object]:
    return {"error": error.to_dict()}


def error_headers(error: DocwardenError) -> dict[str, str]:
    headers: dict[str, str] = {}
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, round(error.retry_after_s)))
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return headers


def error_response(error: DocwardenError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=http_status(error),
                        headers={**error_headers(error), **(headers or {})})


async def _docwarden_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DocwardenError)
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(InvalidInput(f"invalid request: {validation_message(exc)}"))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_cls = error_for_status(exc.status_code)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404:
        message = f"no route {request.method} {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
        headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
    return error_response(error_cls(message), headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    pending = list(request.app.router.routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)  # FastAPI includes lazily
        if included is not None:
            pending.extend(included.routes)
        elif isinstance(route, BaseRoute) and (route_methods := getattr(route, "methods", None)):
            match, _ = route.matches({**request.scope, "method": next(iter(route_methods))})
            if match is Match.FULL:
                methods.update(route_methods)
    return sorted(methods)


class UnexpectedErrorMiddleware:
    """The last line: a bug answers one JSON 500 and one log line, never a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            log.info("client disconnected before its request was read",
                     extra={"path": scope.get("path")})
        except Exception:
            incident = uuid.uuid4().hex[:12]
            log.exception("unhandled error", extra={"incident_id": incident,
                                                    "path": scope.get("path")})
            if not started:
                await _send_internal_error(send, incident)


async def _send_internal_error(send: Send, incident: str) -> None:
    error = InternalError(f"internal error (incident {incident}); see the log")
    body = json.dumps(error_body(error)).encode()
    await send({"type": "http.response.start", "status": 500,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DocwardenError, _docwarden_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
