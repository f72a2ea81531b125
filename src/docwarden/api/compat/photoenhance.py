"""PhotoEnhanceAI's task API (Rsers/PhotoEnhanceAI, api/main.py) over the async job store.

`POST /api/v1/enhance` stores an `enhance` job (x4, JPEG as upstream wrote)
and answers its `task_id`; `/api/v1/status/{id}` and `/api/v1/download/{id}`
read it back; the batch variants group jobs and download them as a ZIP.
Errors keep FastAPI's `{"detail": ...}` that upstream's clients read, plus
`error`/`message`/`retryable` (docwarden's code; the shape upstream's
API_REFERENCE documents).  `GET /` answers JSON to API clients and the
dashboard to browsers.  Reference: docs/compat.md.
"""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from docwarden import __version__
from docwarden.api import dashboard
from docwarden.api.compat.photoenhance_tasks import (
    WORDS,
    batch_status,
    enhanced_name,
    job_id_of,
    task_id,
    task_status,
    zip_names,
)
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
from docwarden.api.engine_calls import build_payload, parse_timeout, served_spec, submit_job
from docwarden.errors import DocwardenError, ErrorCode, NotFound, http_status
from docwarden.jobs.interface import JobStoreAPI, NotesAPI
from docwarden.jobs.models import JobRecord, JobStatus, new_job_id

REQUIRED_ENGINE = "enhance"
PROFILE = "photoenhance"
router = APIRouter(tags=["compatibility: photoenhance"], responses=ERROR_RESPONSES)
public_router = APIRouter(tags=["compatibility: photoenhance"])  # `/`, before the dashboard
TILE_RANGE = (256, 512)
DEFAULT_TILE = 400
# quality_level -> JPEG quality of the x4 result (upstream wrote JPEG, OUTPUT_QUALITY 95).
JPEG_QUALITY = {"high": 95, "medium": 90, "fast": 85}
UPSTREAM_MAX_BATCH = 20
FIELDS = {name: TEXT_PART for name in ("tile_size", "quality_level", "timeout_s")}
# Upstream's own statuses where docwarden's differ (FastAPI: 400 for a non-image).
STATUS_OVERRIDES = {ErrorCode.UNSUPPORTED_MEDIA_TYPE: 400}


