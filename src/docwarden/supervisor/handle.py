"""One worker process as the parent sees it: spawn, talk, measure, kill."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import psutil

from docwarden.monitoring.memory import TreeMeter, descendants
from docwarden.settings import Allocator, Settings
from docwarden.supervisor.job import Job
from docwarden.supervisor.states import RecycleReason, WorkerState
from docwarden.worker import runtime
from docwarden.worker.protocol import ExitCode, RunJob, Stop, ToWorker, WorkerSpec

log = logging.getLogger("docwarden.supervisor")
SPAWN = multiprocessing.get_context("spawn")
# Spawning briefly changes this process's environment (LD_PRELOAD): one at a time.
_SPAWN_LOCK = threading.Lock()


@contextlib.contextmanager
def _child_environment(extra: dict[str, str]) -> Iterator[None]:
    """Environment the spawned interpreter starts with; restored right after."""
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def allocator_environment(settings: Settings) -> dict[str, str]:
    """Variables that pick the worker's malloc (either is trimmed after big jobs)."""
    env = runtime.thread_environment(settings.intra_op_threads)
    jemalloc = runtime.find_jemalloc()
    if settings.allocator is Allocator.JEMALLOC and jemalloc is None:
        log.warning("ALLOCATOR=jemalloc but libjemalloc is not installed "
                    "(Debian: apt-get install libjemalloc2); using glibc malloc")
    if settings.allocator is not Allocator.GLIBC and jemalloc is not None:
        env["LD_PRELOAD"] = " ".join(filter(None, [os.environ.get("LD_PRELOAD"), str(jemalloc)]))
        env["MALLOC_CONF"] = runtime.JEMALLOC_CONF
        return env
    env.update(runtime.GLIBC_ENVIRONMENT)
    return env


@dataclass(eq=False)
class WorkerHandle:
    engine: str
    slot: int
    process: BaseProcess
    conn: Connection
    job_limit: int
    state: WorkerState = WorkerState.LOADING
    spawned_at: float = field(default_factory=time.monotonic)
    loaded_at: float = 0.0
    jobs_assigned: int = 0
    jobs_done: int = 0
    settling: int = 0  # jobs answered whose post-job clean-up has not reported yet
    rss_bytes: int = 0
    load_rss_bytes: int = 0
    in_flight: dict[str, Job] = field(default_factory=dict)
    retire_reason: RecycleReason | None = None
    kill_reason: RecycleReason | None = None
    kill_at: float | None = None
    stop_sent_at: float | None = None
    # Descendants seen when the kill began: reachable even after the worker is gone.
    stragglers: list[psutil.Process] = field(default_factory=list)
    _meter: TreeMeter | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid or 0

    def tree_rss_bytes(self, now: float) -> int:
        """RSS of the worker and its helpers (found within a second, see TreeMeter); 0 if gone."""
        if self._meter is None:
            self._meter = TreeMeter(self.pid)
        return self._meter.rss_bytes(now)

    @property
    def loaded(self) -> bool:
        return self.state in (WorkerState.IDLE, WorkerState.BUSY)

    @property
    def uptime_s(self) -> float:
        return time.monotonic() - self.spawned_at

    def send(self, message: ToWorker) -> bool:
        try:
            self.conn.send(message)
        except (OSError, ValueError):
            return False
        return True

    def start_job(self, job: Job) -> bool:
        job.started_at = time.monotonic()
        job.attempts += 1
        self.in_flight[job.id] = job
        self.jobs_assigned += 1
        return self.send(RunJob(job.id, job.payload))

    def request_stop(self) -> None:
        self.state = WorkerState.STOPPING
        self.stop_sent_at = time.monotonic()
        self.send(Stop())

    def signal_group(self, signum: int) -> None:
        """Signal the worker's process group and any descendant that left it."""
        self.stragglers = descendants(self.pid) or self.stragglers
        stragglers = self.stragglers
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)
        for child in stragglers:
            with contextlib.suppress(psutil.Error):
                child.send_signal(signum)

    def kill(self, reason: RecycleReason, grace_s: float) -> None:
        """TERM now and KILL at `kill_at` (immediately when grace is 0)."""
        if self.kill_reason is None:
            self.kill_reason = reason
        self.state = WorkerState.STOPPING
        if grace_s <= 0:
            self.signal_group(signal.SIGKILL)
            self.kill_at = time.monotonic()
        else:
            self.signal_group(signal.SIGTERM)
            self.kill_at = time.monotonic() + grace_s

    @property
    def killed_from_outside(self) -> bool:
        """SIGKILLed by someone else (the kernel's OOM killer, an operator), not by us."""
        return self.process.exitcode == -signal.SIGKILL and self.kill_reason is None

    def death_cause(self, pool_stopping: bool) -> tuple[RecycleReason, str]:
        """Why this (exited) worker is gone, and how it went, for logs and answers."""
        code = self.process.exitcode
        if code is not None and code < 0:
            detail = f"killed by {signal.Signals(-code).name}"
            if -code == signal.SIGKILL and self.kill_reason is None:
                detail += " from outside (the kernel OOM killer or an operator)"
        else:
            detail = f"exited with status {code}"
        if self.kill_reason is not None:
            return self.kill_reason, detail
        if code == ExitCode.OK and self.retire_reason is not None:
            return self.retire_reason, detail
        if code == ExitCode.OK and pool_stopping:
            return RecycleReason.SHUTDOWN, detail
        if code == ExitCode.LOAD_FAILED:
            return RecycleReason.LOAD_FAILED, detail
        return RecycleReason.CRASHED, detail

    def kill_leftovers(self) -> None:
        """After the worker exits: KILL whatever remains of its group and children."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        for child in self.stragglers:
            with contextlib.suppress(psutil.Error):
                child.kill()


def spawn_worker(settings: Settings, engine: str, slot: int) -> WorkerHandle:
    """Start a worker with the spawn context: a fresh interpreter, never a fork."""
    env = allocator_environment(settings)
    spec = WorkerSpec(engine=engine, slot=slot, settings=settings, parent_pid=os.getpid())
    parent_conn, child_conn = SPAWN.Pipe(duplex=True)
    from docwarden.worker.main import worker_main

    process = SPAWN.Process(target=worker_main, args=(spec, child_conn),
                            name=f"docwarden-{engine}-{slot}", daemon=True)
    with _SPAWN_LOCK, _child_environment(env):
        process.start()
    child_conn.close()
    limit = settings.max_jobs_per_worker
    if limit:
        limit += random.randint(0, settings.max_jobs_jitter)
    return WorkerHandle(engine=engine, slot=slot, process=process, conn=parent_conn,
                        job_limit=limit)
