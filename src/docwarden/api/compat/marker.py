"""The Marker PDF service's routes (zhuyinghua6961/LiFeO4Agent, marker_service/server.py).

`POST /api/convert_pdf` and `POST /api/batch_convert` answer
`{success, markdown, metadata}` as that Flask server did, over docwarden's
`pdf` engine; its `/health` is docwarden's own.  Wire format and status codes:
docs/compat.md.  Errors keep upstream's shape
(`{"success": false, "error", "error_detail"}`) and add docwarden's code
(`error_code`, `retryable`); failures upstream answered 500 (a corrupt or
unreadable PDF) still answer 500, governance refusals upstream never had keep
docwarden's status (413, 429, 503, 504 ...) and `Retry-After`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from docwarden.api.compat.wire import (
    ERROR_RESPONSES,
    FILE_PART,
    FILE_PARTS,
    TEXT_PART,
    Form,
    NamedFile,
    form_body,
    read_form,
)
from docwarden.api.context import ServiceContext, get_ctx
from docwarden.api.engine_calls import build_payload, parse_timeout, run_engine, served_spec
from docwarden.errors import DocwardenError, ErrorCode, InvalidInput, http_status

router = APIRouter(tags=["compatibility: marker"], responses=ERROR_RESPONSES)
REQUIRED_ENGINE = "pdf"
DEFAULT_LANGS = "en,zh"
# Upstream's own words for the failures its clients print ("转换失败: <error>").
NO_FILE = "缺少PDF文件"
EMPTY_NAME = "文件名为空"
EMPTY_LIST = "文件列表为空"
BAD_PDF = "PDF文件格式错误或已损坏"
UNKNOWN = "未知错误"
# What upstream answered with a 500 (its converter raised): still a 500 here.
CONVERSION_FAILURES = frozenset({ErrorCode.INVALID_INPUT, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                                 ErrorCode.POISON_INPUT, ErrorCode.INTERNAL_ERROR})
# Fields of docwarden's pdf engine a Marker client may add (all optional).
PASSTHROUGH = ("password", "pages", "page_separators", "dpi")
FIELDS = {name: TEXT_PART for name in ("langs", "batch_multiplier", "max_pages", "timeout_s",
                                       *PASSTHROUGH)}


class MarkerRequestError(Exception):
    """A request upstream refused with 400 before converting anything."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _int_field(fields: dict[str, str], name: str, default: int | None) -> int | None:
    raw = fields.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise MarkerRequestError(f"{name} must be an integer, not {raw[:32]!r}") from None


def pdf_params(fields: dict[str, str]) -> dict[str, Any]:
    """The engine parameters of a Marker request; `langs`, `batch_multiplier` are accepted
    (the engine reads Chinese and English without being told), `max_pages` is honoured."""
    _int_field(fields, "batch_multiplier", 2)
    max_pages = _int_field(fields, "max_pages", None)
    if max_pages is not None and max_pages < 1:
        raise MarkerRequestError("max_pages must be at least 1")
    params: dict[str, Any] = {k: fields[k] for k in PASSTHROUGH if k in fields}
    if max_pages is not None and "pages" not in params:
        params["pages"] = f"1-{max_pages}"
    return params


async def read_request(request: Request, ctx: ServiceContext) -> tuple[
        Form, dict[str, Any], float | None]:
    """The form, the engine parameters and the deadline; a malformed form or field is
    the 400 upstream answered for a bad request (not its 500 for a bad PDF)."""
    try:
        form = await read_form(request, ctx.settings)
        return form, pdf_params(form.fields), parse_timeout(ctx, form.fields.get("timeout_s"))
    except InvalidInput as error:
        raise MarkerRequestError(error.message) from None


def failure(error: DocwardenError) -> dict[str, Any]:
    """Upstream's failure fields, with docwarden's code beside them."""
    if error.code is ErrorCode.INTERNAL_ERROR:
        label = UNKNOWN
    elif error.code in CONVERSION_FAILURES:
        label = BAD_PDF
    else:
        label = error.message
    return {"success": False, "error": label, "error_detail": error.message,
            "error_code": error.code.value, "retryable": error.retryable}


def error_response(error: DocwardenError, started: float) -> JSONResponse:
    status = 500 if error.code in CONVERSION_FAILURES else http_status(error)
    headers = {}
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, round(error.retry_after_s)))
    body = {**failure(error), "processing_time": time.monotonic() - started}
    return JSONResponse(body, status_code=status, headers=headers)


