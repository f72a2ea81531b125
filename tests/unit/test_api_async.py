"""Every route handler and dependency runs on the event loop.

FastAPI runs a plain `def` endpoint or dependency in its threadpool: a hop
per request (thread hand-off, GIL switches, a loop wake-up) that cost the
API process CPU on every OCR call when `require_api_key` was a `def`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from docwarden.api import auth, compat_routes, dashboard, engine_routes, jobs_routes, system_routes

ALL_ENGINES = ["ocr", "idcard", "pdf", "enhance", "chaos"]


def routers() -> list[APIRouter]:
    return [system_routes.router, system_routes.metrics_router, jobs_routes.router,
            dashboard.router, compat_routes.router, engine_routes.engine_router(ALL_ENGINES)]


def dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from dependencies(sub)


def test_every_endpoint_and_dependency_is_a_coroutine_function() -> None:
    sync = []
    routes = [r for router in routers() for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 15
    for route in routes:
        calls = [route.endpoint, *(d.call for d in dependencies(route.dependant) if d.call)]
        sync += [f"{route.path}: {c.__name__}" for c in calls
                 if not inspect.iscoroutinefunction(c)]
    assert not sync, sync


def test_the_router_wide_api_key_dependency_is_a_coroutine_function() -> None:
    assert inspect.iscoroutinefunction(auth.require_api_key)
