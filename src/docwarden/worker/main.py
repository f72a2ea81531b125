"""Entry point of a worker process (started with the multiprocessing spawn context).

The worker loads one engine, reports `Loaded`, then runs jobs sent by the
supervisor on up to THREADS_PER_WORKER threads sharing that engine.  It never
decides to kill itself for memory or time: the parent does that.
"""

from __future__ import annotations

import gc
import logging
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

import psutil

from docwarden.engines.base import Engine, JobInput, is_gpu_out_of_memory
from docwarden.errors import DocwardenError, GpuMemory, InternalError
from docwarden.jobdata import EngineResult
from docwarden.monitoring.gpu import GpuProbe, worker_gpu_probe
from docwarden.monitoring.logging import configure_logging
from docwarden.readings import MIB
from docwarden.worker import runtime
from docwarden.worker.protocol import (
    ExitCode,
    FromWorker,
    JobDone,
    Loaded,
    LoadFailed,
    Progress,
    RunJob,
    Settled,
    Stop,
    WorkerSpec,
)

log = logging.getLogger("docwarden.worker")
FULL_GC_EVERY_JOBS = 20


class WorkerLoop:
    """Receives jobs from the pipe and answers each one on the same pipe."""

    def __init__(self, spec: WorkerSpec, conn: Connection, engine: Engine,
                 gpu: GpuProbe | None = None) -> None:
        self.spec = spec
        self.conn = conn
        self.engine = engine
        self.gpu = gpu or worker_gpu_probe(spec.settings)
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._hook_lock = threading.Lock()
        self._process = psutil.Process()
        self._jobs_done = 0
        self._in_flight = 0
        self._batch_hook_due = False
        # Each job slot's working set stays mapped: two jobs side by side leave twice
        # what one leaves, and handing that back made both fault it in again.
        settings = spec.settings
        self._retain_free_bytes = settings.worker_retain_free_mb * MIB * settings.threads_per_worker

    def send(self, message: FromWorker) -> None:
        with self._send_lock:
            self.conn.send(message)

    def serve(self) -> ExitCode:
        """Run jobs as they come until Stop.  With one job at a time the job runs on
        this thread: the parent sends the next job (or Stop) only once this one is
        answered, and a thread hop per job was a tenth of a trivial job's latency."""
        threads = self.spec.settings.threads_per_worker
        if threads == 1:
            return self._serve_with(self.run_job)
        with ThreadPoolExecutor(threads, thread_name_prefix="job") as pool:
            return self._serve_with(lambda message: pool.submit(self.run_job, message))

    def _serve_with(self, start: Callable[[RunJob], object]) -> ExitCode:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                return ExitCode.PARENT_GONE
            if isinstance(message, Stop):
                return ExitCode.OK
            if not isinstance(message, RunJob):
                log.error("unexpected message %r", type(message).__name__)
                return ExitCode.PROTOCOL_ERROR
            with self._state_lock:
                self._in_flight += 1  # counted here: "no job in flight" is then exact
            start(message)

    def run_job(self, message: RunJob) -> None:
        started = time.monotonic()
        job = JobInput(
            data=message.payload.data,
            files=message.payload.files,
            params=message.payload.params,
            progress=lambda done, total: self.send(Progress(message.job_id, done, total)),
        )
        before = self._gpu_reading()
        result, error, gpu_exhausted = self._run_engine(job, message.job_id)
        after = self._gpu_reading()
        del job
        if isinstance(result, dict) and (before or after):
            # Engine-made keys win: a plug-in may report its own readings.
            result = {"gpu_info_before": before, "gpu_info_after": after, **result}
        self.send(JobDone(
            job_id=message.job_id,
            duration_s=time.monotonic() - started,
            rss_bytes=self._process.memory_info().rss,
            max_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            result=result,
            error=error,
            gpu_exhausted=gpu_exhausted,
            gpu_info_before=before,
            gpu_info_after=after,
        ))
        # After the answer is on its way: the caller does not wait for the clean-up.
        self._after_job(message.payload.last_of_batch)
        self.send(Settled(rss_bytes=self._process.memory_info().rss))

    def _run_engine(self, job: JobInput, job_id: str) -> tuple[
            EngineResult | None, dict[str, Any] | None, bool]:
        """The engine's result, or the error (as a dict) and whether GPU memory ran out."""
        try:
            return self.engine.run(job), None, False
        except DocwardenError as exc:
            return None, exc.to_dict(), isinstance(exc, GpuMemory)
        except MemoryError:
            return None, InternalError("the engine ran out of memory (MemoryError)").to_dict(), \
                False
        except Exception as exc:
            if is_gpu_out_of_memory(exc):  # any engine's CUDA OOM: 503 and a recycle
                return None, GpuMemory(f"the GPU ran out of memory: {exc}").to_dict(), True
            log.exception("engine %s failed on job %s", self.spec.engine, job_id)
            return None, InternalError(f"engine error: {type(exc).__name__}: {exc}").to_dict(), \
                False

    def _gpu_reading(self) -> dict[str, Any] | None:
        """One GPU reading in DESIGN.md's shape; a failing probe never fails the job."""
        try:
            info = self.gpu.snapshot()
        except Exception as exc:  # NVMLError mid-run (driver reset, GPU lost)
            log.debug("GPU reading failed: %s", exc)
            return None
        return None if info is None else info.to_dict()

    def _after_job(self, last_of_batch: bool = False) -> None:
        """Return what the job freed, so RSS measures what it kept (leaks), not garbage.

        A full collection costs ~15 ms with a model loaded, so it runs every
        FULL_GC_EVERY_JOBS jobs; the young generations are collected after each.
        Then the engine's `after_jobs` hook, when due (see `_hook_due`).
        """
        with self._state_lock:
            self._jobs_done += 1
            jobs_done = self._jobs_done
        gc.collect(2 if jobs_done % FULL_GC_EVERY_JOBS == 0 else 1)
        if self.spec.trim_after_job:
            runtime.trim_heap(self._retain_free_bytes)
        if self._hook_due(jobs_done, last_of_batch):
            self._call_after_jobs()

    def _hook_due(self, jobs_done: int, last_of_batch: bool) -> bool:
        """Every `after_jobs_every` jobs, and once after a batch when nothing is in flight.

        A batch's last item may finish while another job still runs on this
        worker (THREADS_PER_WORKER > 1): the call then waits for the last one out.
        """
        every = self.engine.after_jobs_every
        with self._state_lock:
            self._in_flight = max(self._in_flight - 1, 0)
            self._batch_hook_due = self._batch_hook_due or last_of_batch
            due = every > 0 and jobs_done % every == 0
            if self._batch_hook_due and self._in_flight == 0:
                self._batch_hook_due, due = False, True
        return due

    def _call_after_jobs(self) -> None:
        with self._hook_lock:
            started = time.monotonic()
            try:
                self.engine.after_jobs()
            except Exception:
                log.exception("after_jobs hook of engine %s failed", self.spec.engine)
                return
            log.debug("after_jobs hook ran", extra={
                "engine": self.spec.engine, "hook_s": round(time.monotonic() - started, 4)})


