"""Prometheus metrics with the names of DESIGN.md, in a registry of their own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

disable_created_metrics()  # type: ignore[no-untyped-call]  # the *_created series only add noise to every scrape
RSS_BUCKETS = tuple(float(mb * 1024 * 1024) for mb in (64, 128, 256, 512, 1024, 2048, 4096, 8192))
DURATION_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
                      1200, 1800, 3600)
DEFAULT_MAX_JOB_S = 3600.0


def duration_buckets(max_job_timeout_s: float) -> tuple[float, ...]:
    """Up to the longest deadline a job may have: a 20-minute job must not land in +Inf."""
    below = tuple(b for b in DURATION_BUCKETS_S if b < max_job_timeout_s)
    return (*below, float(max_job_timeout_s))


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None,
                 max_job_timeout_s: float = DEFAULT_MAX_JOB_S) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.jobs = Counter("docwarden_jobs", "Jobs finished, by outcome",
                            ["engine", "outcome"], registry=r)
        self.job_duration = Histogram("docwarden_job_duration_seconds",
                                      "Time a job spent in a worker", ["engine"],
                                      buckets=duration_buckets(max_job_timeout_s), registry=r)
        self.job_peak_rss = Histogram("docwarden_job_peak_rss_bytes",
                                      "Peak worker RSS seen during a job", ["engine"],
                                      buckets=RSS_BUCKETS, registry=r)
        self.queue_depth = Gauge("docwarden_queue_depth", "Jobs waiting for a worker",
                                 ["engine"], registry=r)
        self.workers = Gauge("docwarden_workers", "Worker processes by state",
                             ["engine", "state"], registry=r)
        self.worker_rss = Gauge("docwarden_worker_rss_bytes",
                                "RSS of a worker's process tree", ["engine", "slot"], registry=r)
        self.recycles = Counter("docwarden_worker_recycles", "Workers recycled, by reason",
                                ["engine", "reason"], registry=r)
        self.rejected = Counter("docwarden_rejected", "Requests refused before dispatch",
                                ["engine", "reason"], registry=r)
        self.gpu_used = Gauge("docwarden_gpu_memory_used_bytes", "GPU memory in use",
                              ["gpu"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class PoolGauges:
    """One engine's gauges with their label children resolved once.

    `labels()` is a dictionary lookup under a lock, and the supervisor
    publishes on every tick (ten times a second and on every job event).
    """

    def __init__(self, metrics: Metrics, engine: str, states: Iterable[str]) -> None:
        self._metrics, self._engine = metrics, engine
        self._queue = metrics.queue_depth.labels(engine)
        self._states = {state: metrics.workers.labels(engine, state) for state in states}
        self._rss_by_slot: dict[int, Gauge] = {}

    def publish(self, queued: int, workers_by_state: Mapping[str, int],
                rss_by_slot: Iterable[tuple[int, int]]) -> None:
        self._queue.set(queued)
        for state, gauge in self._states.items():
            gauge.set(workers_by_state.get(state, 0))
        current = dict(rss_by_slot)
        for slot in [s for s in self._rss_by_slot if s not in current]:
            del self._rss_by_slot[slot]  # the worker is gone: so is its series
            self._metrics.worker_rss.remove(self._engine, str(slot))
        for slot, rss_bytes in current.items():
            if slot not in self._rss_by_slot:
                self._rss_by_slot[slot] = self._metrics.worker_rss.labels(self._engine, str(slot))
            self._rss_by_slot[slot].set(rss_bytes)
