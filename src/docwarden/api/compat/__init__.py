"""Compatibility profiles: the seed deployments' routes over docwarden's engines.

Each profile is one small module with a `router` (and an optional
`REQUIRED_ENGINE`), mounted when its name is in DOCWARDEN_COMPAT.  Profiles are
thin adapters: they shape requests and answers the way the original system
did and call `docwarden.api.engine_calls` for everything else, so governance
is the same behind every profile.  A module may also have a `public_router`:
routes without the API key that must win over docwarden's own (PhotoEnhanceAI's
`GET /`, which hands browsers the dashboard); they are put first.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from fastapi import APIRouter, FastAPI

from docwarden.settings import Settings

PROFILE_MODULES: dict[str, str] = {
    "deepseek": "docwarden.api.compat.deepseek",
    "marker": "docwarden.api.compat.marker",
    "photoenhance": "docwarden.api.compat.photoenhance",
    "sfzocr": "docwarden.api.compat.sfzocr",
}


def compat_modules(settings: Settings) -> list[ModuleType]:
    """The enabled profiles whose engine is served."""
    modules = []
    for name in settings.compat:
        if name not in PROFILE_MODULES:
            continue
        module = importlib.import_module(PROFILE_MODULES[name])
        engine = getattr(module, "REQUIRED_ENGINE", None)
        if engine is None or engine in settings.served_engines:
            modules.append(module)
    return modules


def compat_routers(settings: Settings) -> list[APIRouter]:
    """Routers of the enabled profiles whose engine is served."""
    return [module.router for module in compat_modules(settings)]


def mount_compat(app: FastAPI, settings: Settings, dependencies: Sequence[Any]) -> None:
    """Include every enabled profile: its `router` behind `dependencies` (the API key),
    its `public_router` in front of the routes already mounted."""
    for module in compat_modules(settings):
        app.include_router(module.router, dependencies=list(dependencies))
        public: APIRouter | None = getattr(module, "public_router", None)
        if public is not None:
            before = len(app.router.routes)
            app.include_router(public)
            added = app.router.routes[before:]
            del app.router.routes[before:]
            app.router.routes[0:0] = added
