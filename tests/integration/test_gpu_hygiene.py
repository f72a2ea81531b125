"""GPU readings around jobs in real worker processes, with the fake NVML (no GPU here)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from docwarden.jobdata import JobPayload
from tests.integration.conftest import SupervisorFactory

GPU_KEYS = {"available", "index", "name", "total_mb", "used_mb", "free_mb", "usage_percent"}


def test_every_job_records_gpu_readings_in_result_and_log(
        make_supervisor: SupervisorFactory, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    fake = tmp_path / "nvml.json"
    fake.write_text(json.dumps({"name": "Fake A10", "total_mb": 24000, "used_mb": 3000}))
    supervisor = make_supervisor(workers=1, device="cuda", fake_nvml=fake)
    with caplog.at_level(logging.INFO, logger="docwarden.supervisor"):
        outcome = supervisor.submit("chaos", JobPayload(params={"echo": "x"})).future.result(30)
    result = outcome.result
    assert isinstance(result, dict) and result["echo"] == "x"
    for key in ("gpu_info_before", "gpu_info_after"):
        assert set(result[key]) == GPU_KEYS
        assert result[key]["name"] == "Fake A10" and result[key]["free_mb"] == 21000.0
    (line,) = [r for r in caplog.records if r.getMessage() == "job finished"]
    assert line.gpu_info_after == result["gpu_info_after"]  # type: ignore[attr-defined]


def test_no_readings_without_cuda(make_supervisor: SupervisorFactory, tmp_path: Path) -> None:
    fake = tmp_path / "nvml.json"
    fake.write_text(json.dumps({"name": "Fake A10", "total_mb": 24000, "used_mb": 3000}))
    supervisor = make_supervisor(workers=1, fake_nvml=fake)
    result = supervisor.submit("chaos", JobPayload(params={})).future.result(30).result
    assert isinstance(result, dict) and "gpu_info_before" not in result
