"""The DeepSeek-OCR server's routes (ch-neural/deepseek-ocr-api) over the OCR engine.

`POST /ocr` (multipart `file`, optional `prompt`) answers `text`, `image_path`,
`prompt`, `processing_time`, `gpu_info_before`, `gpu_info_after`; `POST
/ocr/batch` (`files`) answers `{results, total}` with failed items in place.
Errors are `{"error": "<message>"}` as that server answered them, with
docwarden's code in `error_code`.  docs/compat.md is the reference.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from docwarden.api import engine_calls
from docwarden.api.compat.wire import (
    ERROR_RESPONSES,
    FILE_PART,
    FILE_PARTS,
    TEXT_PART,
    Form,
    NamedFile,
    as_docwarden_error,
    form_body,
    gpu_reading,
    profile_route_class,
    read_form,
    retry_headers,
)
from docwarden.api.context import ServiceContext, get_ctx
from docwarden.errors import DocwardenError, ErrorCode, InputTooLarge
from docwarden.jobdata import JobOutcome

REQUIRED_ENGINE = "ocr"
DEFAULT_PROMPT = "<image>\nFree OCR."
NO_FILE_PART = "請求中沒有檔案部分"
NO_FILE_SELECTED = "未選擇檔案"
NO_VALID_FILE = "沒有有效的圖片檔案"
# docwarden's error -> the status that server answered in the same situation.
STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_INPUT: 400, ErrorCode.UNSUPPORTED_MEDIA_TYPE: 400,
    ErrorCode.POISON_INPUT: 400, ErrorCode.INPUT_TOO_LARGE: 413,
    ErrorCode.GPU_MEMORY: 500, ErrorCode.JOB_TIMEOUT: 500, ErrorCode.WORKER_CRASHED: 500,
    ErrorCode.INTERNAL_ERROR: 500,
    # Refusals that server never made (it had no queue bound): docwarden's own status.
    ErrorCode.OVERLOADED: 429, ErrorCode.INSUFFICIENT_MEMORY: 503, ErrorCode.NOT_READY: 503,
    ErrorCode.UNAUTHORIZED: 401, ErrorCode.NOT_FOUND: 404, ErrorCode.CONFLICT: 409,
}


class MissingFile(DocwardenError):
    """A request without the file the server expects: its 400, in its words."""

    code = ErrorCode.INVALID_INPUT


def error_body(error: DocwardenError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error.message, "error_code": error.code.value,
                            "retryable": error.retryable}
    body.update({k: v for k, v in error.details.items() if k not in body})
    return body


def render_error(request: Request, exc: Exception) -> Response:
    error = as_docwarden_error(exc)
    return JSONResponse(error_body(error), status_code=STATUS.get(error.code, 500),
                        headers=retry_headers(error))


router = APIRouter(tags=["compatibility: deepseek"], responses=ERROR_RESPONSES,
                   route_class=profile_route_class(render_error))
FIELDS = {"prompt": TEXT_PART, engine_calls.TIMEOUT_PARAM: TEXT_PART}


async def run_one(ctx: ServiceContext, item: NamedFile, prompt: str,
                  timeout_s: float | None) -> dict[str, Any]:
    """One image through the governed OCR engine, answered as that server answered it."""
    spec = engine_calls.served_spec(ctx, REQUIRED_ENGINE)
    payload = engine_calls.build_payload(ctx, spec, {"file": item.data}, {})
    before = gpu_reading(ctx)
    outcome = await engine_calls.run_engine(ctx, REQUIRED_ENGINE, payload, timeout_s)
    return shape_result(outcome, item.filename, prompt, before, gpu_reading(ctx))


def shape_result(outcome: JobOutcome, filename: str, prompt: str, before: dict[str, Any],
                 after: dict[str, Any]) -> dict[str, Any]:
    """docwarden's OCR result plus that server's fields; the engine's GPU figures win."""
    result = outcome.result
    assert isinstance(result, dict)
    return {**result, "image_path": filename, "prompt": prompt,
            "processing_time": round(outcome.duration_s, 2),
            "processing_time_s": round(outcome.duration_s, 4), "worker_pid": outcome.worker_pid,
            "gpu_info_before": result.get("gpu_info_before") or before,
            "gpu_info_after": result.get("gpu_info_after") or after}


def options(ctx: ServiceContext, form: Form) -> tuple[str, float | None]:
    prompt = form.fields.get("prompt") or DEFAULT_PROMPT
    return prompt, engine_calls.parse_timeout(ctx, form.fields.get(engine_calls.TIMEOUT_PARAM))


@router.post("/ocr", summary="DeepSeek-OCR server: OCR one image (multipart `file`, `prompt`)",
             openapi_extra=form_body({"file": FILE_PART, **FIELDS}, ("file",)))
async def ocr(request: Request) -> Response:
    ctx = get_ctx(request)
    form = await read_form(request, ctx.settings)
    if "file" not in form.files:
        raise MissingFile(NO_FILE_PART)
    item = form.files["file"][0]
    if not item.filename:
        raise MissingFile(NO_FILE_SELECTED)
    prompt, timeout_s = options(ctx, form)
    return JSONResponse(await run_one(ctx, item, prompt, timeout_s))


@router.post("/ocr/batch", summary="DeepSeek-OCR server: OCR several images (`files`)",
             openapi_extra=form_body({"files": FILE_PARTS, **FIELDS}, ("files",)))
async def ocr_batch(request: Request) -> dict[str, Any]:
    ctx = get_ctx(request)
    form = await read_form(request, ctx.settings)
    if "files" not in form.files:
        raise MissingFile(NO_FILE_PART)
    items = [item for item in form.files["files"] if item.filename]
    if not items:
        raise MissingFile(NO_VALID_FILE)
    if len(items) > ctx.settings.max_batch:
        raise InputTooLarge(f"{len(items)} files is over the batch limit of "
                            f"{ctx.settings.max_batch} (DOCWARDEN_MAX_BATCH)")
    prompt, timeout_s = options(ctx, form)

    async def one(item: NamedFile) -> dict[str, Any]:
        try:
            return await run_one(ctx, item, prompt, timeout_s)
        except DocwardenError as error:
            return {**error_body(error), "image_path": item.filename}

    results = list(await asyncio.gather(*(one(item) for item in items)))
    return {"results": results, "total": len(results)}
