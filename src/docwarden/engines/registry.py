"""Engine names -> specs and classes, resolved lazily.

Importing docwarden must not import onnxruntime or pdfium: the API process
never loads a model.  Built-in engines are described by light specs
(`docwarden.engines.builtin`); third-party engines register under the
entry-point group `docwarden.engines`, naming either an `EngineSpec` or an
`Engine` subclass (whose module then must import its heavy libraries lazily).
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

from docwarden.engines.base import Engine
from docwarden.engines.builtin import BUILTIN_SPECS
from docwarden.engines.spec import EngineSpec

ENTRY_POINT_GROUP = "docwarden.engines"
log = logging.getLogger("docwarden.engines")


class UnknownEngine(ValueError):
    """No built-in engine or installed plug-in has this name."""


def _import(target: str) -> object:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def _plugin_spec(entry: EntryPoint) -> EngineSpec:
    found = entry.load()
    if isinstance(found, EngineSpec):
        return found
    if isinstance(found, type) and issubclass(found, Engine):
        return found.describe(entry.name, entry.value)
    raise TypeError(f"entry point {entry.name} = {entry.value} is neither an EngineSpec nor "
                    "a docwarden Engine subclass")


@functools.cache
def engine_specs() -> dict[str, EngineSpec]:
    """Built-in engines plus installed plug-ins (a plug-in cannot shadow a built-in).

    A plug-in that fails to import is logged and left out, so one broken
    package cannot take the whole service down.
    """
    specs: dict[str, EngineSpec] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in BUILTIN_SPECS:
            continue
        try:
            specs[entry.name] = _plugin_spec(entry)
        except Exception as exc:
            log.error("engine plug-in %s (%s) cannot be loaded: %s: %s", entry.name,
                      entry.value, type(exc).__name__, exc)
    specs.update(BUILTIN_SPECS)
    return specs


def served_specs(engines: Iterable[str]) -> dict[str, EngineSpec]:
    """The specs of the engines named (a name no spec answers to is left out)."""
    specs = engine_specs()
    return {name: specs[name] for name in engines if name in specs}


def known_engines() -> list[str]:
    return sorted(engine_specs())


def engine_spec(name: str) -> EngineSpec:
    try:
        return engine_specs()[name]
    except KeyError:
        raise UnknownEngine(f"unknown engine {name!r}; known: "
                            f"{', '.join(known_engines())}") from None


def load_engine_class(name: str) -> type[Engine]:
    """Import and return the engine class registered under `name` (workers only)."""
    target = engine_spec(name).engine
    engine_cls = _import(target)
    if not (isinstance(engine_cls, type) and issubclass(engine_cls, Engine)):
        raise TypeError(f"{target} is not a docwarden Engine")
    return engine_cls
