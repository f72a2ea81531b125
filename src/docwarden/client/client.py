"""Python clients of the docwarden HTTP API: `DocwardenClient` and `AsyncDocwardenClient`.

    with DocwardenClient("http://127.0.0.1:8000", api_key="...") as client:
        result = client.ocr("scan.png")          # OcrResult
        korean = client.run_engine("tesseract", "scan.png", lang="kor")  # any engine: dict
        job_id = client.submit_job("pdf", "book.pdf", pages="1-3")
        info = client.wait_job(job_id)           # JobInfo, terminal status
        markdown = client.job_result(job_id)["markdown"]

Both clients have the same methods (the async ones are coroutines).  Answers
429 and 503 are retried, honouring Retry-After, up to `RetryPolicy.max_attempts`;
other errors raise the `DocwardenClientError` subclass of their code, which is
also the server's class of it (`except docwarden.errors.Overloaded` works).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from docwarden import __version__
from docwarden.client import endpoints
from docwarden.client.calls import ApiCall, FileInput, RetryPolicy, retry_after_s
from docwarden.client.errors import (
    DocwardenClientError,
    DocwardenConnectionError,
    error_from_response,
)
from docwarden.client.models import Health, IdCardResult, JobInfo, OcrResult, PdfResult

T = TypeVar("T")
DEFAULT_URL = "http://127.0.0.1:8000"
# A little over the server's default job deadline, so the server's 504 wins.
DEFAULT_TIMEOUT_S = 330.0
CONNECT_TIMEOUT_S = 5.0


class _ClientBase:
    """Settings and retry decisions shared by both clients."""

    def __init__(self, base_url: str, api_key: str | None, retry: RetryPolicy | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.headers = {"User-Agent": f"docwarden-client/{__version__}"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"

    def _wait_before_retry(self, call: ApiCall[Any], response: httpx.Response,
                           attempt: int) -> float | None:
        """None: `response` is the answer; else seconds to wait before the next try."""
        if response.is_success or response.status_code in call.ok_statuses:
            return None
        wait_s = retry_after_s(response)
        if not self.retry.retry_status(response, attempt):
            raise error_from_response(response, wait_s)
        return self.retry.delay_s(attempt, wait_s)

    def _wait_after_transport_error(self, error: httpx.TransportError, attempt: int) -> float:
        if not self.retry.retry_transport(error, attempt):
            raise DocwardenConnectionError(
                f"{type(error).__name__} talking to {self.base_url}: {error}") from error
        return self.retry.delay_s(attempt, None)

    def _timeout(self, timeout_s: float) -> httpx.Timeout:
        return httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))


class DocwardenClient(_ClientBase):
    """Blocking client (httpx.Client); use as a context manager or call `close()`."""

    def __init__(self, base_url: str = DEFAULT_URL, *, api_key: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, retry: RetryPolicy | None = None,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(base_url, api_key, retry)
        self._sleep = sleep
        self._http = httpx.Client(base_url=self.base_url, headers=self.headers,
                                  timeout=self._timeout(timeout_s), transport=transport)

    def __enter__(self) -> DocwardenClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def call(self, call: ApiCall[T]) -> T:
        """Send one call, retrying refusals; its parsed answer or a client error."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(**call.request_kwargs())
            except httpx.TransportError as error:
                self._sleep(self._wait_after_transport_error(error, attempt))
                continue
            wait_s = self._wait_before_retry(call, response, attempt)
            if wait_s is None:
                return call.parse(response)
            self._sleep(wait_s)

    def health(self) -> Health:
        return self.call(endpoints.health())

    def ready(self) -> bool:
        return self.call(endpoints.ready())

    def ocr(self, file: FileInput) -> OcrResult:
        return self.call(endpoints.ocr(file))

    def ocr_batch(self, files: Sequence[FileInput]) -> list[OcrResult | DocwardenClientError]:
        return self.call(endpoints.ocr_batch(files))

    def idcard(self, file: FileInput, side: str = "auto") -> IdCardResult:
        return self.call(endpoints.idcard(file, side))

    def idcard_pair(self, front: FileInput | None, back: FileInput | None) -> IdCardResult:
        return self.call(endpoints.idcard_pair(front, back))

    def pdf(self, file: FileInput, password: str | None = None,
            pages: str | Sequence[int] | None = None) -> PdfResult:
        return self.call(endpoints.pdf(file, password, pages))

    def enhance(self, file: FileInput, scale: int = 4, model: str | None = None,
                **params: object) -> bytes:
        return self.call(endpoints.enhance(file, {"scale": scale, "model": model, **params}))

    def run_engine(self, engine: str, file: FileInput | None = None,
                   **params: object) -> dict[str, Any] | bytes:
        """Any served engine (built-in or plug-in): its JSON answer, or bytes (images)."""
        return self.call(endpoints.run_engine(engine, file, params))

    def run_engine_files(self, engine: str, files: Mapping[str, FileInput],
                         **params: object) -> dict[str, Any] | bytes:
        """One job of named files (an engine's joint files, e.g. idcard front + back)."""
        return self.call(endpoints.run_engine(engine, None, params, files))

    def run_batch(self, engine: str, files: Sequence[FileInput],
                  **params: object) -> list[dict[str, Any] | DocwardenClientError]:
        return self.call(endpoints.run_batch(engine, files, params))

    def submit_job(self, engine: str, file: FileInput | None = None, *,
                   files: Mapping[str, FileInput] | None = None, **params: object) -> str:
        return self.call(endpoints.submit_job(engine, file, files, params))

    def job(self, job_id: str) -> JobInfo:
        return self.call(endpoints.job(job_id))

    def job_result(self, job_id: str) -> dict[str, Any] | bytes:
        return self.call(endpoints.job_result(job_id))

    def cancel_job(self, job_id: str) -> JobInfo:
        return self.call(endpoints.cancel_job(job_id))

    def chaos(self, **params: object) -> dict[str, Any]:
        return self.call(endpoints.chaos(params))

    def wait_job(self, job_id: str, *, timeout_s: float | None = None,
                 poll_interval_s: float = 0.5, max_poll_interval_s: float = 5.0) -> JobInfo:
        """Poll until the job is done, failed or cancelled (TimeoutError after timeout_s)."""
        poll = _Poll(timeout_s, poll_interval_s, max_poll_interval_s)
        while True:
            info = self.job(job_id)
            if info.terminal:
                return info
            self._sleep(poll.next_wait_s(job_id))


