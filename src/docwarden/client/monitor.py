"""`docwarden monitor`: read GET /health, show memory per worker, exit by level.

The level compares the service's memory with `threshold_mb`: attention from
80 % of it, warning above it.  The figure checked is the larger of
`memory.service_rss_bytes` and the sum of the workers' RSS, so the check holds
whether or not the server counts its workers in `service_rss_bytes`.  A
health status other than "healthy" or a GPU at 90 % or more is at least attention.
The level doubles as the exit code (`MonitorLevel`), 3 when the server cannot
be read.  One-shot by default; `watch` refreshes until Ctrl-C.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from docwarden.client.calls import RetryPolicy
from docwarden.client.client import DEFAULT_URL, DocwardenClient
from docwarden.client.errors import DocwardenClientError
from docwarden.client.models import Health
from docwarden.readings import MIB

ATTENTION_FRACTION = 0.8
GPU_ATTENTION_PERCENT = 90.0
HEALTHY_STATUSES = frozenset({"ok", "healthy"})
LEVEL_STYLE = {0: "green", 1: "yellow", 2: "bold red", 3: "bold red"}


class MonitorLevel(IntEnum):
    """How things stand; also the process exit code."""

    NORMAL = 0
    ATTENTION = 1
    WARNING = 2
    UNREACHABLE = 3


@dataclass(frozen=True)
class Assessment:
    level: MonitorLevel
    memory_bytes: int
    reasons: list[str] = field(default_factory=list)


def service_memory_bytes(health: Health) -> int:
    """The larger of the reported service RSS and the workers' total."""
    workers_bytes = sum(worker.rss_bytes for worker in health.workers)
    return max(health.service_rss_bytes or 0, workers_bytes)


def assess(health: Health, threshold_mb: float | None) -> Assessment:
    """The level of one /health reading, with the reasons for it."""
    memory_bytes = service_memory_bytes(health)
    level, reasons = MonitorLevel.NORMAL, []
    if health.status not in HEALTHY_STATUSES:
        level = MonitorLevel.ATTENTION
        reasons.append(f"health status is {health.status!r}")
    for gpu in health.gpus:
        if gpu.available and gpu.usage_percent >= GPU_ATTENTION_PERCENT:
            level = max(level, MonitorLevel.ATTENTION)
            reasons.append(f"GPU {gpu.index} memory {gpu.usage_percent:.0f}% used")
    if threshold_mb:
        limit_bytes = threshold_mb * MIB
        used = f"service memory {_bytes(memory_bytes)} of threshold {threshold_mb:g} MiB"
        if memory_bytes > limit_bytes:
            level = MonitorLevel.WARNING
            reasons.append(f"{used}: over the threshold")
        elif memory_bytes >= ATTENTION_FRACTION * limit_bytes:
            level = max(level, MonitorLevel.ATTENTION)
            reasons.append(f"{used}: above {ATTENTION_FRACTION:.0%}")
    return Assessment(level, memory_bytes, reasons)


def _bytes(count: float | None) -> str:
    if count is None:
        return "-"
    for unit, size in (("GiB", 1024**3), ("MiB", MIB), ("KiB", 1024)):
        if abs(count) >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count:.0f} B"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02}m" if hours else f"{minutes}m {secs:02}s"


def _overview(health: Health, assessment: Assessment, threshold_mb: float | None) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    share = (f" ({assessment.memory_bytes / (threshold_mb * MIB):.0%} of {threshold_mb:g} MiB)"
             if threshold_mb else "")
    table.add_row("status", health.status)
    table.add_row("uptime", _duration(health.uptime_s))
    table.add_row("jobs done", str(health.jobs_done))
    table.add_row("host available", _bytes(health.host_available_bytes))
    table.add_row("service memory", _bytes(assessment.memory_bytes) + share)
    recycles = ", ".join(f"{reason}: {count}" for reason, count in sorted(health.recycles.items()))
    table.add_row("recycles", recycles or "none")
    return table