class UpstreamError(Exception):
    """An HTTPException upstream raised with this status and detail."""

    def __init__(self, status: int, detail: str, code: ErrorCode = ErrorCode.INVALID_INPUT
                 ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code


def error_response(status: int, detail: str, code: str, retryable: bool = False,
                   retry_after_s: float | None = None) -> JSONResponse:
    headers = {} if retry_after_s is None else {"Retry-After": str(max(1, round(retry_after_s)))}
    return JSONResponse({"detail": detail, "error": code, "message": detail,
                         "retryable": retryable}, status_code=status, headers=headers)


def docwarden_error(error: DocwardenError) -> JSONResponse:
    status = STATUS_OVERRIDES.get(error.code, http_status(error))
    return error_response(status, error.message, error.code.value, error.retryable,
                          error.retry_after_s)


def upstream_error(error: UpstreamError) -> JSONResponse:
    return error_response(error.status, error.detail, error.code.value)


def enhance_params(request: Request, form: Form) -> dict[str, Any]:
    """tile_size and quality_level from the form or the query (upstream read the query;
    its pages sent a form), validated as upstream did (422); tile_size is accepted only:
    docwarden sizes tiles from the memory limits itself."""
    def field(name: str) -> str | None:
        return form.fields.get(name) or request.query_params.get(name)

    raw_tile = field("tile_size")
    try:
        tile = int(raw_tile) if raw_tile else DEFAULT_TILE
    except ValueError:
        raise UpstreamError(
            422, f"tile_size must be an integer, not {str(raw_tile)[:32]!r}") from None
    if not TILE_RANGE[0] <= tile <= TILE_RANGE[1]:
        raise UpstreamError(422, f"tile_size must be from {TILE_RANGE[0]} to {TILE_RANGE[1]}")
    quality = field("quality_level") or "high"
    if quality not in JPEG_QUALITY:
        raise UpstreamError(422, "quality_level must be fast, medium or high")
    return {"scale": 4, "format": "jpeg", "quality": JPEG_QUALITY[quality]}


async def _submit(ctx: ServiceContext, files: list[NamedFile], params: dict[str, Any],
                  timeout_s: float | None) -> list[JobRecord]:
    """Guard every file first (one refused file refuses the request, as upstream), then
    store one job each."""
    spec = served_spec(ctx, REQUIRED_ENGINE)
    payloads = [build_payload(ctx, spec, {"file": f.data}, params) for f in files]
    return [await submit_job(ctx, REQUIRED_ENGINE, p, timeout_s) for p in payloads]


async def _read(request: Request, field: str) -> tuple[ServiceContext, Form, list[NamedFile],
                                                        dict[str, Any], float | None]:
    ctx = get_ctx(request)
    form = await read_form(request, ctx.settings)
    files = form.files.get(field) or []
    if not files:
        raise UpstreamError(422, f"field required: {field} (multipart/form-data)")
    params = enhance_params(request, form)
    timeout_s = parse_timeout(ctx, form.fields.get("timeout_s")
                              or request.query_params.get("timeout_s"))
    return ctx, form, files, params, timeout_s


@router.post("/api/v1/enhance", summary="PhotoEnhanceAI: queue one image (x4); answers task_id",
             openapi_extra=form_body({"file": FILE_PART, **FIELDS}, ("file",)))
async def enhance(request: Request) -> JSONResponse:
    try:
        ctx, _form, files, params, timeout_s = await _read(request, "file")
        [record] = await _submit(ctx, files[:1], params, timeout_s)
        await asyncio.to_thread(_store(ctx).notes(PROFILE).save, "task", record.id,
                                {"filename": files[0].filename})
    except UpstreamError as error:
        return upstream_error(error)
    except DocwardenError as error:
        return docwarden_error(error)
    return JSONResponse({"task_id": task_id(record.id), "status": "queued",
                         "message": "任务排队中", "created_at": record.created_at})


def _store(ctx: ServiceContext) -> JobStoreAPI:
    if ctx.job_runner is None:
        raise UpstreamError(503, "the async job runner is not running", ErrorCode.NOT_READY)
    return ctx.job_runner.store


def _task_record(ctx: ServiceContext, task: str) -> JobRecord:
    """The enhance job a task id names; upstream's 404 otherwise (also for other engines)."""
    job_id = job_id_of(task)
    if job_id is None:
        raise UpstreamError(404, "Task not found", ErrorCode.NOT_FOUND)
    try:
        record = _store(ctx).get(job_id)
    except NotFound:
        raise UpstreamError(404, "Task not found", ErrorCode.NOT_FOUND) from None
    if record.engine != REQUIRED_ENGINE:
        raise UpstreamError(404, "Task not found", ErrorCode.NOT_FOUND)
    return record


@router.get("/api/v1/status/{task}", summary="PhotoEnhanceAI: a task's status and 0-1 progress")
async def status(request: Request, task: str) -> JSONResponse:
    try:
        record = await asyncio.to_thread(_task_record, get_ctx(request), task)
    except UpstreamError as error:
        return upstream_error(error)
    return JSONResponse(task_status(record))


def _download(ctx: ServiceContext, task: str) -> Response:
    record = _task_record(ctx, task)
    if record.status is not JobStatus.DONE:
        raise UpstreamError(400, f"Task not completed. Current status: {WORDS[record.status]}",
                            ErrorCode.CONFLICT)
    result = _store(ctx).result(record.id)
    note = _store(ctx).notes(PROFILE).load("task", record.id) or {}
    name = enhanced_name(str(note.get("filename", "")))
    return Response(result.data or b"", media_type=result.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{_ascii(name)}"'})


def _ascii(name: str) -> str:
    """A header-safe file name (non-ASCII and quotes replaced)."""
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                   for c in name)


@router.get("/api/v1/download/{task}", summary="PhotoEnhanceAI: the x4 image of a task")
async def download(request: Request, task: str) -> Response:
    try:
        return await asyncio.to_thread(_download, get_ctx(request), task)
    except UpstreamError as error:
        return upstream_error(error)


@router.post("/api/v1/enhance/batch", summary="PhotoEnhanceAI: queue several images",
             openapi_extra=form_body({"files": FILE_PARTS, **FIELDS}, ("files",)))
async def enhance_batch(request: Request) -> JSONResponse:
    try:
        ctx, _form, files, params, timeout_s = await _read(request, "files")
        if len(files) > UPSTREAM_MAX_BATCH:
            raise UpstreamError(400, f"最多支持{UPSTREAM_MAX_BATCH}张图片")
        ctx.admission.check_batch_size(REQUIRED_ENGINE, len(files))
        records = await _submit(ctx, files, params, timeout_s)
        batch_id, created = new_job_id(), time.time()
        note = {"tasks": [r.id for r in records], "filenames": [f.filename for f in files],
                "created_at": created}
        await asyncio.to_thread(_save_batch_notes, _store(ctx).notes(PROFILE), batch_id,
                                note)
    except UpstreamError as error:
        return upstream_error(error)
    except DocwardenError as error:
        return docwarden_error(error)
    return JSONResponse({
        "batch_task_id": task_id(batch_id), "task_count": len(records),
        "total_files": len(records), "status": "queued",
        "message": f"批量任务已创建，共{len(records)}张图片", "created_at": created,
        "sub_tasks": [task_id(r.id) for r in records],
    })


def _save_batch_notes(notes: NotesAPI, batch_id: str, note: dict[str, Any]) -> None:
    """The batch's members, and each member's file name: a sub task downloads as itself."""
    for job_id, filename in zip(note["tasks"], note["filenames"], strict=True):
        notes.save("task", job_id, {"filename": filename})
    notes.save("batch", batch_id, note)


def _batch(ctx: ServiceContext, batch: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(note, status) of a batch; upstream's 404 for an unknown id."""
    batch_id = job_id_of(batch)
    note = _store(ctx).notes(PROFILE).load("batch", batch_id) if batch_id else None
    if note is None or batch_id is None:
        raise UpstreamError(404, "批量任务不存在", ErrorCode.NOT_FOUND)
    store = _store(ctx)
    records: list[JobRecord | None] = []
    for job_id in note["tasks"]:
        try:
            records.append(store.get(job_id))
        except NotFound:
            records.append(None)
    return note, batch_status(batch_id, note, records)


@router.get("/api/v1/batch/status/{batch}", summary="PhotoEnhanceAI: a batch's status")
async def batch_status_route(request: Request, batch: str) -> JSONResponse:
    try:
        _note, body = await asyncio.to_thread(_batch, get_ctx(request), batch)
    except UpstreamError as error:
        return upstream_error(error)
    return JSONResponse(body)


def _batch_zip(ctx: ServiceContext, batch: str) -> Response:
    note, body = _batch(ctx, batch)
    if body["status"] not in ("completed", "partial_completed"):
        raise UpstreamError(400, "批量任务未完成", ErrorCode.CONFLICT)
    buffer = io.BytesIO()
    store = _store(ctx)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for job_id, name, sub in zip(note["tasks"], zip_names(note["filenames"]),
                                     body["sub_tasks"], strict=True):
            if sub["status"] == "completed":
                archive.writestr(name, store.result(job_id).data or b"")
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="batch_results_{body["batch_task_id"]}.zip"'})


@router.get("/api/v1/batch/download/{batch}", summary="PhotoEnhanceAI: a batch's images (ZIP)")
async def batch_download(request: Request, batch: str) -> Response:
    try:
        return await asyncio.to_thread(_batch_zip, get_ctx(request), batch)
    except UpstreamError as error:
        return upstream_error(error)
    except DocwardenError as error:
        return docwarden_error(error)


def prefers_html(accept: str) -> bool:
    """Whether the Accept header ranks text/html above JSON (browsers do; httpx, requests
    and fetch() send */*, which ranks them equal: those get JSON)."""
    html = json = 0.0
    for part in accept.split(","):
        media, _, options = part.strip().partition(";")
        q = 1.0
        for option in options.split(";"):
            key, _, value = option.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        if media in ("text/html", "application/xhtml+xml"):
            html = max(html, q)
        elif media == "application/json":
            json = max(json, q)
        elif media in ("*/*", "text/*"):
            html = max(html, q)
            json = max(json, q) if media == "*/*" else json
    return html > json


ROOT = {
    "service": "docwarden (PhotoEnhanceAI compatibility profile)",
    "version": __version__,
    "status": "running",
    "description": "x4 image enhancement (Real-ESRGAN) on governed workers, async tasks",
    "features": {"super_resolution": "Real-ESRGAN x4",
                 "face_restoration": "face_restore=true with DOCWARDEN_FACE_MODEL_PATH"},
    "endpoints": {"docs": "/docs", "health": "/health", "enhance": "/api/v1/enhance",
                  "status": "/api/v1/status/{task_id}",
                  "download": "/api/v1/download/{task_id}",
                  "batch": "/api/v1/enhance/batch", "dashboard": "/"},
}


@public_router.get("/", include_in_schema=False)
async def root(request: Request) -> Response:
    """Content negotiation: browsers get the dashboard, API clients upstream's JSON."""
    if prefers_html(request.headers.get("accept", "")):
        page = await dashboard.index()
        page.headers["Vary"] = "Accept"
        return page
    return JSONResponse(ROOT, headers={"Vary": "Accept"})

