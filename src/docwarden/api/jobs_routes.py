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
from docwarden.api.engine_calls import (
    TIMEOUT_PARAM,
    build_payload,
    parse_timeout,
    served_spec,
    submit_job,
)
from docwarden.api.engine_routes import joint_files, single_files
from docwarden.api.openapi_docs import ENGINE_STATUSES, error_responses
from docwarden.api.uploads import Upload, read_upload, upload_from_json
from docwarden.engines.spec import EngineSpec
from docwarden.errors import InvalidInput, NotReady
from docwarden.jobs.models import JobRecord, ResultKind
from docwarden.jobs.runner import JobRunner
from docwarden.worker.protocol import JobPayload

router = APIRouter(tags=["jobs"])
JOB_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["engine"],
        "properties": {"engine": {"type": "string"}, "file": {"type": "string", "format": "binary"},
                       "timeout_s": {"type": "number", "minimum": 1}},
        "additionalProperties": {"type": "string"}}},
    "application/json": {"schema": {
        "type": "object", "required": ["engine"], "additionalProperties": False,
        "properties": {"engine": {"type": "string"}, "input": {"type": "object"}}}},
}}}
STATUS_ERRORS = error_responses(401, 404, 422, 500)


def _runner(ctx: ServiceContext) -> JobRunner:
    if ctx.job_runner is None:
        raise NotReady("the async job runner is not running", retry_after_s=5)
    return ctx.job_runner


def _json_upload(body: dict[str, Any], limit_bytes: int) -> tuple[object, Upload]:
    unknown = set(body) - {"engine", "input"}
    job_input = body.get("input", {})
    if unknown or not isinstance(job_input, dict):
        raise InvalidInput('send {"engine": "...", "input": {...}}')
    return body.get("engine"), upload_from_json(job_input, limit_bytes)


async def _read_job_request(request: Request, ctx: ServiceContext) -> tuple[object, Upload]:
    upload = await read_upload(request, ctx.settings)
    if request.headers.get("content-type", "").lower().startswith("application/json"):
        return _json_upload(upload.params, ctx.settings.max_upload_bytes)
    engine = upload.params.pop("engine", None)
    if engine is None:
        raise InvalidInput("send the engine name in the field 'engine'")
    return engine, upload


def job_payload(ctx: ServiceContext, spec: EngineSpec, upload: Upload) -> JobPayload:
    """The same inputs as the engine's routes: its main file, or its joint files."""
    joint = spec.joint_files and set(upload.files) & set(spec.joint_files)
    files = joint_files(spec, upload) if joint else single_files(spec, upload)
    return build_payload(ctx, spec, files, upload.params)


def _links(record: JobRecord) -> dict[str, Any]:
    return {**record.to_dict(), "status_url": f"/v1/jobs/{record.id}",
            "result_url": f"/v1/jobs/{record.id}/result"}


@router.post("/v1/jobs", status_code=202, summary="Accept a job; it survives restarts",
             openapi_extra=JOB_BODY, responses={
                 202: {"description": "accepted: poll status_url"},
                 **error_responses(*ENGINE_STATUSES)})
async def submit(request: Request) -> JSONResponse:
    ctx = get_ctx(request)
    engine, upload = await _read_job_request(request, ctx)
    spec = served_spec(ctx, engine)
    timeout_s = parse_timeout(ctx, upload.params.pop(TIMEOUT_PARAM, None))
    record = await submit_job(ctx, spec.name, job_payload(ctx, spec, upload), timeout_s)
    return JSONResponse(_links(record), status_code=202,
                        headers={"Location": f"/v1/jobs/{record.id}"})


@router.get("/v1/jobs/{job_id}", summary="Status, progress and timestamps of a job",
            responses=STATUS_ERRORS)
async def status(request: Request, job_id: str) -> dict[str, Any]:
    ctx = get_ctx(request)
    return _links(await asyncio.to_thread(_runner(ctx).store.get, job_id))


@router.get("/v1/jobs/{job_id}/result", summary="The result of a finished job",
            responses=error_responses(401, 404, 409, 422, 500))
async def result(request: Request, job_id: str) -> Response:
    ctx = get_ctx(request)
    found = await asyncio.to_thread(_runner(ctx).store.result, job_id)
    if found.kind is ResultKind.BINARY:
        return Response(found.data or b"", media_type=found.media_type)
    return JSONResponse(found.json)


@router.delete("/v1/jobs/{job_id}", summary="Cancel a queued or running job",
               responses=error_responses(401, 404, 409, 422, 500))
async def cancel(request: Request, job_id: str) -> dict[str, Any]:
    return _links(await _runner(get_ctx(request)).cancel(job_id))
