"""Units and the GPU figures of DESIGN.md, shared by the server and the client.

A leaf module (no docwarden imports), so the client can read the server's
figures with the same type the server writes them with.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

MIB = 1024 * 1024
GIB = 1024 * MIB
MEMORY_UNITS = {"": 1, "K": 1024, "M": MIB, "G": GIB, "T": 1024 * GIB}
MEMORY_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?", re.IGNORECASE)


def mb(value_bytes: float) -> float:
    return round(value_bytes / MIB, 1)


def parse_memory_size(text: str) -> int:
    """Bytes of a size such as 4G, 512M, 1.5GiB (binary units, as systemd reads them)."""
    match = MEMORY_SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a memory size: {text!r} (use e.g. 4G or 512M)")
    size = int(float(match.group(1)) * MEMORY_UNITS[match.group(2).upper()])
    if size <= 0:
        raise ValueError(f"memory size must be positive: {text!r}")
    return size


def _number(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


@dataclass(frozen=True)
class GpuInfo:
    """One GPU: {available, index, name, total_mb, used_mb, free_mb, usage_percent}."""

    available: bool
    index: int
    name: str
    total_mb: float
    used_mb: float
    free_mb: float
    usage_percent: float

    @classmethod
    def from_mb(cls, index: int, name: str, total_mb: float, used_mb: float) -> GpuInfo:
        free_mb = max(total_mb - used_mb, 0.0)
        percent = round(100.0 * used_mb / total_mb, 1) if total_mb else 0.0
        return cls(True, index, name, round(total_mb, 1), round(used_mb, 1), round(free_mb, 1),
                   percent)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> GpuInfo:
        """Lenient, as the client reads answers: a missing figure is 0."""
        name = body.get("name")
        return cls(bool(body.get("available", True)), int(_number(body, "index")),
                   "" if name is None else str(name), _number(body, "total_mb"),
                   _number(body, "used_mb"), _number(body, "free_mb"),
                   _number(body, "usage_percent"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