def request_error(message: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": message, "error_code": "invalid_input",
                         "retryable": False}, status_code=400)


def conversion_count(ctx: ServiceContext) -> int:
    """Jobs done by the pools, as docwarden's /health counts `conversion_count`."""
    return sum(pool.jobs_done for pool in ctx.supervisor.pools.values())


async def convert(ctx: ServiceContext, file: NamedFile, params: dict[str, Any],
                  timeout_s: float | None) -> tuple[dict[str, Any], float, int]:
    """Run the pdf engine on one file: (result, seconds, worker pid); raises DocwardenError.

    `max_pages` beyond the document's end converts the whole document, as Marker did:
    the engine refuses an out-of-bounds range before any work, then runs unbounded.
    """
    spec = served_spec(ctx, "pdf")
    payload = build_payload(ctx, spec, {"file": file.data}, params)
    try:
        outcome = await run_engine(ctx, "pdf", payload, timeout_s)
    except InvalidInput as error:
        if "pages" not in params or "out of bounds" not in error.message:
            raise
        rest = {k: v for k, v in params.items() if k != "pages"}
        outcome = await run_engine(ctx, "pdf", build_payload(ctx, spec, {"file": file.data},
                                                             rest), timeout_s)
    assert isinstance(outcome.result, dict)
    return outcome.result, outcome.duration_s, outcome.worker_pid


def metadata(result: dict[str, Any], seconds: float, pid: int) -> dict[str, Any]:
    return {"pages": len(result.get("pages", [])), "processing_time": seconds,
            "warnings": result.get("warnings", []), "worker_pid": pid}


@router.post("/api/convert_pdf", summary="Marker: convert one PDF (multipart `file`)",
             openapi_extra=form_body({"file": FILE_PART, **FIELDS}, ("file",)))
async def convert_pdf(request: Request) -> JSONResponse:
    started = time.monotonic()
    ctx = get_ctx(request)
    try:
        form, params, timeout_s = await read_request(request, ctx)
        files = form.files.get("file") or []
        if not files:
            return request_error(NO_FILE)
        if not files[0].filename:
            return request_error(EMPTY_NAME)
        result, _seconds, pid = await convert(ctx, files[0], params, timeout_s)
    except MarkerRequestError as error:
        return request_error(error.message)
    except DocwardenError as error:
        return error_response(error, started)
    meta = {**metadata(result, time.monotonic() - started, pid), "filename": files[0].filename,
            "conversion_count": conversion_count(ctx)}
    return JSONResponse({"success": True, "markdown": result.get("markdown", ""),
                         "metadata": meta})


async def _batch_item(ctx: ServiceContext, file: NamedFile, params: dict[str, Any],
                      timeout_s: float | None) -> dict[str, Any]:
    """One file's entry: a failure here is this file's alone."""
    try:
        result, seconds, pid = await convert(ctx, file, params, timeout_s)
    except DocwardenError as error:
        return {"filename": file.filename, **failure(error)}
    return {"filename": file.filename, "success": True, "markdown": result.get("markdown", ""),
            "metadata": metadata(result, seconds, pid)}


@router.post("/api/batch_convert", summary="Marker: convert several PDFs (multipart `files`)",
             openapi_extra=form_body({"files": FILE_PARTS, **FIELDS}, ("files",)))
async def batch_convert(request: Request) -> JSONResponse:
    started = time.monotonic()
    ctx = get_ctx(request)
    try:
        form, params, timeout_s = await read_request(request, ctx)
        if "files" not in form.files:
            return request_error(NO_FILE)
        files = form.files["files"]
        served_spec(ctx, "pdf")
        ctx.admission.check_batch_size("pdf", len(files))
    except MarkerRequestError as error:
        return request_error(error.message)
    except DocwardenError as error:
        return error_response(error, started)
    if not files:
        return request_error(EMPTY_LIST)
    results = list(await asyncio.gather(*(_batch_item(ctx, f, params, timeout_s)
                                          for f in files)))
    succeeded = sum(1 for item in results if item["success"])
    return JSONResponse({
        "success": True, "total": len(files), "succeeded": succeeded,
        "failed": len(files) - succeeded, "results": results,
        "total_processing_time": time.monotonic() - started,
        "total_conversion_count": conversion_count(ctx),
    })
