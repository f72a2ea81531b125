"""Engine names -> classes, resolved lazily.

Importing docwarden must not import onnxruntime or pdfium: the API process
never loads a model, so the registry stores import paths, not classes.
Third-party engines register under the entry-point group `docwarden.engines`.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from docwarden.engines.base import Engine

BUILTIN_ENGINES: dict[str, str] = {
    "ocr": "docwarden.engines.ocr:OcrEngine",
    "idcard": "docwarden.engines.idcard:IdCardEngine",
    "pdf": "docwarden.engines.pdf:PdfEngine",
    "enhance": "docwarden.engines.enhance:EnhanceEngine",
    "chaos": "docwarden.engines.chaos:ChaosEngine",
}
ENTRY_POINT_GROUP = "docwarden.engines"


def engine_paths() -> dict[str, str]:
    """Built-in engines plus installed plug-ins (plug-ins cannot shadow built-ins)."""
    paths = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    paths.update(BUILTIN_ENGINES)
    return paths


def known_engines() -> list[str]:
    return sorted(engine_paths())


def load_engine_class(name: str) -> type[Engine]:
    """Import and return the engine class registered under `name`."""
    try:
        target = engine_paths()[name]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(known_engines())}") from None
    module_name, _, attr = target.partition(":")
    engine_cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(engine_cls, type) and issubclass(engine_cls, Engine)):
        raise TypeError(f"{target} is not a docwarden Engine")
    return engine_cls
