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
from docwarden.jobdata import JobPayload
from docwarden.jobs.models import JobRecord, ResultKind
from docwarden.jobs.runner import JobRunner


def job_body(served: list[str]) -> dict[str, Any]:
    """The submit body: the engine's own fields (see its /v1/<engine> route) plus `engine`."""
    engine = {"type": "string", "enum": list(served)}
    form = {"type": "object", "required": ["engine"],
            "properties": {"engine": engine,
                           "file": {"type": "string", "format": "binary", "minLength": 1},
                           "timeout_s": {"type": "number", "minimum": 1}}}
    json_body = {"type": "object", "required": ["engine"], "additionalProperties": False,
                 "properties": {"engine": engine, "input": {"type": "object"}}}
    return {"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": form}, "application/json": {"schema": json_body}}}}


STATUS_ERRORS = error_responses(401, 404, 405, 422, 500)
RESULT_ERRORS = error_responses(401, 404, 405, 409, 422, 500)


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


async def submit(request: Request) -> JSONResponse:
    ctx = get_ctx(request)
    engine, upload = await _read_job_request(request, ctx)
    spec = served_spec(ctx, engine)
    timeout_s = parse_timeout(ctx, upload.params.pop(TIMEOUT_PARAM, None))
    record = await submit_job(ctx, spec.name, job_payload(ctx, spec, upload), timeout_s)
    return JSONResponse(_links(record), status_code=202,
                        headers={"Location": f"/v1/jobs/{record.id}"})


async def status(request: Request, job_id: str) -> dict[str, Any]:
    ctx = get_ctx(request)
    return _links(await asyncio.to_thread(_runner(ctx).store.get, job_id))


async def result(request: Request, job_id: str) -> Response:
    ctx = get_ctx(request)
    found = await asyncio.to_thread(_runner(ctx).store.result, job_id)
    if found.kind is ResultKind.BINARY:
        return Response(found.data or b"", media_type=found.media_type)
    return JSONResponse(found.json)


async def cancel(request: Request, job_id: str) -> dict[str, Any]:
    return _links(await _runner(get_ctx(request)).cancel(job_id))


def jobs_router(served: list[str]) -> APIRouter:
    router = APIRouter(tags=["jobs"])
    router.add_api_route("/v1/jobs", submit, methods=["POST"], status_code=202,
                         summary="Accept a job; it survives restarts",
                         openapi_extra=job_body(served), responses={
                             202: {"description": "accepted: poll status_url"},
                             **error_responses(*ENGINE_STATUSES)})
    path = "/v1/jobs/{job_id}"
    router.add_api_route(path, status, methods=["GET"], responses=STATUS_ERRORS,
                         summary="Status, progress and timestamps of a job")
    router.add_api_route(f"{path}/result", result, methods=["GET"], responses=RESULT_ERRORS,
                         summary="The result of a finished job")
    router.add_api_route(path, cancel, methods=["DELETE"], responses=RESULT_ERRORS,
                         summary="Cancel a queued or running job")
    return router
