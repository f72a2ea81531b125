"""One `ApiCall` builder per route of DESIGN.md section 4."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from docwarden.client.calls import (
    ApiCall,
    FileInput,
    batch_items,
    engine_path,
    job_path,
    json_body,
    json_or_bytes,
    upload_call,
)
from docwarden.client.errors import DocwardenClientError
from docwarden.client.models import Health, IdCardResult, JobInfo, OcrResult, PdfResult


def _ok(response: httpx.Response) -> bool:
    return response.is_success


def _content(response: httpx.Response) -> bytes:
    return response.content


def _ocr_items(response: httpx.Response) -> list[OcrResult | DocwardenClientError]:
    return [item if isinstance(item, DocwardenClientError) else OcrResult.from_json(item)
            for item in batch_items(response)]


def _job_id(response: httpx.Response) -> str:
    body = json_body(response)
    job_id = body.get("id")
    if not isinstance(job_id, str) or not job_id:
        raise ValueError("the server's job answer carries no id")
    return job_id


def health() -> ApiCall[Health]:
    return ApiCall("GET", "/health", lambda r: Health.from_json(json_body(r)))


def ready() -> ApiCall[bool]:
    return ApiCall("GET", "/ready", _ok, ok_statuses=frozenset({503}))


def ocr(file: FileInput) -> ApiCall[OcrResult]:
    return upload_call("/v1/ocr", lambda r: OcrResult.from_json(json_body(r)), [("file", file)])


def ocr_batch(files: Sequence[FileInput]) -> ApiCall[list[OcrResult | DocwardenClientError]]:
    return upload_call("/v1/ocr/batch", _ocr_items, [("files", file) for file in files])


def idcard(file: FileInput, side: str) -> ApiCall[IdCardResult]:
    return upload_call("/v1/idcard", lambda r: IdCardResult.from_json(json_body(r)),
                       [("file", file)], {"side": side})


def idcard_pair(front: FileInput | None, back: FileInput | None) -> ApiCall[IdCardResult]:
    files = [(name, file) for name, file in (("front", front), ("back", back)) if file is not None]
    if not files:
        raise ValueError("give the front, the back, or both")
    return upload_call("/v1/idcard/batch", lambda r: IdCardResult.from_json(json_body(r)), files)


def pdf(file: FileInput, password: str | None,
        pages: str | Sequence[int] | None) -> ApiCall[PdfResult]:
    if pages is not None and not isinstance(pages, str):
        pages = ",".join(str(page) for page in pages)
    return upload_call("/v1/pdf", lambda r: PdfResult.from_json(json_body(r)),
                       [("file", file)], {"password": password, "pages": pages})


def enhance(file: FileInput, params: Mapping[str, object]) -> ApiCall[bytes]:
    return upload_call("/v1/enhance", _content, [("file", file)], params)


def run_engine(engine: str, file: FileInput | None, params: Mapping[str, object],
               files: Mapping[str, FileInput] | None = None
               ) -> ApiCall[dict[str, Any] | bytes]:
    """Any engine's own route, built-in or plug-in: the raw answer (JSON dict, or bytes).

    The file goes as multipart `file`, named extra files (an engine's joint
    files) under their names, parameters as form fields; without any file the
    parameters are the JSON body.
    """
    uploads = [("file", file)] if file is not None else []
    uploads += list((files or {}).items())
    if not uploads:
        return ApiCall("POST", engine_path(engine), json_or_bytes, json=dict(params))
    return upload_call(engine_path(engine), json_or_bytes, uploads, params)


def run_batch(engine: str, files: Sequence[FileInput], params: Mapping[str, object]
              ) -> ApiCall[list[dict[str, Any] | DocwardenClientError]]:
    """`/v1/<engine>/batch`: one result or client error per file, in order."""
    if not files:
        raise ValueError("give at least one file")
    return upload_call(engine_path(engine) + "/batch", batch_items,
                       [("files", file) for file in files], params)


def submit_job(engine: str, file: FileInput | None, files: Mapping[str, FileInput] | None,
               params: Mapping[str, object]) -> ApiCall[str]:
    """Multipart when there are files, else `{"engine", "input": params}` as JSON."""
    engine_path(engine)  # validates the name
    uploads = [("file", file)] if file is not None else []
    uploads += list((files or {}).items())
    if not uploads:
        return ApiCall("POST", "/v1/jobs", _job_id, json={"engine": engine, "input": dict(params)})
    return upload_call("/v1/jobs", _job_id, uploads, {"engine": engine, **params})


def job(job_id: str) -> ApiCall[JobInfo]:
    return ApiCall("GET", job_path(job_id), lambda r: JobInfo.from_json(json_body(r)))


def job_result(job_id: str) -> ApiCall[dict[str, Any] | bytes]:
    return ApiCall("GET", job_path(job_id, "/result"), json_or_bytes)


def cancel_job(job_id: str) -> ApiCall[JobInfo]:
    return ApiCall("DELETE", job_path(job_id), lambda r: JobInfo.from_json(json_body(r)))


def chaos(params: Mapping[str, object]) -> ApiCall[dict[str, Any]]:
    return ApiCall("POST", "/v1/chaos", json_body, json=dict(params))