class AsyncDocwardenClient(_ClientBase):
    """Asyncio client (httpx.AsyncClient); `async with` it or `await aclose()`."""

    def __init__(self, base_url: str = DEFAULT_URL, *, api_key: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, retry: RetryPolicy | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 max_connections: int = 100) -> None:
        super().__init__(base_url, api_key, retry)
        self._sleep = sleep
        limits = httpx.Limits(max_connections=max_connections,
                              max_keepalive_connections=max_connections)
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=self.headers,
                                       timeout=self._timeout(timeout_s), transport=transport,
                                       limits=limits)

    async def __aenter__(self) -> AsyncDocwardenClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, call: ApiCall[T]) -> T:
        """Send one call, retrying refusals; its parsed answer or a client error."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(**call.request_kwargs())
            except httpx.TransportError as error:
                await self._sleep(self._wait_after_transport_error(error, attempt))
                continue
            wait_s = self._wait_before_retry(call, response, attempt)
            if wait_s is None:
                return call.parse(response)
            await self._sleep(wait_s)

    async def health(self) -> Health:
        return await self.call(endpoints.health())

    async def ready(self) -> bool:
        return await self.call(endpoints.ready())

    async def ocr(self, file: FileInput) -> OcrResult:
        return await self.call(endpoints.ocr(file))

    async def ocr_batch(self, files: Sequence[FileInput]
                        ) -> list[OcrResult | DocwardenClientError]:
        return await self.call(endpoints.ocr_batch(files))

    async def idcard(self, file: FileInput, side: str = "auto") -> IdCardResult:
        return await self.call(endpoints.idcard(file, side))

    async def idcard_pair(self, front: FileInput | None, back: FileInput | None
                          ) -> IdCardResult:
        return await self.call(endpoints.idcard_pair(front, back))

    async def pdf(self, file: FileInput, password: str | None = None,
                  pages: str | Sequence[int] | None = None) -> PdfResult:
        return await self.call(endpoints.pdf(file, password, pages))

    async def enhance(self, file: FileInput, scale: int = 4, model: str | None = None,
                      **params: object) -> bytes:
        return await self.call(endpoints.enhance(file, {"scale": scale, "model": model,
                                                        **params}))

    async def run_engine(self, engine: str, file: FileInput | None = None,
                         **params: object) -> dict[str, Any] | bytes:
        """Any served engine (built-in or plug-in): its JSON answer, or bytes (images)."""
        return await self.call(endpoints.run_engine(engine, file, params))

    async def run_engine_files(self, engine: str, files: Mapping[str, FileInput],
                               **params: object) -> dict[str, Any] | bytes:
        """One job of named files (an engine's joint files, e.g. idcard front + back)."""
        return await self.call(endpoints.run_engine(engine, None, params, files))

    async def run_batch(self, engine: str, files: Sequence[FileInput],
                        **params: object) -> list[dict[str, Any] | DocwardenClientError]:
        return await self.call(endpoints.run_batch(engine, files, params))

    async def submit_job(self, engine: str, file: FileInput | None = None, *,
                         files: Mapping[str, FileInput] | None = None,
                         **params: object) -> str:
        return await self.call(endpoints.submit_job(engine, file, files, params))

    async def job(self, job_id: str) -> JobInfo:
        return await self.call(endpoints.job(job_id))

    async def job_result(self, job_id: str) -> dict[str, Any] | bytes:
        return await self.call(endpoints.job_result(job_id))

    async def cancel_job(self, job_id: str) -> JobInfo:
        return await self.call(endpoints.cancel_job(job_id))

    async def chaos(self, **params: object) -> dict[str, Any]:
        return await self.call(endpoints.chaos(params))

    async def wait_job(self, job_id: str, *, timeout_s: float | None = None,
                       poll_interval_s: float = 0.5,
                       max_poll_interval_s: float = 5.0) -> JobInfo:
        """Poll until the job is done, failed or cancelled (TimeoutError after timeout_s)."""
        poll = _Poll(timeout_s, poll_interval_s, max_poll_interval_s)
        while True:
            info = await self.job(job_id)
            if info.terminal:
                return info
            await self._sleep(poll.next_wait_s(job_id))


class _Poll:
    """Growing poll intervals under an optional overall deadline."""

    def __init__(self, timeout_s: float | None, interval_s: float, max_interval_s: float) -> None:
        self.deadline = None if timeout_s is None else time.monotonic() + timeout_s
        self.interval_s = interval_s
        self.max_interval_s = max_interval_s

    def next_wait_s(self, job_id: str) -> float:
        wait_s = self.interval_s
        if self.deadline is not None:
            left_s = self.deadline - time.monotonic()
            if left_s <= 0:
                raise TimeoutError(f"job {job_id} did not finish in time")
            wait_s = min(wait_s, left_s)
        self.interval_s = min(self.interval_s * 1.5, self.max_interval_s)
        return wait_s
