"""`docwarden monitor` levels and exit codes from sample /health answers."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from rich.console import Console

from docwarden.client import DocwardenClient, Health, RetryPolicy
from docwarden.client.monitor import MonitorLevel, assess, monitor_once, watch

MIB = 1024 * 1024
HEALTH: dict[str, Any] = {
    "status": "ok", "uptime_s": 7384.2, "jobs_done": 1520,
    "workers": [
        {"pid": 4101, "engine": "ocr", "state": "idle", "jobs_done": 37,
         "rss_bytes": 600 * MIB, "uptime_s": 1800.0},
        {"pid": 4102, "engine": "pdf", "state": "busy", "jobs_done": 12,
         "rss_bytes": 300 * MIB, "uptime_s": 95.0},
    ],
    "recycles": {"max_jobs": 4, "soft_rss": 1},
    "memory": {"host_available_bytes": 2500 * MIB, "service_rss_bytes": 1000 * MIB},
    "gpu": None, "timestamp": "2026-11-23T10:00:00Z",
    "conversion_count": 1520, "memory_usage_gb": 0.98, "uptime_hours": 2.05,
}


def health_with(**memory: int) -> dict[str, Any]:
    body = copy.deepcopy(HEALTH)
    body["memory"].update(memory)
    return body


def client_for(*bodies: dict[str, Any]) -> DocwardenClient:
    answers: Iterator[dict[str, Any]] = iter(bodies)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/health"
        return httpx.Response(200, json=next(answers))

    return DocwardenClient(transport=httpx.MockTransport(handler))


def report(level_body: dict[str, Any], threshold_mb: float | None) -> tuple[MonitorLevel, str]:
    buffer = io.StringIO()
    level = monitor_once(threshold_mb=threshold_mb, client=client_for(level_body),
                         console=Console(file=buffer, width=120))
    return level, buffer.getvalue()


@pytest.mark.parametrize(("service_mb", "threshold_mb", "expected"), [
    (1000, None, MonitorLevel.NORMAL),
    (1000, 4096, MonitorLevel.NORMAL),
    (3300, 4096, MonitorLevel.ATTENTION),
    (4096, 4096, MonitorLevel.ATTENTION),
    (4200, 4096, MonitorLevel.WARNING),
])
def test_levels_follow_the_threshold(service_mb: int, threshold_mb: float | None,
                                     expected: MonitorLevel) -> None:
    level, _ = report(health_with(service_rss_bytes=service_mb * MIB), threshold_mb)
    assert level is expected


def test_exit_codes_are_stable() -> None:
    assert [int(level) for level in MonitorLevel] == [0, 1, 2, 3]


def test_report_shows_workers_memory_and_recycles() -> None:
    level, text = report(HEALTH, 4096)
    assert level is MonitorLevel.NORMAL
    for expected in ("4101", "4102", "ocr", "busy", "600.0 MiB", "2.4 GiB", "max_jobs: 4",
                     "1520", "2h 03m", "24% of 4096 MiB"):
        assert expected in text, expected


def test_worker_total_counts_when_service_rss_omits_workers() -> None:
    body = health_with(service_rss_bytes=200 * MIB)
    body["workers"][0]["rss_bytes"] = 3000 * MIB
    assessment = assess(Health.from_json(body), threshold_mb=3000)
    assert assessment.level is MonitorLevel.WARNING
    assert assessment.memory_bytes == 3300 * MIB


def test_unhealthy_status_and_full_gpu_need_attention() -> None:
    body = copy.deepcopy(HEALTH)
    body["status"] = "degraded"
    assert assess(Health.from_json(body), None).level is MonitorLevel.ATTENTION
    body = copy.deepcopy(HEALTH)
    body["gpu"] = {"available": True, "index": 0, "name": "H100", "total_mb": 81000,
                   "used_mb": 78000, "free_mb": 3000, "usage_percent": 96.3}
    level, text = report(body, None)
    assert level is MonitorLevel.ATTENTION and "H100" in text and "96%" in text


def test_unreachable_server_is_exit_code_3() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    buffer = io.StringIO()
    client = DocwardenClient(transport=httpx.MockTransport(refuse),
                             retry=RetryPolicy(max_attempts=1))
    level = monitor_once(client=client,
                         console=Console(file=buffer, width=120))
    assert level is MonitorLevel.UNREACHABLE and "unreachable" in buffer.getvalue()


def test_watch_refreshes_and_returns_the_worst_level() -> None:
    bodies = [health_with(service_rss_bytes=mb * MIB) for mb in (1000, 5000, 1000)]
    sleeps: list[float] = []
    level = watch(interval_s=2, threshold_mb=4096, client=client_for(*bodies),
                  console=Console(file=io.StringIO(), width=120), iterations=3,
                  sleep=sleeps.append)
    assert level is MonitorLevel.WARNING and sleeps == [2, 2]