def _workers(health: Health) -> Table:
    table = Table(title="workers", title_justify="left")
    for column in ("pid", "engine", "state", "RSS", "jobs", "uptime"):
        table.add_column(column, justify="right" if column in ("pid", "RSS", "jobs") else "left")
    for worker in sorted(health.workers, key=lambda w: (w.engine, w.pid)):
        table.add_row(str(worker.pid), worker.engine, worker.state, _bytes(worker.rss_bytes),
                      str(worker.jobs_done), _duration(worker.uptime_s))
    return table


def _gpus(health: Health) -> Table:
    table = Table(title="GPU", title_justify="left")
    for column in ("index", "name", "used", "total", "usage"):
        table.add_column(column)
    for gpu in health.gpus:
        table.add_row(str(gpu.index), gpu.name, f"{gpu.used_mb:.0f} MiB",
                      f"{gpu.total_mb:.0f} MiB", f"{gpu.usage_percent:.0f}%")
    return table


def render(url: str, health: Health, assessment: Assessment,
           threshold_mb: float | None) -> RenderableType:
    """The whole report of one reading."""
    level = assessment.level
    title = Text(f"docwarden at {url}: {level.name.lower()}", style=LEVEL_STYLE[level])
    parts: list[RenderableType] = [title, _overview(health, assessment, threshold_mb),
                                   _workers(health)]
    if health.gpus:
        parts.append(_gpus(health))
    parts.extend(Text(f"! {reason}", style=LEVEL_STYLE[level]) for reason in assessment.reasons)
    return Group(*parts)


def _unreachable(url: str, error: DocwardenClientError) -> RenderableType:
    return Text(f"docwarden at {url}: unreachable ({error})", style=LEVEL_STYLE[3])


def _read(client: DocwardenClient, url: str, threshold_mb: float | None
          ) -> tuple[MonitorLevel, RenderableType]:
    try:
        health = client.health()
    except DocwardenClientError as error:
        return MonitorLevel.UNREACHABLE, _unreachable(url, error)
    assessment = assess(health, threshold_mb)
    return assessment.level, render(url, health, assessment, threshold_mb)


def _client(url: str, api_key: str | None, timeout_s: float) -> DocwardenClient:
    return DocwardenClient(url, api_key=api_key, timeout_s=timeout_s,
                           retry=RetryPolicy(max_attempts=1))


def monitor_once(url: str = DEFAULT_URL, *, api_key: str | None = None,
                 threshold_mb: float | None = None, timeout_s: float = 5.0,
                 console: Console | None = None,
                 client: DocwardenClient | None = None) -> MonitorLevel:
    """Read /health once, print the report, return the level (the exit code)."""
    own = client or _client(url, api_key, timeout_s)
    try:
        level, report = _read(own, url, threshold_mb)
    finally:
        if client is None:
            own.close()
    (console or Console()).print(report)
    return level


def watch(url: str = DEFAULT_URL, *, interval_s: float = 5.0, api_key: str | None = None,
          threshold_mb: float | None = None, timeout_s: float = 5.0,
          console: Console | None = None, client: DocwardenClient | None = None,
          iterations: int | None = None,
          sleep: Callable[[float], None] = time.sleep) -> MonitorLevel:
    """Refresh every `interval_s` until Ctrl-C (or `iterations`); the worst level seen."""
    own = client or _client(url, api_key, timeout_s)
    worst = MonitorLevel.NORMAL
    count = 0
    try:
        with Live(console=console or Console(), auto_refresh=False) as live:
            while iterations is None or count < iterations:
                level, report = _read(own, url, threshold_mb)
                worst = max(worst, level)
                live.update(report, refresh=True)
                count += 1
                if iterations is None or count < iterations:
                    sleep(interval_s)
    except KeyboardInterrupt:
        pass
    finally:
        if client is None:
            own.close()
    return worst
