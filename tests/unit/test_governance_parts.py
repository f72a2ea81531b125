"""Pure parts of the supervisor: poison table, spawn governor, GPU pressure, job hash."""

from __future__ import annotations

from docwarden.jobdata import JobPayload
from docwarden.monitoring.gpu import gpu_pressure
from docwarden.readings import GpuInfo
from docwarden.supervisor.governor import SpawnGovernor
from docwarden.supervisor.job import input_hash
from docwarden.supervisor.poison import PoisonTable


def test_poison_after_the_configured_strikes_and_bounded() -> None:
    table = PoisonTable(strikes=2, capacity=3)
    table.record_death("a")
    assert not table.is_poison("a")
    table.record_death("a")
    assert table.is_poison("a")
    for key in "bcd":
        table.record_death(key)
    assert len(table) == 3 and not table.is_poison("a")  # oldest evicted


def test_spawn_backoff_doubles_to_a_cap_and_resets() -> None:
    governor = SpawnGovernor(base_s=1, max_s=5, per_minute=100)
    assert [governor.failed(0) for _ in range(5)] == [1, 2, 4, 5, 5]
    assert not governor.may_spawn(4.9) and governor.may_spawn(5.0)
    governor.succeeded()
    assert governor.may_spawn(0)


def test_spawns_per_minute_are_bounded() -> None:
    governor = SpawnGovernor(base_s=1, max_s=5, per_minute=3)
    for t in (0.0, 1.0, 2.0):
        assert governor.may_spawn(t)
        governor.spawned(t)
    assert not governor.may_spawn(30.0)
    assert governor.may_spawn(60.5)


def test_gpu_pressure() -> None:
    busy = GpuInfo.from_mb(0, "gpu", total_mb=10_000, used_mb=9_700)
    assert busy.usage_percent == 97.0 and busy.free_mb == 300.0
    assert "97.0% used" in (gpu_pressure(busy, 0.95, 100) or "")
    assert "free" in (gpu_pressure(busy, 0.99, 500) or "")
    assert gpu_pressure(GpuInfo.from_mb(0, "gpu", 10_000, 1_000), 0.95, 500) is None


def test_input_hash_covers_data_files_and_params() -> None:
    base = input_hash("ocr", JobPayload(data=b"x"))
    assert base == input_hash("ocr", JobPayload(data=b"x"))
    assert base != input_hash("pdf", JobPayload(data=b"x"))
    assert base != input_hash("ocr", JobPayload(data=b"y"))
    assert base != input_hash("ocr", JobPayload(data=b"x", params={"a": 1}))
    assert base != input_hash("ocr", JobPayload(files={"file": b"x"}))


def test_a_supervisor_uses_the_quarantine_it_is_given_even_while_empty() -> None:
    """An empty table is falsy (it has a length): `poison or default` dropped it."""
    from docwarden.settings import Settings
    from docwarden.supervisor.supervisor import Supervisor

    given = PoisonTable(strikes=2)
    supervisor = Supervisor(Settings(), engines=[], poison=given)
    try:
        assert supervisor.poison is given
    finally:
        supervisor.close()
