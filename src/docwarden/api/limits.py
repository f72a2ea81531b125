"""Request bodies are bounded while they stream in, one by one and all together.

A pure ASGI middleware.  Each body has a cap by its kind: a JSON body carries
at most two files (an ID card's sides) in base64, a multipart body at most
MAX_BATCH files on batch routes and two elsewhere.  A declared Content-Length
over the cap is refused (413) before one byte is read; a chunked body is
counted as it arrives.

All bodies in flight share one budget (MAX_BUFFERED_UPLOAD_MB) of the memory
they cost the API process while their job runs: a JSON body about three times
its size (the raw bytes, the parsed base64 text and the decoded file), a
multipart body about twice.  Past the budget a request gets 429 with
Retry-After instead of taking the process down; a single request larger than
the whole budget is let in only when it is alone.
"""

from __future__ import annotations

import json
import threading

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docwarden.api.errors import error_body, error_headers
from docwarden.errors import DocwardenError, InputTooLarge, Overloaded, http_status
from docwarden.readings import MIB

JSON_MEMORY_FACTOR = 3
MULTIPART_MEMORY_FACTOR = 2
FIELDS_ALLOWANCE_BYTES = 64 * 1024
JSON_FILES = 2
# Routes whose multipart body may carry MAX_BATCH files (Marker's batch route included).
BATCH_PATH_ENDINGS = ("/batch", "/api/batch_convert")
BUDGET_RETRY_AFTER_S = 2


class UploadBudget:
    """Bytes reserved by the bodies in flight (thread-safe, for tests and benchmarks too)."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self.used_bytes = 0
        self._lock = threading.Lock()

    def take(self, size: int, held: int) -> bool:
        """Reserve `size` more for a request already holding `held`; False when over."""
        with self._lock:
            alone = self.used_bytes == held
            if self.used_bytes + size > self.limit_bytes and not alone:
                return False
            self.used_bytes += size
            return True

    def give_back(self, size: int) -> None:
        with self._lock:
            self.used_bytes = max(self.used_bytes - size, 0)


class _Lease:
    """One request's share of the budget, returned whole when the request ends."""

    def __init__(self, budget: UploadBudget, factor: int) -> None:
        self.budget, self.factor, self.held = budget, factor, 0

    def take(self, body_bytes: int) -> bool:
        size = body_bytes * self.factor
        if not self.budget.take(size, self.held):
            return False
        self.held += size
        return True

    def release(self) -> None:
        self.budget.give_back(self.held)
        self.held = 0


def body_limit_bytes(path: str, content_type: bytes, upload_bytes: int, max_batch: int) -> int:
    if content_type.startswith(b"application/json"):
        return int(upload_bytes * JSON_FILES * 4 / 3) + FIELDS_ALLOWANCE_BYTES
    files = max_batch if path.endswith(BATCH_PATH_ENDINGS) else 2
    return upload_bytes * files + FIELDS_ALLOWANCE_BYTES


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, upload_bytes: int, max_batch: int,
                 budget: UploadBudget) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.max_batch = max_batch
        self.budget = budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").lower()
        limit = body_limit_bytes(scope["path"], content_type, self.upload_bytes, self.max_batch)
        declared = _declared_length(headers.get(b"content-length"))
        factor = JSON_MEMORY_FACTOR if content_type.startswith(b"application/json") \
            else MULTIPART_MEMORY_FACTOR
        lease = _Lease(self.budget, factor)
        try:
            refusal = self._refusal(declared, limit, lease)
            if refusal is not None:
                await _refuse(send, refusal)
                return
            counted = _counting(receive, limit, None if declared is not None else lease)
            await self.app(scope, counted, send)
        finally:
            lease.release()

    def _refusal(self, declared: int | None, limit: int, lease: _Lease) -> DocwardenError | None:
        if declared is None or declared == 0:
            return None
        if declared > limit:
            return InputTooLarge(_too_large(limit))
        if not lease.take(declared):
            return _budget_full(self.budget)
        return None


def _declared_length(raw: bytes | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() else None


def _counting(receive: Receive, limit: int, lease: _Lease | None) -> Receive:
    """Count a body as it arrives; without a declared length, reserve it chunk by chunk."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            chunk = len(message.get("body", b""))
            seen += chunk
            if seen > limit:
                raise InputTooLarge(_too_large(limit))
            if lease is not None and chunk and not lease.take(chunk):
                raise _budget_full(lease.budget)
        return message

    return counted


def _too_large(limit: int) -> str:
    return f"the request body is over the limit of {limit:,} bytes (DOCWARDEN_MAX_UPLOAD_MB)"


def _budget_full(budget: UploadBudget) -> Overloaded:
    return Overloaded(f"uploads in flight already use the buffer budget of "
                      f"{budget.limit_bytes // MIB} MB "
                      "(DOCWARDEN_MAX_BUFFERED_UPLOAD_MB); retry shortly",
                      retry_after_s=BUDGET_RETRY_AFTER_S)


async def _refuse(send: Send, error: DocwardenError) -> None:
    """Answer before reading the body, and close: the unread body must not be parsed."""
    body = json.dumps(error_body(error)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    headers += [(k.lower().encode(), v.encode()) for k, v in error_headers(error).items()]
    await send({"type": "http.response.start", "status": http_status(error), "headers": headers})
    await send({"type": "http.response.body", "body": body})