def load_engine(spec: WorkerSpec) -> Engine:
    from docwarden.engines.registry import load_engine_class

    engine = load_engine_class(spec.engine)(spec.settings)
    engine.load()
    return engine


def worker_main(spec: WorkerSpec, conn: Connection) -> None:
    """Child process body: set up, load, serve, exit with an `ExitCode`."""
    runtime.become_group_leader()
    runtime.die_with_parent(spec.parent_pid, lambda: os._exit(ExitCode.PARENT_GONE))
    os.environ.update(runtime.thread_environment(spec.settings.intra_op_threads))
    configure_logging(spec.settings.log_level, spec.settings.log_format)
    started = time.monotonic()
    try:
        engine = load_engine(spec)
    except Exception as exc:
        log.exception("engine %s failed to load", spec.engine)
        conn.send(LoadFailed(os.getpid(), f"{type(exc).__name__}: {exc}"))
        os._exit(ExitCode.LOAD_FAILED)
    # The model's objects live as long as the worker: move them out of the collector's
    # sight, so later collections scan only what jobs create (48 ms -> 0.2 ms for OCR).
    gc.collect()
    gc.freeze()
    conn.send(Loaded(
        pid=os.getpid(),
        load_s=time.monotonic() - started,
        rss_bytes=psutil.Process().memory_info().rss,
        allocator=runtime.current_allocator(),
    ))
    code = WorkerLoop(spec, conn, engine).serve()
    engine.close()
    conn.close()
    # os._exit: skip interpreter teardown, which can hang in native model code.
    os._exit(code)
