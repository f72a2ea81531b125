"""Engine routes, generated from the engine registry (built-ins and plug-ins alike).

Every served engine E answers `POST /v1/E`, and `POST /v1/E/batch` where its
spec asks for it: one job per file (`batch`) or one job of named files
(`joint_files`, the two sides of an ID card).  The handlers only shape
requests and answers; `engine_calls` does guards, admission and dispatch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from docwarden.api.context import ServiceContext, get_ctx
from docwarden.api.engine_calls import (
    TIMEOUT_PARAM,
    build_payload,
    parse_timeout,
    run_engine,
    validate_params,
)
from docwarden.api.openapi_docs import engine_operation
from docwarden.api.uploads import Upload, read_upload
from docwarden.engines.registry import engine_specs
from docwarden.engines.spec import EngineSpec
from docwarden.errors import DocwardenError, InvalidInput
from docwarden.jobdata import BinaryResult, JobOutcome, JobPayload

Handler = Callable[[Request], Awaitable[Response]]
BATCH_FIELD = "files"


def render(outcome: JobOutcome, extra: dict[str, Any] | None = None) -> Response:
    """JSON results get timing and worker fields; binary results carry them as headers."""
    if isinstance(outcome.result, BinaryResult):
        headers = {f"X-Docwarden-{k.replace('_', '-').title()}": str(v)
                   for k, v in outcome.result.meta.items()}
        headers["X-Docwarden-Processing-Time-S"] = f"{outcome.duration_s:.4f}"
        headers["X-Docwarden-Worker-Pid"] = str(outcome.worker_pid)
        return Response(outcome.result.data, media_type=outcome.result.media_type,
                        headers=headers)
    return JSONResponse(result_body(outcome, extra))


def result_body(outcome: JobOutcome, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    assert isinstance(outcome.result, dict)
    return {**outcome.result, "processing_time_s": round(outcome.duration_s, 4),
            "worker_pid": outcome.worker_pid, **(extra or {})}


def single_files(spec: EngineSpec, upload: Upload) -> dict[str, bytes]:
    """The one main input an engine's job reads (none for a parameters-only engine)."""
    if not spec.takes_file:
        if upload.files:
            raise InvalidInput(f"{spec.name} takes no file, only parameters")
        return {}
    extra = set(upload.files) - {"file"}
    if extra:
        raise InvalidInput(f"unexpected file field(s) for {spec.name}: "
                           f"{', '.join(sorted(extra))}; send the input as 'file'")
    return {"file": upload.one("file")}


def joint_files(spec: EngineSpec, upload: Upload) -> dict[str, bytes]:
    """One job's named files (e.g. front and back): at least one, each at most once."""
    unknown = set(upload.files) - set(spec.joint_files)
    if unknown or not upload.files:
        raise InvalidInput(f"send one or more of the file fields {', '.join(spec.joint_files)}")
    return {name: upload.one(name) for name in spec.joint_files if name in upload.files}


async def _read(request: Request) -> tuple[ServiceContext, Upload, float | None]:
    ctx = get_ctx(request)
    upload = await read_upload(request, ctx.settings)
    return ctx, upload, parse_timeout(ctx, upload.params.pop(TIMEOUT_PARAM, None))


def single_handler(spec: EngineSpec) -> Handler:
    async def handler(request: Request) -> Response:
        ctx, upload, timeout_s = await _read(request)
        payload = build_payload(ctx, spec, single_files(spec, upload), upload.params)
        return render(await run_engine(ctx, spec.name, payload, timeout_s))

    handler.__name__ = f"run_{spec.name}"
    return handler


def joint_handler(spec: EngineSpec) -> Handler:
    async def handler(request: Request) -> Response:
        ctx, upload, timeout_s = await _read(request)
        payload = build_payload(ctx, spec, joint_files(spec, upload), upload.params)
        return render(await run_engine(ctx, spec.name, payload, timeout_s))

    handler.__name__ = f"run_{spec.name}_joint"
    return handler


def items_handler(spec: EngineSpec) -> Handler:
    async def handler(request: Request) -> Response:
        ctx, upload, timeout_s = await _read(request)
        items = batch_items(ctx, spec, upload)
        ctx.admission.check_capacity(spec.name)  # not ready / no headroom: the whole batch
        results = await asyncio.gather(*(_one_item(ctx, spec, item, timeout_s)
                                         for item in items))
        return JSONResponse({"results": list(results)})

    handler.__name__ = f"run_{spec.name}_batch"
    return handler


def batch_items(ctx: ServiceContext, spec: EngineSpec,
                upload: Upload) -> list[JobPayload | DocwardenError]:
    """One payload per file; a bad file becomes its own error, the batch goes on."""
    unknown = set(upload.files) - {BATCH_FIELD, "file"}
    if unknown:
        raise InvalidInput(f"unexpected file field(s): {', '.join(sorted(unknown))}")
    files = upload.files.get(BATCH_FIELD, []) + upload.files.get("file", [])
    if not files or not all(files):
        raise InvalidInput(f"send one or more non-empty files in the field {BATCH_FIELD!r}")
    ctx.admission.check_batch_size(spec.name, len(files))
    validate_params(spec, upload.params)  # shared by every item: a bad one fails the batch
    items: list[JobPayload | DocwardenError] = []
    for data in files:
        try:
            items.append(build_payload(ctx, spec, {"file": data}, upload.params))
        except DocwardenError as error:
            items.append(error)
    return items


async def _one_item(ctx: ServiceContext, spec: EngineSpec, item: JobPayload | DocwardenError,
                    timeout_s: float | None) -> dict[str, Any]:
    if isinstance(item, DocwardenError):
        return {"error": item.to_dict()}
    try:
        outcome = await run_engine(ctx, spec.name, item, timeout_s)
    except DocwardenError as error:
        return {"error": error.to_dict()}
    return result_body(outcome)


def engine_router(served: list[str], max_job_timeout_s: float, max_batch: int) -> APIRouter:
    """Routes for every served engine, documented from its spec."""
    router = APIRouter(tags=["engines"])
    specs = engine_specs()
    for name in served:
        spec = specs.get(name)
        if spec is None:
            continue  # an unknown name fails the pool's load, with a clear error there
        router.add_api_route(f"/v1/{name}", single_handler(spec), methods=["POST"],
                             **engine_operation(spec, "single", max_job_timeout_s, max_batch))
        if spec.joint_files:
            router.add_api_route(f"/v1/{name}/batch", joint_handler(spec), methods=["POST"],
                                 **engine_operation(spec, "joint", max_job_timeout_s, max_batch))
        elif spec.batch:
            router.add_api_route(f"/v1/{name}/batch", items_handler(spec), methods=["POST"],
                                 **engine_operation(spec, "items", max_job_timeout_s, max_batch))
    return router
