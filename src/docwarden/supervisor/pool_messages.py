"""What workers tell their pool, and what the pool does about it.

A part of `Pool` (its base class), apart so that the pool's own module reads as
its tick: loaded, load failed, job done, settled, progress.  Runs on the
supervisor thread only, as every step of the tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from docwarden.errors import DocwardenError
from docwarden.jobdata import JobOutcome
from docwarden.monitoring.metrics import Metrics
from docwarden.readings import MIB, mb
from docwarden.settings import Settings
from docwarden.supervisor.governor import SpawnGovernor
from docwarden.supervisor.handle import WorkerHandle
from docwarden.supervisor.job import Job
from docwarden.supervisor.states import RecycleReason, WorkerState
from docwarden.worker.protocol import JobDone, Loaded, LoadFailed, Progress, Settled

log = logging.getLogger("docwarden.supervisor")


class WorkerMessages:
    """The message steps of a pool; the attributes are the pool's (see `Pool`)."""

    engine: str
    settings: Settings
    metrics: Metrics
    governor: SpawnGovernor
    workers: list[WorkerHandle]
    last_load_error: str | None
    has_loaded: bool
    jobs_done: int
    # The pool's own step: a retirement may wait for a handover.
    _retire: Callable[[WorkerHandle, RecycleReason], None]
    _govern_now: bool  # the pool's: govern on the next tick, a worker's fate changed

    def _receive_messages(self) -> None:
        for worker in list(self.workers):
            try:
                while worker.conn.poll():
                    self._handle_message(worker, worker.conn.recv())
            except (EOFError, OSError):
                self._govern_now = True  # the pipe closed: _reap_exited handles the death

    def _handle_message(self, worker: WorkerHandle, message: object) -> None:
        if isinstance(message, JobDone):
            self._job_done(worker, message)
        elif isinstance(message, Progress):
            job = worker.in_flight.get(message.job_id)
            if job is not None and job.on_progress is not None:
                job.on_progress(message.done, message.total)
        elif isinstance(message, Settled):
            self._settled(worker, message)
        elif isinstance(message, Loaded):
            self._loaded(worker, message)
        elif isinstance(message, LoadFailed):
            self._load_failed(worker, message.error)

    def _loaded(self, worker: WorkerHandle, message: Loaded) -> None:
        worker.loaded_at = time.monotonic()
        worker.rss_bytes = worker.load_rss_bytes = message.rss_bytes
        if worker.state is WorkerState.LOADING:
            worker.state = WorkerState.IDLE
        self.governor.succeeded()
        self._govern_now = True  # a replacement is ready: the retiree it replaces can go
        self.last_load_error = None
        self.has_loaded = True
        log.info("worker loaded", extra={"engine": self.engine, "worker_pid": message.pid,
                 "load_s": round(message.load_s, 3), "rss_mb": mb(message.rss_bytes),
                 "allocator": message.allocator})

    def _load_failed(self, worker: WorkerHandle, error: str) -> None:
        worker.kill_reason = RecycleReason.LOAD_FAILED
        self._govern_now = True
        self.last_load_error = error
        delay = self.governor.failed(time.monotonic())
        log.warning("engine failed to load; retrying in %.1f s", delay, extra={
            "engine": self.engine, "worker_pid": worker.pid, "error": error,
            "attempt": self.governor.failures, "backoff_s": delay})

    def _job_done(self, worker: WorkerHandle, message: JobDone) -> None:
        job = worker.in_flight.pop(message.job_id, None)
        worker.jobs_done += 1
        self.jobs_done += 1
        worker.rss_bytes = message.rss_bytes
        if job is not None:
            job.peak_rss_bytes = max(job.peak_rss_bytes, message.rss_bytes)
            self._answer(worker, job, message)
        worker.settling += 1  # its slot stays taken until the worker's clean-up is done
        if message.gpu_exhausted:
            self._retire(worker, RecycleReason.GPU_MEMORY)
        self._settle_state(worker)

    def _settled(self, worker: WorkerHandle, message: Settled) -> None:
        """The RSS a job left behind decides the soft-limit recycle."""
        worker.settling = max(worker.settling - 1, 0)
        worker.rss_bytes = message.rss_bytes
        if message.rss_bytes > self.settings.max_worker_rss_mb * MIB:
            self._retire(worker, RecycleReason.RSS_SOFT)
        self._settle_state(worker)

    def _answer(self, worker: WorkerHandle, job: Job, message: JobDone) -> None:
        outcome = "ok" if message.error is None else str(message.error.get("code"))
        self._record(job, worker.pid, outcome, message.duration_s,
                     gpu_info_before=message.gpu_info_before, gpu_info_after=message.gpu_info_after)
        if message.error is not None:
            job.fail(DocwardenError.from_dict(message.error))
            return
        assert message.result is not None
        job.finish(JobOutcome(message.result, worker.pid, message.duration_s,
                              job.started_at - job.submitted_at, job.peak_rss_bytes,
                              message.max_rss_bytes))

    def _record(self, job: Job, pid: int, outcome: str, duration_s: float,
                **gpu: dict[str, object] | None) -> None:
        self.metrics.jobs.labels(self.engine, outcome).inc()
        self.metrics.job_duration.labels(self.engine).observe(duration_s)
        self.metrics.job_peak_rss.labels(self.engine).observe(job.peak_rss_bytes)
        log.info("job finished", extra={
            "job_id": job.id, "engine": self.engine, "worker_pid": pid, "outcome": outcome,
            "duration_s": round(duration_s, 4), "peak_rss_bytes": job.peak_rss_bytes,
            **{key: value for key, value in gpu.items() if value is not None}})

    def _settle_state(self, worker: WorkerHandle) -> None:
        if worker.loaded:
            worker.state = WorkerState.BUSY if worker.in_flight else WorkerState.IDLE
