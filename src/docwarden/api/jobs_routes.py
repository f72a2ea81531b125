"""Async jobs: accepted into SQLite at once (202), run by the job runner.

The inputs pass the same guards as the synchronous routes; a job accepted
here survives a server restart and is never lost.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from docwarden.api.context import ServiceContext, get_ctx
from docwarden.api.engine_routes import ROUTES, EngineRoute, build_payload, timeout_of
from docwarden.api.uploads import Upload, decode_base64, read_upload
from docwarden.errors import InvalidInput, NotReady
from docwarden.jobs.models import JobRecord, ResultKind
from docwarden.jobs.runner import JobRunner

router = APIRouter(tags=["jobs"])


def _runner(ctx: ServiceContext) -> JobRunner:
    if ctx.job_runner is None:
        raise NotReady("the async job runner is not running")
    return ctx.job_runner


def _route_for(engine: str, upload: Upload) -> EngineRoute:
    """The synchronous route whose inputs this job carries (idcard: one side or both)."""
    candidates = [r for r in ROUTES if r.engine == engine]
    if not candidates:
        raise InvalidInput(f"unknown engine {engine!r}")
    both_sides = {"front", "back"} & set(upload.files)
    return next((r for r in candidates if both_sides and set(r.file_fields) >= both_sides),
                candidates[0])


def _json_upload(body: dict[str, Any], limit_bytes: int) -> tuple[str, Upload]:
    engine, job_input = body.get("engine"), body.get("input", {})
    if not isinstance(engine, str) or not isinstance(job_input, dict):
        raise InvalidInput('send {"engine": "...", "input": {...}}')
    upload = Upload()
    for key, value in job_input.items():
        if key.endswith("_base64"):
            name = key.removesuffix("_base64")
            name = "file" if name in ("image", "file", "pdf") else name
            upload.files.setdefault(name, []).append(decode_base64(key, value, limit_bytes))
        else:
            upload.params[key] = value
    return engine, upload


async def _read_job_request(request: Request, ctx: ServiceContext) -> tuple[str, Upload]:
    upload = await read_upload(request, ctx.settings)
    if request.headers.get("content-type", "").lower().startswith("application/json"):
        return _json_upload(upload.params, ctx.settings.max_upload_bytes)
    engine = upload.params.pop("engine", None)
    if not isinstance(engine, str):
        raise InvalidInput("send the engine name in the field 'engine'")
    return engine, upload


def _links(record: JobRecord) -> dict[str, Any]:
    return {**record.to_dict(), "status_url": f"/v1/jobs/{record.id}",
            "result_url": f"/v1/jobs/{record.id}/result"}


@router.post("/v1/jobs", status_code=202, summary="Accept a job; it survives restarts")
async def submit(request: Request) -> JSONResponse:
    ctx = get_ctx(request)
    engine, upload = await _read_job_request(request, ctx)
    if engine not in ctx.settings.served_engines:
        raise InvalidInput(f"engine {engine!r} is not served here "
                           f"(served: {', '.join(ctx.settings.served_engines)})")
    payload = build_payload(ctx, _route_for(engine, upload), upload)
    record = await _runner(ctx).submit(engine, payload, timeout_s=timeout_of(upload))
    return JSONResponse(_links(record), status_code=202,
                        headers={"Location": f"/v1/jobs/{record.id}"})


@router.get("/v1/jobs/{job_id}", summary="Status, progress and timestamps of a job")
async def status(request: Request, job_id: str) -> dict[str, Any]:
    ctx = get_ctx(request)
    return _links(await asyncio.to_thread(_runner(ctx).store.get, job_id))


@router.get("/v1/jobs/{job_id}/result", summary="The result of a finished job")
async def result(request: Request, job_id: str) -> Response:
    ctx = get_ctx(request)
    found = await asyncio.to_thread(_runner(ctx).store.result, job_id)
    if found.kind is ResultKind.BINARY:
        return Response(found.data or b"", media_type=found.media_type)
    return JSONResponse(found.json)


@router.delete("/v1/jobs/{job_id}", summary="Cancel a queued or running job")
async def cancel(request: Request, job_id: str) -> dict[str, Any]:
    return _links(await _runner(get_ctx(request)).cancel(job_id))
