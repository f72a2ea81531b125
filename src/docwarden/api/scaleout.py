"""Celery mode of an API node: its context, its admission, its /health and /ready.

Imported only when DISPATCH=celery, so local mode never loads Celery.  Input
guards and batch bounds stay here exactly as on one machine; readiness and the
queue bound are the cluster's (live node heartbeats, queue depth in Redis);
memory, GPU headroom, deadlines and poison strikes are each compute node's own.
This node starts a supervisor without pools: no model runs on an API node.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from docwarden.admission import Admission
from docwarden.api.context import ServiceContext
from docwarden.api.errors import error_body, error_headers
from docwarden.api.system_routes import health_body
from docwarden.celery.board import BROKER_RETRY_AFTER_S, NodeBoard
from docwarden.celery.config import make_celery, redis_client
from docwarden.celery.dispatcher import CeleryDispatcher
from docwarden.celery.jobstore import RedisJobStore
from docwarden.celery.metrics import merge_metrics
from docwarden.errors import DocwardenError, NotReady, http_status
from docwarden.monitoring.metrics import Metrics
from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor


class CeleryAdmission(Admission):
    """Admission of an API node: capacity is read off the node board, not local pools."""

    def __init__(self, settings: Settings, supervisor: Supervisor, metrics: Metrics,
                 board: NodeBoard) -> None:
        super().__init__(settings, supervisor, supervisor.gpu, metrics)
        self.board = board

    def check_capacity(self, engine: str) -> None:
        try:
            self.board.check(engine)
        except DocwardenError as error:
            raise self._reject(engine, error) from None


def celery_context(settings: Settings, metrics: Metrics) -> ServiceContext:
    engines = settings.served_engines
    supervisor = Supervisor(settings, metrics, engines=[])
    board = NodeBoard(redis_client(settings), engines, settings.queue_size)
    dispatcher = CeleryDispatcher(make_celery(settings, engines), settings, board)
    admission = CeleryAdmission(settings, supervisor, metrics, board)
    return ServiceContext(settings=settings, supervisor=supervisor, dispatcher=dispatcher,
                          admission=admission, metrics=metrics, gpu=supervisor.gpu,
                          open_job_store=RedisJobStore.from_settings,
                          render_metrics=lambda: merge_metrics(
                              metrics.render(), settings.node_name, board.view.metrics))


def cluster_health(ctx: ServiceContext, board: NodeBoard) -> dict[str, Any]:
    """/health of an API node: itself, plus every live compute node and its workers."""
    body = health_body(ctx)
    nodes = board.view.nodes
    engines = board.engine_rows()
    pools = [row for node in nodes for row in node.get("engines", {}).values()]
    jobs_done = sum(int(row.get("jobs_done") or 0) for row in pools)
    recycles: Counter[str] = Counter()
    for row in pools:
        recycles.update(row.get("recycles") or {})
    body.update({
        "status": "healthy" if all(row["ready"] for row in engines.values()) else "degraded",
        "dispatch": "celery", "broker_reachable": board.reachable, "nodes": nodes,
        "workers": [{**worker, "node": node.get("node")} for node in nodes
                    for worker in node.get("workers", [])],
        "engines": engines, "recycles": dict(recycles), "jobs_done": jobs_done,
        "conversion_count": jobs_done})
    return body


def celery_system_router(ctx: ServiceContext) -> APIRouter:
    """/health and /ready answered from the node board (mounted before the local ones)."""
    assert isinstance(ctx.dispatcher, CeleryDispatcher)
    board = ctx.dispatcher.board
    router = APIRouter(include_in_schema=False)  # the documented routes keep their schema

    @router.get("/health")
    async def health() -> dict[str, Any]:
        return cluster_health(ctx, board)

    @router.get("/ready")
    async def ready() -> JSONResponse:
        engines = board.engine_rows()
        body: dict[str, Any] = {"ready": all(row["ready"] for row in engines.values()),
                                "engines": engines, "nodes": len(board.view.nodes)}
        if body["ready"]:
            return JSONResponse(body)
        waiting = ", ".join(name for name, row in engines.items() if not row["ready"])
        why = (f"no live node accepts jobs for: {waiting}" if board.reachable
               else "the broker (Redis) is unreachable")
        error = NotReady(why, retry_after_s=BROKER_RETRY_AFTER_S)
        return JSONResponse({**body, **error_body(error)}, status_code=http_status(error),
                            headers=error_headers(error))

    return router
