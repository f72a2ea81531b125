"""The planner's advice is arithmetic on what it measured: memory fit, capped by cores."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from docwarden import planner
from docwarden.cli import app
from docwarden.engines.registry import engine_spec
from docwarden.planner import EngineMeasurement, advise
from docwarden.settings import Settings

LIGHT = EngineMeasurement("ocr", load_rss_mb=200, peak_rss_mb=220, job_s=0.2)  # cost 275 MB
HEAVY = EngineMeasurement("pdf", load_rss_mb=100, peak_rss_mb=400, job_s=1.0)  # cost 500 MB


def settings() -> Settings:
    return Settings(min_free_memory_mb=256)


def test_the_memory_fit_is_reported_and_the_cores_cap_the_advice() -> None:
    plan = advise(4096, [LIGHT], settings(), cpu_cores=2)
    assert plan.usable_mb == 4096 - 200 - 256
    assert plan.workers_per_engine == plan.usable_mb // LIGHT.cost_mb == 13
    assert (plan.threads_per_worker, plan.workers_advised) == (2, 1)  # 1 x 2 threads = 2 cores
    assert plan.settings["DOCWARDEN_WORKERS"] == "1"
    assert plan.settings["DOCWARDEN_THREADS_PER_WORKER"] == "2"


def test_a_model_that_grows_per_job_gets_one_thread_per_worker() -> None:
    plan = advise(4096, [LIGHT, HEAVY], settings(), cpu_cores=8)
    assert plan.threads_per_worker == 1
    assert plan.workers_per_engine == (4096 - 200 - 256) // (LIGHT.cost_mb + HEAVY.cost_mb) == 4
    assert plan.workers_advised == 4  # the memory is the tighter bound here


def test_one_core_one_thread_and_at_least_one_worker() -> None:
    plan = advise(4096, [LIGHT], settings(), cpu_cores=1)
    assert (plan.workers_advised, plan.threads_per_worker) == (1, 1)
    starved = advise(512, [HEAVY], settings(), cpu_cores=4)
    assert starved.workers_per_engine == 0 and starved.workers_advised == 1


def test_hints_stand_in_for_a_measurement_that_cannot_be_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(settings: Settings, engine: str) -> EngineMeasurement:
        raise RuntimeError("pdf did not load: no model file")

    monkeypatch.setattr(planner, "measure", broken)
    row = planner.measure_or_hint(settings(), "pdf")
    spec = engine_spec("pdf")
    assert (row.source, row.load_rss_mb, row.peak_rss_mb, row.job_s) == (
        "hint", spec.load_rss_hint_mb, spec.load_rss_hint_mb + spec.job_rss_hint_mb, None)
    assert "no model file" in row.note
    plan = advise(4096, [row], settings(), cpu_cores=2)
    assert plan.workers_per_engine == plan.usable_mb // row.cost_mb


def test_a_measurement_carries_the_hints_next_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planner, "measure", lambda settings, engine: LIGHT)
    row = planner.measure_or_hint(settings(), "ocr")
    spec = engine_spec("ocr")
    assert (row.source, row.peak_rss_mb, row.note) == ("measured", LIGHT.peak_rss_mb, "")
    assert (row.load_hint_mb, row.job_hint_mb) == (spec.load_rss_hint_mb, spec.job_rss_hint_mb)


def test_plan_with_hints_only_measures_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(settings: Settings, engine: str) -> EngineMeasurement:
        raise AssertionError("measured although --hints")

    monkeypatch.setattr(planner, "measure", forbidden)
    result = CliRunner().invoke(app, ["plan", "--memory", "4G", "--engines", "ocr,pdf",
                                      "--hints", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["measurements"]
    assert [(r["engine"], r["source"], r["load_rss_mb"]) for r in rows] == [
        ("ocr", "hint", engine_spec("ocr").load_rss_hint_mb),
        ("pdf", "hint", engine_spec("pdf").load_rss_hint_mb)]
