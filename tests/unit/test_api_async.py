"""Every route handler and dependency runs on the event loop.

FastAPI runs a plain `def` endpoint or dependency in its threadpool: a hop
per request (thread hand-off, GIL switches, a loop wake-up) that cost the
API process CPU on every OCR call when `require_api_key` was a `def`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from docwarden.api import auth
from docwarden.api.app import create_app
from docwarden.settings import Settings

ALL_ENGINES = ["ocr", "idcard", "pdf", "enhance"]


def _walk(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI >= 0.16x includes lazily
        if included is not None:
            yield from _walk(included.routes)


def all_routes() -> list[APIRoute]:
    """Every route of an app serving every engine and every compatibility profile."""
    app = create_app(Settings(engines=ALL_ENGINES, enable_chaos=True))
    try:
        return list(_walk(app.routes))
    finally:
        app.state.ctx.supervisor.close()


def dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from dependencies(sub)


def test_every_endpoint_and_dependency_is_a_coroutine_function() -> None:
    sync = []
    routes = all_routes()
    assert len(routes) >= 15
    for route in routes:
        calls = [route.endpoint, *(d.call for d in dependencies(route.dependant) if d.call)]
        sync += [f"{route.path}: {c.__name__}" for c in calls
                 if not inspect.iscoroutinefunction(c)]
    assert not sync, sync


def test_the_router_wide_api_key_dependency_is_a_coroutine_function() -> None:
    assert inspect.iscoroutinefunction(auth.require_api_key)
