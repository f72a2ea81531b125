"""Compatibility profiles: the seed deployments' routes over docwarden's engines.

Each profile is one small module with a `router` (and an optional
`required_engine`), mounted when its name is in DOCWARDEN_COMPAT.  Profiles are
thin adapters: they shape requests and answers the way the original system
did and call `docwarden.api.engine_calls` for everything else, so governance
is the same behind every profile.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter

from docwarden.settings import Settings

PROFILE_MODULES: dict[str, str] = {
    "deepseek": "docwarden.api.compat.deepseek",
}


def compat_routers(settings: Settings) -> list[APIRouter]:
    """Routers of the enabled profiles whose engine is served."""
    routers = []
    for name in settings.compat:
        if name not in PROFILE_MODULES:
            continue
        module = importlib.import_module(PROFILE_MODULES[name])
        engine = getattr(module, "REQUIRED_ENGINE", None)
        if engine is None or engine in settings.served_engines:
            routers.append(module.router)
    return routers
