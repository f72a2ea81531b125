"""Second-generation Chinese resident ID cards: fields, GB 11643 checks, GB/T 2260 regions.

`IdCardEngine` needs the OCR models; `numbers`, `regions` and the parsing
modules are pure and import nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docwarden.engines.idcard.engine import IdCardEngine

__all__ = ["IdCardEngine"]


def __getattr__(name: str) -> Any:
    """Import the engine (and with it onnxruntime) only when it is asked for."""
    if name == "IdCardEngine":
        from docwarden.engines.idcard.engine import IdCardEngine

        return IdCardEngine
    raise AttributeError(name)
