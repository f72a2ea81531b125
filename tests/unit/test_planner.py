"""The planner's advice is arithmetic on what it measured: memory fit, capped by cores."""

from __future__ import annotations

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
