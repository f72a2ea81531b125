"""Entry point of a worker process (started with the multiprocessing spawn context).

The worker loads one engine, reports `Loaded`, then runs jobs sent by the
supervisor on up to `spec.threads` threads sharing that engine.  It never
decides to kill itself for memory or time: the parent does that.
"""

from __future__ import annotations

import gc
import logging
import os
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection

import psutil

from docwarden.engines.base import Engine, JobInput
from docwarden.errors import DocwardenError, GpuMemory, InternalError
from docwarden.monitoring.logging import configure_logging
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

    def __init__(self, spec: WorkerSpec, conn: Connection, engine: Engine) -> None:
        self.spec = spec
        self.conn = conn
        self.engine = engine
        self._send_lock = threading.Lock()
        self._process = psutil.Process()
        self._jobs_done = 0

    def send(self, message: FromWorker) -> None:
        with self._send_lock:
            self.conn.send(message)

    def serve(self) -> ExitCode:
        with ThreadPoolExecutor(self.spec.threads, thread_name_prefix="job") as pool:
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
                pool.submit(self.run_job, message)

    def run_job(self, message: RunJob) -> None:
        started = time.monotonic()
        job = JobInput(
            data=message.payload.data,
            files=message.payload.files,
            params=message.payload.params,
            progress=lambda done, total: self.send(Progress(message.job_id, done, total)),
        )
        result, error, gpu_exhausted = None, None, False
        try:
            result = self.engine.run(job)
        except DocwardenError as exc:
            error, gpu_exhausted = exc.to_dict(), isinstance(exc, GpuMemory)
        except MemoryError:
            error = InternalError("the engine ran out of memory (MemoryError)").to_dict()
        except Exception as exc:
            log.exception("engine %s failed on job %s", self.spec.engine, message.job_id)
            error = InternalError(f"engine error: {type(exc).__name__}: {exc}").to_dict()
        del job
        self.send(JobDone(
            job_id=message.job_id,
            duration_s=time.monotonic() - started,
            rss_bytes=self._process.memory_info().rss,
            max_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            result=result,
            error=error,
            gpu_exhausted=gpu_exhausted,
        ))
        # After the answer is on its way: the caller does not wait for the clean-up.
        self._after_job()
        self.send(Settled(rss_bytes=self._process.memory_info().rss))

    def _after_job(self) -> None:
        """Return what the job freed, so RSS measures what it kept (leaks), not garbage.

        A full collection costs ~15 ms with a model loaded, so it runs every
        FULL_GC_EVERY_JOBS jobs; the young generations are collected after each.
        """
        self._jobs_done += 1
        gc.collect(2 if self._jobs_done % FULL_GC_EVERY_JOBS == 0 else 1)
        if self.spec.trim_after_job:
            runtime.trim_heap()


def load_engine(spec: WorkerSpec) -> Engine:
    from docwarden.engines.registry import load_engine_class

    engine = load_engine_class(spec.engine)(spec.settings)
    engine.load()
    return engine


def worker_main(spec: WorkerSpec, conn: Connection) -> None:
    """Child process body: set up, load, serve, exit with an `ExitCode`."""
    runtime.become_group_leader()
    runtime.die_with_parent(spec.parent_pid, lambda: os._exit(ExitCode.PARENT_GONE))
    os.environ.update(runtime.thread_environment(spec.intra_op_threads))
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
