"""Request bodies are cut at the upload limit while they stream in, never after.

A pure ASGI middleware: a declared Content-Length over the limit is refused
before one byte is read; a chunked body is counted as it arrives and the
route sees `InputTooLarge` the moment the limit is passed.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docwarden.errors import InputTooLarge


def _limit_bytes_for(path: str, upload_bytes: int, max_batch: int) -> int:
    """Batch routes carry up to MAX_BATCH files; base64 JSON is 4/3 of the bytes."""
    files = max_batch if path.endswith("/batch") else 2
    return int(upload_bytes * files * 4 / 3) + 64 * 1024


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, upload_bytes: int, max_batch: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.max_batch = max_batch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = _limit_bytes_for(scope["path"], self.upload_bytes, self.max_batch)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        await self.app(scope, _counting(receive, limit), send)


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise InputTooLarge(_message(limit))
        return message

    return counted


def _message(limit: int) -> str:
    return f"the request body is over the limit of {limit:,} bytes (DOCWARDEN_MAX_UPLOAD_MB)"


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"error": InputTooLarge(_message(limit)).to_dict()}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
