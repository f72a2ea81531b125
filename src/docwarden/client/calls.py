"""What the sync and async clients share: request specs, parsing, retry policy.

Every API method is an `ApiCall` (method, path, body, parser) built here, so
`DocwardenClient` and `AsyncDocwardenClient` differ only in how they send it.
Uploads are read into bytes first: a request refused with 429/503 can then be
sent again unchanged.
"""

from __future__ import annotations

import json
import mimetypes
import os
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from docwarden.client.errors import DocwardenClientError, error_from_body

T = TypeVar("T")
FileInput = str | os.PathLike[str] | bytes | tuple[str, bytes] | IO[bytes]
Upload = tuple[str, bytes, str]
# Engine names are entry-point names: one safe path segment.
ENGINE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def read_upload(file: FileInput) -> Upload:
    """(filename, bytes, media type) from a path, bytes, (name, bytes) or a binary file."""
    if isinstance(file, bytes):
        name, data = "upload", file
    elif isinstance(file, tuple):
        name, data = file
    elif isinstance(file, str | os.PathLike):
        path = Path(file)
        name, data = path.name, path.read_bytes()
    else:
        name, data = Path(str(getattr(file, "name", "upload"))).name, file.read()
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, data, media_type


def form_value(value: object) -> str:
    """A parameter as a multipart form field."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value)


def job_path(job_id: str, suffix: str = "") -> str:
    """The URL of a job; the id is quoted, so it can never leave /v1/jobs/."""
    return f"/v1/jobs/{quote(str(job_id), safe='')}{suffix}"


def engine_path(engine: str) -> str:
    if not ENGINE_NAME.fullmatch(engine):
        raise ValueError(f"not an engine name: {engine!r}")
    return f"/v1/{engine}"


def json_body(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError(f"expected a JSON object from {response.request.url}")
    return body


def json_or_bytes(response: httpx.Response) -> dict[str, Any] | bytes:
    """JSON answers as dicts, anything else (an enhanced PNG) as bytes."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return json_body(response)
    return response.content


def batch_items(response: httpx.Response) -> list[dict[str, Any] | DocwardenClientError]:
    """Items of a batch answer; a failed item becomes its client error."""
    items: list[dict[str, Any] | DocwardenClientError] = []
    results = json_body(response).get("results")
    for item in results if isinstance(results, list) else []:
        if isinstance(item, dict) and isinstance(item.get("error"), dict):
            items.append(error_from_body(item["error"]))
        elif isinstance(item, dict):
            items.append(item)
    return items


@dataclass(frozen=True)
class ApiCall(Generic[T]):
    """One HTTP request and how to read its successful answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    files: list[tuple[str, Upload]] | None = None
    data: dict[str, str] | None = None
    json: Any = None
    # Statuses that are an answer, not an error (GET /ready answers 503 when not ready).
    ok_statuses: frozenset[int] = frozenset()

    def request_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"method": self.method, "url": self.path}
        if self.files is not None:
            kwargs["files"] = self.files
        if self.data is not None:
            kwargs["data"] = self.data
        if self.json is not None:
            kwargs["json"] = self.json
        return kwargs


def upload_call(path: str, parse: Callable[[httpx.Response], T],
                files: Sequence[tuple[str, FileInput]],
                params: Mapping[str, object] | None = None) -> ApiCall[T]:
    uploads = [(field_name, read_upload(file)) for field_name, file in files]
    data = {key: form_value(value) for key, value in (params or {}).items() if value is not None}
    return ApiCall("POST", path, parse, files=uploads, data=data)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry 429/503 answers and refused connections, with bounded attempts.

    The wait is the server's Retry-After when it gives one (capped at
    `max_retry_after_s`), else exponential backoff with jitter.
    """

    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    max_retry_after_s: float = 120.0
    retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 503}))

    def retry_status(self, response: httpx.Response, attempt: int) -> bool:
        return response.status_code in self.retry_statuses and attempt < self.max_attempts

    def retry_transport(self, error: httpx.TransportError, attempt: int) -> bool:
        """Only failures where the request surely never reached the server."""
        safe = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        return safe and attempt < self.max_attempts

    def delay_s(self, attempt: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.max_retry_after_s)
        exponential: float = self.backoff_base_s * 2.0 ** (attempt - 1)
        return min(self.backoff_max_s, exponential) * random.uniform(0.5, 1.0)


def retry_after_s(response: httpx.Response) -> float | None:
    """Retry-After as seconds (delta-seconds or HTTP-date), None when absent or bad."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
