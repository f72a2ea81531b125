"""Real supervisors with real worker processes running the chaos engine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor

SupervisorFactory = Callable[..., Supervisor]


def wait_for(condition: Callable[[], Any], timeout_s: float = 30.0, every_s: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


@pytest.fixture
def make_supervisor(tmp_path: Any) -> Iterator[SupervisorFactory]:
    started: list[Supervisor] = []

    def factory(wait_ready: bool = True, **overrides: Any) -> Supervisor:
        options: dict[str, Any] = {"engines": [], "enable_chaos": True, "log_format": "text",
                                   "data_dir": tmp_path / "data", "min_free_memory_mb": 0}
        options.update(overrides)
        supervisor = Supervisor(Settings(**options))
        supervisor.start()
        started.append(supervisor)
        if wait_ready:
            wait_for(lambda: supervisor.ready, 60)
        return supervisor

    yield factory
    for supervisor in started:
        supervisor.shutdown(grace_s=2)


@pytest.fixture(scope="module")
def int8() -> Iterator[Any]:
    """An OCR engine with the int8 detector and recogniser (and its Latin build), as the
    PDF engine reads scans; one per module, as tests wrap its sessions."""
    from docwarden.engines.ocr.engine import OcrEngine
    from docwarden.settings import OcrPrecision

    engine = OcrEngine(Settings(), precision=OcrPrecision.INT8)
    engine.load()
    yield engine
    engine.close()
