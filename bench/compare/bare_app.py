"""Bare FastAPI apps calling docwarden's engines in-process, as the seed deployments did.

Served by uvicorn (`bench.compare.servers.Launcher.bare`); BENCH_BARE_MODE picks one:

- `chaos`: the chaos engine called right in the route (`/v1/chaos`: on the event
  loop; `/v1/chaos_sync`: a plain `def` route, i.e. FastAPI's thread pool).
- `ocr`: one OcrEngine loaded per web worker at startup, jobs on threads.
- `ocr-pool`: the seed layout: a ProcessPoolExecutor(BENCH_POOL_SIZE) per web
  worker, created at startup, whose initializer loads an OcrEngine in every
  pool process (so web workers x pool size model copies).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from docwarden.engines.base import Engine, JobInput
from docwarden.settings import Settings

_POOL_ENGINE: list[Engine] = []  # the engine of a pool process (set by the initializer)


def _load_ocr() -> Engine:
    from docwarden.engines.ocr.engine import OcrEngine

    engine = OcrEngine(Settings())
    engine.load()
    return engine


def _pool_initializer() -> None:
    _POOL_ENGINE.append(_load_ocr())


def _pool_job(data: bytes) -> Any:
    return _POOL_ENGINE[0].run(JobInput(data=data))


def chaos_app() -> FastAPI:
    from docwarden.engines.chaos import ChaosEngine

    engine = ChaosEngine(Settings())
    engine.load()
    app = FastAPI()

    @app.post("/v1/chaos")
    async def chaos(request: Request) -> Any:
        return engine.run(JobInput(params=await request.json()))

    @app.post("/v1/chaos_sync")
    def chaos_sync(params: dict[str, Any]) -> Any:
        return engine.run(JobInput(params=params))

    return app


def ocr_app() -> FastAPI:
    engines: list[Engine] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        engines.append(_load_ocr())
        yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/ocr")
    async def ocr(file: UploadFile) -> Any:
        return await run_in_threadpool(engines[0].run, JobInput(data=await file.read()))

    return app


def ocr_pool_app() -> FastAPI:
    pools: list[ProcessPoolExecutor] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        size = int(os.environ.get("BENCH_POOL_SIZE", "4"))
        pools.append(ProcessPoolExecutor(size, initializer=_pool_initializer))
        yield
        pools[0].shutdown(wait=False, cancel_futures=True)

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/ocr")
    async def ocr(file: UploadFile) -> Any:
        data = await file.read()
        return await asyncio.get_running_loop().run_in_executor(pools[0], _pool_job, data)

    return app


def create_app() -> FastAPI:
    mode = os.environ.get("BENCH_BARE_MODE", "chaos")
    factories = {"chaos": chaos_app, "ocr": ocr_app, "ocr-pool": ocr_pool_app}
    if mode not in factories:
        raise ValueError(f"BENCH_BARE_MODE must be one of {', '.join(factories)}, not {mode!r}")
    app = factories[mode]()

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"mode": mode}

    return app
