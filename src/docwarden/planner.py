"""`docwarden plan`: measure each engine, then say how many workers fit.

Each engine is loaded in a throwaway governed worker (the same spawn path as
the server), its load RSS read, and its built-in sample job run a few times;
the worker's RSS high-water mark is the per-worker cost.  The advice is pure
arithmetic on those measurements, so it can be checked against them.

Every engine also declares rough figures (`load_rss_hint_mb`,
`job_rss_hint_mb` on its spec).  They are shown next to each measurement, so a
plug-in author sees when a hint is off, and they stand in for the measurement
when there is none: the engine failed to load here (no model file, no GPU),
its sample job failed, or `--hints` asked not to measure.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

from docwarden.engines.registry import engine_spec, load_engine_class
from docwarden.jobdata import JobPayload
from docwarden.readings import MIB
from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor

PARENT_OVERHEAD_MB = 200      # the API process with its supervisor thread
SAFETY_FACTOR = 1.25          # inputs larger than the sample need room
SAMPLE_RUNS = 3
READY_TIMEOUT_S = 180.0
log = logging.getLogger("docwarden.planner")


@dataclass(frozen=True)
class EngineMeasurement:
    """What one worker of an engine costs: measured, or the engine's declared hints."""

    engine: str
    load_rss_mb: float
    peak_rss_mb: float
    job_s: float | None
    load_hint_mb: int = 0
    job_hint_mb: int = 0
    source: str = "measured"  # or "hint": the figures above are the hints
    note: str = ""  # why there is no measurement

    @property
    def cost_mb(self) -> float:
        return math.ceil(self.peak_rss_mb * SAFETY_FACTOR)


@dataclass(frozen=True)
class Plan:
    memory_mb: int
    usable_mb: int
    measurements: list[EngineMeasurement]
    workers_per_engine: int  # what the memory fits
    threads_per_worker: int
    cpu_cores: int
    workers_advised: int  # what the memory fits, capped so that workers x threads <= cores
    settings: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        for row, measurement in zip(body["measurements"], self.measurements, strict=True):
            row["cost_mb"] = measurement.cost_mb
        return body


def from_hints(engine: str, note: str = "") -> EngineMeasurement:
    """The engine's declared figures standing in for a measurement."""
    spec = engine_spec(engine)
    load_mb, job_mb = spec.load_rss_hint_mb, spec.job_rss_hint_mb
    return EngineMeasurement(engine, float(load_mb), float(load_mb + job_mb), None,
                             load_mb, job_mb, "hint", note)


def measure_or_hint(settings: Settings, engine: str, measure_it: bool = True
                    ) -> EngineMeasurement:
    """A measurement with the hints next to it, or the hints when measuring fails."""
    if not measure_it:
        return from_hints(engine, "not measured (--hints)")
    try:
        measured = measure(settings, engine)
    except Exception as exc:
        log.warning("could not measure %s, planning with its hints: %s", engine, exc)
        return from_hints(engine, f"measurement failed: {type(exc).__name__}: {exc}")
    spec = engine_spec(engine)
    return EngineMeasurement(measured.engine, measured.load_rss_mb, measured.peak_rss_mb,
                             measured.job_s, spec.load_rss_hint_mb, spec.job_rss_hint_mb)


def measure(settings: Settings, engine: str) -> EngineMeasurement:
    """Load `engine` in one throwaway worker and run its sample job a few times."""
    sample = load_engine_class(engine)(settings).sample_job()
    payload = JobPayload(data=sample.data, files=sample.files, params=sample.params)
    one_worker = settings.model_copy(update={"workers": 1, "max_jobs_per_worker": 0})
    supervisor = Supervisor(one_worker, engines=[engine])
    supervisor.start()
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not supervisor.ready:
            if time.monotonic() > deadline:
                error = supervisor.pool(engine).last_load_error
                raise RuntimeError(f"{engine} did not load: {error}")
            time.sleep(0.05)
        load_rss = supervisor.pool(engine).workers[0].load_rss_bytes
        outcomes = [supervisor.submit(engine, payload).future.result(timeout=READY_TIMEOUT_S)
                    for _ in range(SAMPLE_RUNS)]
    finally:
        supervisor.shutdown(grace_s=5)
    peak = max(max(o.max_rss_bytes, o.peak_rss_bytes) for o in outcomes)
    return EngineMeasurement(engine, round(load_rss / MIB, 1), round(max(peak, load_rss) / MIB, 1),
                             round(sum(o.duration_s for o in outcomes) / len(outcomes), 3))


def advise(memory_mb: int, measurements: list[EngineMeasurement], settings: Settings,
           cpu_cores: int) -> Plan:
    """Workers that fit the memory, and as many inference threads as cores: more threads
    than cores cost throughput (bench/compare/run.py, 2 workers x 2 threads on 2 cores)."""
    usable_mb = memory_mb - PARENT_OVERHEAD_MB - settings.min_free_memory_mb
    per_round_mb = sum(m.cost_mb for m in measurements)
    workers = max(int(usable_mb // per_round_mb), 0) if per_round_mb else 0
    light = all(m.peak_rss_mb - m.load_rss_mb < 0.5 * m.load_rss_mb for m in measurements)
    threads = 2 if light and cpu_cores >= 2 else 1
    advised = max(min(workers, cpu_cores // threads), 1)
    biggest = max((m.cost_mb for m in measurements), default=0)
    advice = {
        "DOCWARDEN_ENGINES": ",".join(m.engine for m in measurements),
        "DOCWARDEN_WORKERS": str(advised),
        "DOCWARDEN_THREADS_PER_WORKER": str(threads),
        "DOCWARDEN_MAX_WORKER_RSS_MB": str(math.ceil(biggest * 1.2)),
        "DOCWARDEN_HARD_WORKER_RSS_MB": str(math.ceil(biggest * 2)),
    }
    return Plan(memory_mb, usable_mb, measurements, workers, threads, cpu_cores, advised,
                advice)
