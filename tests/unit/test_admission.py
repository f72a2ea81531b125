"""Admission's host-memory check: the floor plus what one job of the engine takes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from docwarden import admission as admission_module
from docwarden.admission import Admission
from docwarden.engines.spec import EngineSpec
from docwarden.errors import GpuMemory, InsufficientMemory
from docwarden.monitoring.gpu import NoGpu
from docwarden.monitoring.metrics import Metrics
from docwarden.readings import MIB, GpuInfo
from docwarden.settings import Settings


class ReadyPools:
    def pool(self, engine: str) -> Any:
        return SimpleNamespace(accepts_jobs=True, last_load_error=None)


def admission(floor_mb: int, hints: dict[str, int], gpu: Any = None) -> Admission:
    settings = Settings(min_free_memory_mb=floor_mb, engines=["ocr"])
    specs = {name: EngineSpec(name, "x:Y", job_rss_hint_mb=mb, uses_gpu=name.startswith("gpu"))
             for name, mb in hints.items()}
    return Admission(settings, ReadyPools(), gpu or NoGpu(), Metrics(),  # type: ignore[arg-type]
                     specs)


@pytest.fixture
def available_mb(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    figure = {"mb": 0}
    monkeypatch.setattr(admission_module, "host_available_bytes", lambda: figure["mb"] * MIB)
    return figure


def test_a_job_needs_its_hint_above_the_floor(available_mb: dict[str, int]) -> None:
    gate = admission(512, {"big": 1500, "small": 10})
    available_mb["mb"] = 1000
    gate.check_capacity("small")
    with pytest.raises(InsufficientMemory, match=r"big job needs about 1500 MB above .*=512"):
        gate.check_capacity("big")
    available_mb["mb"] = 2100
    gate.check_capacity("big")


def test_an_engine_without_a_hint_needs_the_floor_only(available_mb: dict[str, int]) -> None:
    gate = admission(512, {})
    available_mb["mb"] = 513
    gate.check_capacity("plugin")
    available_mb["mb"] = 500
    with pytest.raises(InsufficientMemory):
        gate.check_capacity("plugin")


def test_a_zero_floor_turns_the_check_off(available_mb: dict[str, int]) -> None:
    available_mb["mb"] = 0
    admission(0, {"big": 1500}).check_capacity("big")


class FullGpu:
    def snapshot(self) -> GpuInfo:
        return GpuInfo.from_mb(0, "test", total_mb=1000, used_mb=990)

    def process_used_mb(self, pid: int) -> float | None:
        return None


def test_the_gpu_precheck_applies_to_engines_that_declare_gpu_use(
        available_mb: dict[str, int]) -> None:
    available_mb["mb"] = 10_000
    gate = admission(512, {"gpu_vlm": 10, "cpu_ocr": 10}, FullGpu())
    gate.check_capacity("cpu_ocr")
    with pytest.raises(GpuMemory):
        gate.check_capacity("gpu_vlm")
