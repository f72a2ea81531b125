"""DocwardenClient / AsyncDocwardenClient against httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from docwarden import client as client_package
from docwarden import errors as server_errors
from docwarden.client import (
    ERROR_TYPES,
    AsyncDocwardenClient,
    DocwardenClient,
    DocwardenConnectionError,
    InsufficientMemoryError,
    InvalidInputError,
    NotFoundError,
    NotReadyError,
    OverloadedError,
    RetryPolicy,
    WorkerCrashedError,
)
from docwarden.client import errors as client_errors
from docwarden.errors import ERROR_CLASSES, HTTP_STATUS, ErrorCode

Handler = Callable[[httpx.Request], httpx.Response]
OCR_ANSWER = {"text": "hello", "lines": [{"text": "hello", "score": 0.98,
                                          "box": [[0, 0], [5, 0], [5, 2], [0, 2]]}],
              "width": 640, "height": 480, "processing_time_s": 0.12, "worker_pid": 77}


def error_response(code: ErrorCode, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"code": code.value, "message": f"{code.value} happened",
                      "retryable": ERROR_CLASSES[code.value].retryable}}
    return httpx.Response(HTTP_STATUS[code], json=body, headers=headers)


class Recorder:
    """A MockTransport handler that answers from a list and keeps the requests."""

    def __init__(self, *answers: httpx.Response | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request) if callable(answer) else answer


def make_client(recorder: Recorder, sleeps: list[float] | None = None,
                **options: Any) -> DocwardenClient:
    slept = sleeps if sleeps is not None else []
    return DocwardenClient(transport=httpx.MockTransport(recorder), sleep=slept.append,
                           **options)


def test_retry_after_seconds_is_honoured() -> None:
    recorder = Recorder(error_response(ErrorCode.OVERLOADED, {"Retry-After": "2"}),
                        httpx.Response(200, json=OCR_ANSWER))
    sleeps: list[float] = []
    result = make_client(recorder, sleeps).ocr(b"png")
    assert result.text == "hello" and sleeps == [2.0] and len(recorder.requests) == 2


def test_retry_after_http_date_and_cap() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    recorder = Recorder(error_response(ErrorCode.NOT_READY, {"Retry-After": when}),
                        error_response(ErrorCode.NOT_READY, {"Retry-After": "9999"}),
                        httpx.Response(200, json=OCR_ANSWER))
    sleeps: list[float] = []
    make_client(recorder, sleeps, retry=RetryPolicy(max_retry_after_s=60)).ocr(b"png")
    assert 25 <= sleeps[0] <= 30 and sleeps[1] == 60


def test_attempts_are_bounded_and_backoff_grows() -> None:
    recorder = Recorder(error_response(ErrorCode.INSUFFICIENT_MEMORY))
    sleeps: list[float] = []
    client = make_client(recorder, sleeps, retry=RetryPolicy(max_attempts=4, backoff_base_s=1,
                                                             backoff_max_s=3))
    with pytest.raises(InsufficientMemoryError) as caught:
        client.ocr(b"png")
    error = caught.value
    assert error.code is ErrorCode.INSUFFICIENT_MEMORY and error.status == 503 and error.retryable
    assert len(recorder.requests) == 4
    assert 0.5 <= sleeps[0] <= 1 and 1 <= sleeps[1] <= 2 and 1.5 <= sleeps[2] <= 3


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_maps_to_its_exception(code: ErrorCode) -> None:
    recorder = Recorder(error_response(code))
    client = make_client(recorder, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(ERROR_TYPES[code]) as caught:
        client.ocr(b"png")
    assert caught.value.code is code and caught.value.status == HTTP_STATUS[code]
    assert caught.value.message == f"{code.value} happened"


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_raises_an_instance_of_the_server_class(code: ErrorCode) -> None:
    server_class = ERROR_CLASSES[code.value]
    assert issubclass(ERROR_TYPES[code], server_class)
    assert issubclass(ERROR_TYPES[code], client_errors.DocwardenClientError)
    body = {"error": {"code": code.value, "message": "said",
                      "retryable": not server_class.retryable, "queue": 3}}
    recorder = Recorder(httpx.Response(HTTP_STATUS[code], json=body, headers={"Retry-After": "4"}))
    client = make_client(recorder, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(server_class) as caught:
        client.ocr(b"png")
    error = caught.value
    assert isinstance(error, client_errors.DocwardenClientError)
    assert isinstance(error, server_errors.DocwardenError)
    assert type(error) is ERROR_TYPES[code] and error.code is code
    # What the answer said, not the class's defaults.
    assert error.status == HTTP_STATUS[code] and error.retryable is not server_class.retryable
    assert error.retry_after_s == 4.0 and error.details == {"queue": 3}
    assert error.message == "said" and str(error) == f"{code.value} (HTTP {error.status}): said"


def test_except_the_server_class_catches_a_client_call() -> None:
    recorder = Recorder(error_response(ErrorCode.OVERLOADED, {"Retry-After": "2"}))
    client = make_client(recorder, retry=RetryPolicy(max_attempts=1))
    try:
        client.ocr(b"png")
    except server_errors.Overloaded as error:
        assert isinstance(error, OverloadedError)
        assert error.status == 429 and error.retryable and error.retry_after_s == 2.0
    else:
        pytest.fail("no error raised")


def test_a_bare_status_keeps_its_own_status_on_the_shared_class() -> None:
    recorder = Recorder(httpx.Response(403, text="forbidden"))
    with pytest.raises(server_errors.Unauthorized) as caught:
        make_client(recorder).health()
    assert caught.value.status == 403 and server_errors.Unauthorized.status == 401


def test_every_client_error_class_has_its_public_name_and_export() -> None:
    for code, cls in ERROR_TYPES.items():
        assert getattr(client_errors, cls.__name__) is cls, code
        assert getattr(client_package, cls.__name__) is cls, code
        assert cls.__name__ in client_package.__all__, code
        assert cls.__module__ == client_errors.__name__ and cls.default_code is code
    assert client_errors.ServerError is ERROR_TYPES[ErrorCode.INTERNAL_ERROR]
    assert issubclass(client_errors.ServerError, server_errors.InternalError)


def test_connection_error_is_no_server_error() -> None:
    error = DocwardenConnectionError("unreachable")
    assert isinstance(error, client_errors.DocwardenClientError)
    assert not isinstance(error, server_errors.DocwardenError)
    assert error.code is None and error.code_name == "connection_error" and error.retryable
    assert error.status is None


def test_client_errors_are_not_retried() -> None:
    recorder = Recorder(error_response(ErrorCode.INVALID_INPUT))
    with pytest.raises(InvalidInputError) as caught:
        make_client(recorder).ocr(b"png")
    assert not caught.value.retryable and len(recorder.requests) == 1


def test_answer_without_docwarden_body_maps_by_status() -> None:
    recorder = Recorder(httpx.Response(404, text="<html>nope</html>"),
                        httpx.Response(502, text="Bad Gateway"))
    client = make_client(recorder)
    with pytest.raises(NotFoundError):
        client.health()
    with pytest.raises(WorkerCrashedError) as caught:
        client.health()
    assert "502" in str(caught.value)


def test_connection_refused_is_retried_then_raised() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    recorder = Recorder(refuse)
    with pytest.raises(DocwardenConnectionError) as caught:
        make_client(recorder, retry=RetryPolicy(max_attempts=3)).health()
    assert caught.value.code is None and caught.value.code_name == "connection_error"
    assert len(recorder.requests) == 3


def test_read_timeout_is_not_retried() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    recorder = Recorder(slow)
    with pytest.raises(DocwardenConnectionError):
        make_client(recorder).ocr(b"png")
    assert len(recorder.requests) == 1


def test_bearer_key_and_default_url() -> None:
    recorder = Recorder(httpx.Response(200, json={"status": "ok"}))
    make_client(recorder, api_key="s3cret").health()
    request = recorder.requests[0]
    assert request.headers["authorization"] == "Bearer s3cret"
    assert str(request.url) == "http://127.0.0.1:8000/health"


def test_ocr_sends_file_and_parses_typed_answer(tmp_path: Path) -> None:
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNGdata")
    recorder = Recorder(httpx.Response(200, json=OCR_ANSWER))
    result = make_client(recorder).ocr(image)
    body = recorder.requests[0].content
    assert b'name="file"; filename="scan.png"' in body and b"\x89PNGdata" in body
    assert result.lines[0].score == 0.98 and result.width == 640 and result.worker_pid == 77
    assert result.raw == OCR_ANSWER


def test_ocr_batch_keeps_per_item_errors() -> None:
    answer = {"results": [OCR_ANSWER, {"error": {"code": "invalid_input", "message": "bad",
                                                 "retryable": False}}]}
    recorder = Recorder(httpx.Response(200, json=answer))
    items = make_client(recorder).ocr_batch([b"a", ("b.jpg", b"b")])
    assert items[0].text == "hello"  # type: ignore[union-attr]
    assert isinstance(items[1], InvalidInputError)
    assert recorder.requests[0].content.count(b'name="files"') == 2


def test_idcard_pdf_and_enhance_send_their_fields() -> None:
    idcard_answer = {"side": "front", "fields": {"name": "张三", "id_number": "11010519491231002X"},
                     "checks": {"id_number_valid": True, "region": "北京市"}, "warnings": [],
                     "processing_time_s": 0.3}
    recorder = Recorder(httpx.Response(200, json=idcard_answer),
                        httpx.Response(200, json=idcard_answer),
                        httpx.Response(200, json={"markdown": "# T", "pages": [
                            {"number": 1, "method": "text", "chars": 3}]}),
                        httpx.Response(200, content=b"\x89PNG", headers={
                            "content-type": "image/png"}))
    client = make_client(recorder)
    card = client.idcard(b"img", side="front")
    assert card.fields.name == "张三" and card.checks.id_number_valid is True
    assert card.fields.sex is None
    client.idcard_pair(b"f", b"b")
    assert client.pdf(b"%PDF", password="pw", pages=[1, 2]).pages[0].method == "text"
    assert client.enhance(b"img", scale=2) == b"\x89PNG"
    bodies = [request.content for request in recorder.requests]
    assert b'name="side"\r\n\r\nfront' in bodies[0]
    assert b'name="front"' in bodies[1] and b'name="back"' in bodies[1]
    assert b'name="pages"\r\n\r\n1,2' in bodies[2] and b'name="password"' in bodies[2]
    assert b'name="scale"\r\n\r\n2' in bodies[3] and b'name="model"' not in bodies[3]
    assert [r.url.path for r in recorder.requests] == ["/v1/idcard", "/v1/idcard/batch",
                                                       "/v1/pdf", "/v1/enhance"]


def test_jobs_submit_poll_result_and_cancel() -> None:
    job_id = "ab" * 16
    states = iter(["queued", "running", "done"])

    def job_status(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": job_id, "status": next(states), "engine": "pdf",
                                         "progress": {"done": 1, "total": 2}})

    recorder = Recorder(httpx.Response(202, json={"id": job_id, "status_url": "/x"}),
                        httpx.Response(202, json={"id": job_id}),
                        job_status, job_status, job_status,
                        httpx.Response(200, json={"markdown": "# done"}),
                        httpx.Response(200, json={"id": job_id, "status": "cancelled"}))
    sleeps: list[float] = []
    client = make_client(recorder, sleeps)
    assert client.submit_job("pdf", b"%PDF", pages="1") == job_id
    assert client.submit_job("chaos", sleep_s=1) == job_id
    info = client.wait_job(job_id, poll_interval_s=0.1)
    assert info.status == "done" and info.progress_total == 2 and len(sleeps) == 2
    assert client.job_result(job_id) == {"markdown": "# done"}
    assert client.cancel_job(job_id).status == "cancelled"
    methods = [(r.method, r.url.path) for r in recorder.requests]
    assert methods[-1] == ("DELETE", f"/v1/jobs/{job_id}")
    assert b'name="engine"\r\n\r\npdf' in recorder.requests[0].content
    assert json.loads(recorder.requests[1].content) == {"engine": "chaos",
                                                        "input": {"sleep_s": 1}}


def test_wait_job_times_out() -> None:
    recorder = Recorder(httpx.Response(200, json={"id": "x", "status": "running"}))
    with pytest.raises(TimeoutError):
        make_client(recorder).wait_job("x", timeout_s=0.0)


def test_job_id_cannot_escape_the_jobs_path() -> None:
    recorder = Recorder(httpx.Response(200, json={"id": "x", "status": "queued"}))
    make_client(recorder).job("../../admin")
    assert recorder.requests[0].url.raw_path == b"/v1/jobs/..%2F..%2Fadmin"


def test_ready_is_false_on_503_without_retry() -> None:
    recorder = Recorder(error_response(ErrorCode.NOT_READY))
    assert make_client(recorder).ready() is False
    assert len(recorder.requests) == 1


def test_async_client_retries_and_parses() -> None:
    recorder = Recorder(error_response(ErrorCode.OVERLOADED, {"Retry-After": "1"}),
                        httpx.Response(200, json=OCR_ANSWER),
                        error_response(ErrorCode.NOT_READY))
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main() -> None:
        async with AsyncDocwardenClient(transport=httpx.MockTransport(recorder), sleep=sleep,
                                        retry=RetryPolicy(max_attempts=2)) as client:
            assert (await client.ocr(b"png")).text == "hello"
            with pytest.raises(NotReadyError):
                await client.health()

    asyncio.run(main())
    assert sleeps[0] == 1.0 and len(recorder.requests) == 4


def test_overloaded_error_carries_retry_after() -> None:
    recorder = Recorder(error_response(ErrorCode.OVERLOADED, {"Retry-After": "7"}))
    with pytest.raises(OverloadedError) as caught:
        make_client(recorder, retry=RetryPolicy(max_attempts=1)).ocr(b"png")
    assert caught.value.retry_after_s == 7.0 and caught.value.retryable


def test_bare_status_errors_are_retryable_exactly_where_the_server_says() -> None:
    retryable = {code for code, cls in ERROR_TYPES.items() if cls("x").retryable}
    assert retryable == {ErrorCode.OVERLOADED, ErrorCode.INSUFFICIENT_MEMORY,
                         ErrorCode.GPU_MEMORY, ErrorCode.NOT_READY, ErrorCode.WORKER_CRASHED}
    assert DocwardenConnectionError("unreachable").retryable


def test_run_engine_reaches_any_engine_with_its_params_and_both_answer_kinds() -> None:
    recorder = Recorder(httpx.Response(200, json=OCR_ANSWER),
                        httpx.Response(200, content=b"RIFFxxxxWEBP",
                                       headers={"content-type": "image/webp"}),
                        httpx.Response(200, json={"pid": 1},
                                       headers={"content-type": "application/vnd.x+json"}),
                        httpx.Response(200, json={"side": "front"}))
    client = make_client(recorder)
    assert client.run_engine("tesseract", ("k.png", b"img"), lang="rus+eng", psm=6) == OCR_ANSWER
    assert client.run_engine("my-upscaler", b"img", strength=0.5) == b"RIFFxxxxWEBP"
    assert client.run_engine("chaos", sleep_s=0) == {"pid": 1}
    client.run_engine_files("idcard", {"front": b"f", "back": b"b"}, side="auto")
    first, _, third, fourth = recorder.requests
    assert [r.url.path for r in recorder.requests] == [
        "/v1/tesseract", "/v1/my-upscaler", "/v1/chaos", "/v1/idcard"]
    assert b'name="file"; filename="k.png"' in first.content
    assert b'name="lang"\r\n\r\nrus+eng' in first.content
    assert b'name="psm"\r\n\r\n6' in first.content
    assert json.loads(third.content) == {"sleep_s": 0}
    assert b'name="front"' in fourth.content and b'name="back"' in fourth.content
    assert b'name="file"' not in fourth.content
    with pytest.raises(ValueError, match="not an engine name"):
        client.run_engine("../admin", b"img")


def test_run_batch_of_a_plugin_engine_keeps_per_item_errors() -> None:
    body = {"results": [{"digest": "ab"}, {"error": {"code": "unsupported_media_type",
                                                    "message": "no", "retryable": False}}]}
    recorder = Recorder(httpx.Response(200, json=body))
    results = make_client(recorder).run_batch("checksum", [b"a", b"b"], algorithm="sha1")
    assert results[0] == {"digest": "ab"}
    assert type(results[1]).__name__ == "UnsupportedMediaTypeError"
    request = recorder.requests[0]
    assert request.url.path == "/v1/checksum/batch"
    assert request.content.count(b'name="files"') == 2
    assert b'name="algorithm"\r\n\r\nsha1' in request.content


def test_health_lists_the_served_engines() -> None:
    recorder = Recorder(httpx.Response(200, json={"status": "healthy", "engines": {
        "ocr": {"ready": True}, "tesseract": {"ready": False}}}))
    assert make_client(recorder).health().engines == ["ocr", "tesseract"]
