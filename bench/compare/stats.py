"""Small, pure statistics used by every scenario (unit-tested, no I/O)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile (`fraction` in [0, 1]), like numpy's default."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within [0, 1], not {fraction}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    weight = position - low
    return ordered[low] * (1.0 - weight) + ordered[high] * weight


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of an empty sequence")
    return float(statistics.median(values))


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is not positive."""
    if denominator <= 0:
        return None
    return numerator / denominator


def latency_summary_ms(latencies_s: Sequence[float]) -> dict[str, float | int]:
    """p50 / p90 / p99 / max of latencies given in seconds, reported in milliseconds."""
    return {
        "n": len(latencies_s),
        "p50_ms": round(percentile(latencies_s, 0.50) * 1000, 3),
        "p90_ms": round(percentile(latencies_s, 0.90) * 1000, 3),
        "p99_ms": round(percentile(latencies_s, 0.99) * 1000, 3),
        "max_ms": round(max(latencies_s) * 1000, 3),
    }


def rotated(items: Sequence[str], offset: int) -> list[str]:
    """`items` rotated left by `offset`: alternates which side runs first in each round."""
    if not items:
        return []
    shift = offset % len(items)
    return [*items[shift:], *items[:shift]]


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)
