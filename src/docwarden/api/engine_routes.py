"""Synchronous engine routes, declared in one table.

Adding an engine route is one `EngineRoute(...)` entry: the shared handler
reads the upload, runs admission, dispatches, and shapes the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from docwarden.admission import IMAGES, PDF
from docwarden.api.context import ServiceContext, get_ctx
from docwarden.api.uploads import Upload, read_upload
from docwarden.engines.base import BinaryResult
from docwarden.errors import DocwardenError, InvalidInput
from docwarden.media import MediaType
from docwarden.supervisor.job import JobOutcome
from docwarden.worker.protocol import JobPayload

TIMEOUT_PARAM = "timeout_s"


@dataclass(frozen=True)
class EngineRoute:
    engine: str
    path: str
    summary: str
    accepts: frozenset[MediaType] = IMAGES
    params: tuple[str, ...] = ()
    file_fields: tuple[str, ...] = ("file",)  # empty: parameters only (chaos)


ROUTES: tuple[EngineRoute, ...] = (
    EngineRoute("ocr", "/v1/ocr", "Recognise text in an image"),
    EngineRoute("idcard", "/v1/idcard", "Read a Chinese resident ID card", params=("side",)),
    EngineRoute("idcard", "/v1/idcard/batch", "Read both sides of an ID card into one record",
                file_fields=("front", "back")),
    EngineRoute("pdf", "/v1/pdf", "Convert a PDF to Markdown", accepts=PDF,
                params=("password", "pages", "page_separators", "dpi")),
    EngineRoute("enhance", "/v1/enhance", "Upscale an image (Real-ESRGAN); answers image bytes",
                params=("scale", "model", "format", "quality")),
    EngineRoute("chaos", "/v1/chaos", "Test engine that misbehaves on request",
                accepts=frozenset(), params=("sleep_s", "leak_mb", "spike_mb", "crash", "hang",
                                             "echo"), file_fields=()),
)

MULTIPART_BODY = {
    "requestBody": {"content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}}},
        "application/json": {"schema": {"type": "object", "properties": {
            "image_base64": {"type": "string"}}}},
    }}
}


def build_payload(ctx: ServiceContext, route: EngineRoute, upload: Upload) -> JobPayload:
    """Guard every file, keep only the parameters this engine knows."""
    unknown = set(upload.params) - set(route.params) - {TIMEOUT_PARAM}
    if unknown:
        raise InvalidInput(f"unknown field(s) for {route.path}: {', '.join(sorted(unknown))}")
    params = {k: v for k, v in upload.params.items() if k != TIMEOUT_PARAM}
    if len(route.file_fields) == 1:
        data = upload.one(route.file_fields[0])
        ctx.admission.check_input(route.engine, data, route.accepts)
        return JobPayload(data=data, params=params)
    files = {name: upload.one(name) for name in route.file_fields if name in upload.files}
    if route.file_fields and not files:
        raise InvalidInput(f"send at least one of the fields: {', '.join(route.file_fields)}")
    for data in files.values():
        ctx.admission.check_input(route.engine, data, route.accepts)
    return JobPayload(files=files, params=params)


def timeout_of(upload: Upload) -> float | None:
    raw = upload.params.get(TIMEOUT_PARAM)
    if raw is None:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{TIMEOUT_PARAM} must be a number of seconds") from None
    if value <= 0:
        raise InvalidInput(f"{TIMEOUT_PARAM} must be positive")
    return value


async def dispatch(ctx: ServiceContext, engine: str, payload: JobPayload,
                   timeout_s: float | None) -> JobOutcome:
    ctx.admission.check_capacity(engine)
    return await ctx.dispatcher.run(engine, payload, timeout_s=timeout_s)


def render(outcome: JobOutcome, extra: dict[str, Any] | None = None) -> Response:
    """JSON results get timing and worker fields; binary results carry them as headers."""
    if isinstance(outcome.result, BinaryResult):
        headers = {f"X-Docwarden-{k.replace('_', '-').title()}": str(v)
                   for k, v in outcome.result.meta.items()}
        headers["X-Docwarden-Processing-Time-S"] = f"{outcome.duration_s:.4f}"
        headers["X-Docwarden-Worker-Pid"] = str(outcome.worker_pid)
        return Response(outcome.result.data, media_type=outcome.result.media_type,
                        headers=headers)
    body = {**outcome.result, "processing_time_s": round(outcome.duration_s, 4),
            "worker_pid": outcome.worker_pid, **(extra or {})}
    return JSONResponse(body)


Handler = Callable[[Request], Awaitable[Response]]


def make_handler(route: EngineRoute) -> Handler:
    async def handler(request: Request) -> Response:
        ctx = get_ctx(request)
        upload = await read_upload(request, ctx.settings)
        payload = build_payload(ctx, route, upload)
        return render(await dispatch(ctx, route.engine, payload, timeout_of(upload)))

    handler.__name__ = route.path.strip("/").replace("/", "_")
    return handler


async def run_batch(request: Request, engine: str, field_name: str = "files") -> list[Any]:
    """One job per file, run concurrently; a bad item answers `{error}` alone."""
    ctx = get_ctx(request)
    upload = await read_upload(request, ctx.settings)
    files = upload.files.get(field_name) or upload.files.get("file") or []
    if not files:
        raise InvalidInput(f"send one or more files in the field {field_name!r}")
    ctx.admission.check_batch_size(engine, len(files))
    ctx.admission.check_capacity(engine)

    async def one(data: bytes) -> dict[str, Any]:
        try:
            ctx.admission.check_input(engine, data, IMAGES)
            outcome = await ctx.dispatcher.run(engine, JobPayload(data=data))
        except DocwardenError as error:
            return {"error": error.to_dict()}
        assert isinstance(outcome.result, dict)
        return {**outcome.result, "processing_time_s": round(outcome.duration_s, 4),
                "worker_pid": outcome.worker_pid}

    return list(await asyncio.gather(*(one(data) for data in files)))


def engine_router(served: list[str]) -> APIRouter:
    router = APIRouter(tags=["engines"])
    for route in ROUTES:
        if route.engine in served:
            router.add_api_route(route.path, make_handler(route), methods=["POST"],
                                 summary=route.summary, openapi_extra=MULTIPART_BODY)
    if "ocr" in served:
        router.add_api_route("/v1/ocr/batch", ocr_batch, methods=["POST"],
                             summary="Recognise text in up to MAX_BATCH images")
    return router


async def ocr_batch(request: Request) -> dict[str, Any]:
    return {"results": await run_batch(request, "ocr")}
