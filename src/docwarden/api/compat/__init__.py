"""Compatibility profiles: the seed deployments' routes over docwarden's engines.

Each profile is one small module with a `router` (and optional
`REQUIRED_ENGINE`, and `public_router` for the routes its system served
without a key), mounted when its name is in DOCWARDEN_COMPAT.  Profiles are
thin adapters: they shape requests and answers the way the original system
did and call `docwarden.api.engine_calls` for everything else, so governance
is the same behind every profile.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from fastapi import APIRouter

from docwarden.settings import Settings

PROFILE_MODULES: dict[str, str] = {
    "deepseek": "docwarden.api.compat.deepseek",
    "sfzocr": "docwarden.api.compat.sfzocr",
}


def _enabled(settings: Settings) -> list[ModuleType]:
    """Modules of the enabled profiles whose engine is served."""
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
    """Routers of the enabled profiles (mounted behind the API key)."""
    return [module.router for module in _enabled(settings)]


def compat_public_routers(settings: Settings) -> list[APIRouter]:
    """Routes a profile's system served without a key (sfzocr's /api/v1/health)."""
    return [module.public_router for module in _enabled(settings)
            if getattr(module, "public_router", None) is not None]
