"""The web dashboard: a static page served from the package, and its one admin route.

The page and its assets are public (they hold no data); everything the page
shows comes from the API with the operator's key, so the key still guards
the data.  Assets are served from a fixed allow-list of names read from the
package folder: no path from the URL ever reaches the filesystem.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from docwarden.api.auth import require_api_key
from docwarden.api.context import get_ctx
from docwarden.api.openapi_docs import error_responses
from docwarden.errors import NotFound

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(?:html|js|css|png|svg)$")
# Defence in depth for the rendered results: only this origin's scripts, styles and API;
# images also from blob: (the uploaded original and the enhanced result).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer"}

router = APIRouter()


def asset_names() -> frozenset[str]:
    """The files the page may load: what the package ships, nothing else."""
    return frozenset(p.name for p in STATIC_DIR.iterdir()
                     if p.is_file() and ASSET_NAME.match(p.name))


def asset_response(name: str) -> FileResponse:
    if not ASSET_NAME.match(name) or name not in asset_names():
        raise NotFound(f"no dashboard asset {name!r}")
    path = STATIC_DIR / name
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=HEADERS)


@router.get("/", include_in_schema=False)
async def index() -> FileResponse:
    return asset_response("index.html")


@router.get("/static/{name}", include_in_schema=False)
async def static_asset(name: str) -> FileResponse:
    return asset_response(name)


@router.post("/v1/workers/drain", tags=["admin"], dependencies=[Depends(require_api_key)],
             summary="Recycle every loaded worker (reason manual), warm as usual",
             responses=error_responses(401, 404, 422, 500))
async def drain_workers(
    request: Request,
    engine: Annotated[str | None, Query(description="only this engine's pool (a served one)",
                                        max_length=64, pattern=r"^[a-z0-9_-]+$")] = None,
) -> dict[str, Any]:
    ctx = get_ctx(request)
    served = list(ctx.supervisor.pools)
    if engine and engine not in served:
        raise NotFound(f"no pool for engine {engine!r} here (served: {', '.join(served)})")
    return {"draining": ctx.supervisor.drain(engine or None)}
