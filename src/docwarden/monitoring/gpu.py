"""GPU memory readings behind one interface: NVML, a fake for tests, or none.

Figures have the shape of DESIGN.md: {available, index, name, total_mb,
used_mb, free_mb, usage_percent}.  Without a GPU every probe call returns
None and the precheck is skipped.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Protocol

from docwarden.readings import MIB, GpuInfo
from docwarden.settings import Device, Settings

log = logging.getLogger("docwarden.gpu")


class GpuProbe(Protocol):
    def snapshot(self) -> GpuInfo | None: ...

    def process_used_mb(self, pid: int) -> float | None: ...


class NoGpu:
    """The probe of a machine without a GPU."""

    def snapshot(self) -> GpuInfo | None:
        return None

    def process_used_mb(self, pid: int) -> float | None:
        return None


class FakeNvml:
    """Reads GPU figures from a JSON file, re-read on every call so tests can change it.

    File shape: {"name", "total_mb", "used_mb", "processes": {"<pid>": used_mb}}.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data

    def snapshot(self) -> GpuInfo | None:
        data = self._read()
        if not data:
            return None
        return GpuInfo.from_mb(0, str(data.get("name", "Fake GPU")), float(data["total_mb"]),
                               float(data["used_mb"]))

    def process_used_mb(self, pid: int) -> float | None:
        value = self._read().get("processes", {}).get(str(pid))
        return None if value is None else float(value)


class Nvml:
    """Real readings through nvidia-ml-py (extra `gpu`), device 0."""

    def __init__(self) -> None:
        import pynvml

        pynvml.nvmlInit()
        self._nvml = pynvml
        self._handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        self._name = str(pynvml.nvmlDeviceGetName(self._handle))

    def snapshot(self) -> GpuInfo | None:
        memory = self._nvml.nvmlDeviceGetMemoryInfo(self._handle)
        return GpuInfo.from_mb(0, self._name, memory.total / MIB, memory.used / MIB)

    def process_used_mb(self, pid: int) -> float | None:
        for process in self._nvml.nvmlDeviceGetComputeRunningProcesses(self._handle):
            if process.pid == pid and process.usedGpuMemory is not None:
                return float(process.usedGpuMemory) / MIB
        return None


def make_gpu_probe(settings: Settings, quiet: bool = False) -> GpuProbe:
    """Fake when configured, NVML when a GPU answers, otherwise no GPU."""
    if settings.fake_nvml is not None:
        return FakeNvml(settings.fake_nvml)
    try:
        return Nvml()
    except Exception as exc:  # ImportError, NVMLError: both mean "no usable GPU"
        warn = settings.device is Device.CUDA and not quiet
        level = logging.WARNING if warn else logging.DEBUG
        log.log(level, "no GPU readings (NVML unavailable: %s); GPU precheck off", exc)
        return NoGpu()


def worker_gpu_probe(settings: Settings) -> GpuProbe:
    """What a worker reads around each job: a GPU only when the service runs on CUDA.

    Quiet: the supervisor already warned once when NVML is missing, and
    workers are respawned often.
    """
    if settings.device is not Device.CUDA:
        return NoGpu()
    return make_gpu_probe(settings, quiet=True)


def gpu_pressure(info: GpuInfo, max_used_fraction: float, min_free_mb: float) -> str | None:
    """Why the GPU is too full for a new job, or None when there is room."""
    if info.usage_percent / 100.0 > max_used_fraction:
        return f"GPU {info.index} is {info.usage_percent}% used (limit {max_used_fraction:.0%})"
    if info.free_mb < min_free_mb:
        return f"GPU {info.index} has {info.free_mb} MB free (minimum {min_free_mb} MB)"
    return None
