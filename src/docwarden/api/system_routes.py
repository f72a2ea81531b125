"""/health, /ready and /metrics: what the service is doing, for people and scrapers."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from docwarden.api.context import ServiceContext, get_ctx
from docwarden.api.errors import error_body, error_headers
from docwarden.api.openapi_docs import PUBLIC, ErrorBody, error_responses
from docwarden.errors import NotReady, http_status
from docwarden.monitoring.memory import host_available_bytes, tree_rss_bytes
from docwarden.readings import GIB, MIB

READY_RETRY_S = 5
router = APIRouter(tags=["system"])
metrics_router = APIRouter(tags=["system"])


def worker_rows(ctx: ServiceContext) -> list[dict[str, Any]]:
    return [
        {"pid": w.pid, "engine": w.engine, "slot": w.slot, "state": w.state.value,
         "jobs_done": w.jobs_done, "rss_bytes": w.rss_bytes, "uptime_s": round(w.uptime_s, 1),
         "in_flight": len(w.in_flight),
         "retire_reason": w.retire_reason.value if w.retire_reason else None}
        for w in ctx.supervisor.workers()
    ]


def engine_rows(ctx: ServiceContext) -> dict[str, Any]:
    wanted = ctx.settings.workers
    return {
        name: {"ready": pool.ready, "queue_depth": len(pool.queue),
               "last_load_error": pool.last_load_error, "jobs_done": pool.jobs_done,
               "workers_serving": pool.serving, "workers_wanted": wanted,
               "capacity": "full" if pool.serving >= wanted else "reduced"}
        for name, pool in ctx.supervisor.pools.items()
    }


def health_body(ctx: ServiceContext) -> dict[str, Any]:
    uptime_s = time.monotonic() - ctx.started_at
    recycles: Counter[str] = Counter()
    for pool in ctx.supervisor.pools.values():
        recycles.update({str(k): v for k, v in pool.recycles.items()})
    jobs_done = sum(pool.jobs_done for pool in ctx.supervisor.pools.values())
    service_rss = tree_rss_bytes(os.getpid())
    gpu = ctx.gpu.snapshot()
    return {
        # The seeds' clients check `status == "healthy"` (DESIGN.md section 4).
        "status": "healthy" if ctx.supervisor.ready else "degraded",
        "uptime_s": round(uptime_s, 1),
        "jobs_done": jobs_done,
        "workers": worker_rows(ctx),
        "engines": engine_rows(ctx),
        "recycles": dict(recycles),
        "memory": {"host_available_bytes": host_available_bytes(),
                   "service_rss_bytes": service_rss},
        "limits": {"max_worker_rss_mb": ctx.settings.max_worker_rss_mb,
                   "hard_worker_rss_mb": ctx.settings.hard_worker_rss_mb},
        "gpu": gpu.to_dict() if gpu else None,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        # Field names of the seed deployments' /health, kept for their dashboards.
        "conversion_count": jobs_done,
        "memory_usage_gb": round(service_rss / GIB, 3),
        "uptime_hours": round(uptime_s / 3600, 4),
    }


@router.get("/health", summary="Liveness and per-worker state", openapi_extra=PUBLIC)
async def health(request: Request) -> dict[str, Any]:
    return health_body(get_ctx(request))


@router.get("/ready", summary="200 when every served engine has a loaded worker",
            openapi_extra=PUBLIC, responses={
                200: {"description": "ready; `capacity` per engine says if it is reduced"},
                503: {"model": ErrorBody, "description": "an engine has no loaded worker"}})
async def ready(request: Request) -> JSONResponse:
    ctx = get_ctx(request)
    engines = engine_rows(ctx)
    ok = all(row["ready"] for row in engines.values())
    reduced = [name for name, row in engines.items() if row["capacity"] == "reduced"]
    body: dict[str, Any] = {"ready": ok, "capacity": "reduced" if reduced else "full",
                            "engines": engines}
    if not ok:
        waiting = ", ".join(name for name, row in engines.items() if not row["ready"])
        error = NotReady(f"no loaded worker yet for: {waiting}", retry_after_s=READY_RETRY_S)
        return JSONResponse({**body, **error_body(error)}, status_code=http_status(error),
                            headers=error_headers(error))
    return JSONResponse(body)


@metrics_router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse,
                    responses={200: {"content": {CONTENT_TYPE_LATEST: {
                        "schema": {"type": "string"}}}, "description": "Prometheus text"},
                        **error_responses(401)})
async def metrics(request: Request) -> Response:
    ctx = get_ctx(request)
    gpu = ctx.gpu.snapshot()
    if gpu is not None:
        ctx.metrics.gpu_used.labels(str(gpu.index)).set(gpu.used_mb * MIB)
    render = ctx.render_metrics or ctx.metrics.render
    return Response(render(), media_type=CONTENT_TYPE_LATEST)
