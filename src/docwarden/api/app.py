"""The FastAPI application: one event loop, the governed pools, no model in sight.

Models live only in worker processes; this process reads uploads, applies
admission control and waits on futures.  Run it with a single uvicorn
process (`docwarden serve`): never one model copy per web worker.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from docwarden import __version__
from docwarden.admission import Admission
from docwarden.api import dashboard, jobs_routes, system_routes
from docwarden.api.auth import require_api_key
from docwarden.api.compat import mount_compat
from docwarden.api.context import ServiceContext
from docwarden.api.engine_routes import engine_router
from docwarden.api.errors import UnexpectedErrorMiddleware, install_error_handlers
from docwarden.api.limits import BodyLimitMiddleware, UploadBudget
from docwarden.api.openapi_docs import install_openapi
from docwarden.dispatch import LocalDispatcher
from docwarden.jobs.runner import JobRunner
from docwarden.jobs.store import JobStore
from docwarden.monitoring.metrics import Metrics
from docwarden.settings import DispatchMode, Settings
from docwarden.supervisor.supervisor import Supervisor

log = logging.getLogger("docwarden.api")


def build_context(settings: Settings) -> ServiceContext:
    metrics = Metrics(max_job_timeout_s=settings.max_job_timeout_s)
    if settings.dispatch is DispatchMode.CELERY:  # jobs run on compute nodes (section 6)
        from docwarden.api.scaleout import celery_context

        return celery_context(settings, metrics)
    supervisor = Supervisor(settings, metrics)
    admission = Admission(settings, supervisor, supervisor.gpu, metrics)
    return ServiceContext(settings=settings, supervisor=supervisor,
                          dispatcher=LocalDispatcher(supervisor), admission=admission,
                          metrics=metrics, gpu=supervisor.gpu)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    ctx: ServiceContext = app.state.ctx
    ctx.supervisor.start()
    ctx.dispatcher.start()
    open_store = ctx.open_job_store or JobStore.from_settings
    ctx.job_store = await anyio.to_thread.run_sync(open_store, ctx.settings)
    ctx.job_runner = JobRunner(ctx.job_store, ctx.dispatcher, ctx.settings)
    await ctx.job_runner.start()
    log.info("docwarden started", extra={"engines": list(ctx.supervisor.pools),
                                         "workers_per_pool": ctx.settings.workers})
    try:
        yield
    finally:
        log.info("docwarden stopping: finishing in-flight jobs")
        ctx.supervisor.stop_admitting()  # before the runner's jobs are cancelled: no respawns
        await ctx.job_runner.stop()
        await anyio.to_thread.run_sync(ctx.supervisor.shutdown)
        await anyio.to_thread.run_sync(ctx.dispatcher.close)
        ctx.job_store.close()
        log.info("docwarden stopped")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="docwarden", version=__version__, lifespan=lifespan,
                  description="Governed inference server for OCR, ID cards, PDF and enhancement",
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = build_context(settings)
    install_error_handlers(app)
    install_openapi(app, api_key_set=bool(settings.api_key))
    if settings.dispatch is DispatchMode.CELERY:  # its /health and /ready go first
        from docwarden.api.scaleout import celery_system_router

        app.include_router(celery_system_router(app.state.ctx))
    app.include_router(system_routes.router)
    app.include_router(dashboard.router)  # the page is public; its data and drain need the key
    protected = [Depends(require_api_key)]
    app.include_router(docs_router(), dependencies=[] if settings.public_docs else protected)
    app.include_router(system_routes.metrics_router, dependencies=protected)
    app.include_router(jobs_routes.jobs_router(settings.served_engines), dependencies=protected)
    app.include_router(engine_router(settings.served_engines, settings.max_job_timeout_s,
                                     settings.max_batch), dependencies=protected)
    mount_compat(app, settings, protected)  # a profile's public routes go first
    app.add_middleware(BodyLimitMiddleware, upload_bytes=settings.max_upload_bytes,
                       max_batch=settings.max_batch,
                       budget=UploadBudget(settings.max_buffered_upload_bytes))
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-API-Key"])
    app.add_middleware(UnexpectedErrorMiddleware)  # outermost of ours: one log line per 500
    return app


def docs_router() -> APIRouter:
    """/openapi.json, /docs and /redoc: behind the API key unless PUBLIC_DOCS=1."""
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @router.get("/docs")
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="docwarden API")

    @router.get("/redoc")
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="docwarden API")

    return router
