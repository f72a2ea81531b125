"""The pool with scripted workers through its injectable `Spawner`: fast, deterministic.

Each "worker" is a real child process (a Python that exits 0 when its stdin
closes, in its own session, so the pool's signals land on it and nowhere else)
and the test's thread answers the pool's pipe as a loaded engine would: Loaded,
then JobDone and Settled for each RunJob, exit on Stop.  No model, no spawn of an
interpreter running docwarden: the pool's own logic at the speed of its tick.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

import pytest

from docwarden.jobdata import JobPayload
from docwarden.settings import Settings
from docwarden.supervisor.handle import WorkerHandle
from docwarden.supervisor.supervisor import Supervisor
from docwarden.worker.protocol import JobDone, Loaded, RunJob, Settled, Stop
from tests.integration.conftest import wait_for

MIB = 1024 * 1024


class ChildProcess:
    """A real child standing in for the worker process (`BaseProcess`'s few members)."""

    def __init__(self) -> None:
        self.popen = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                                      stdin=subprocess.PIPE, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)

    def exit_cleanly(self) -> None:
        if self.popen.stdin is not None:
            self.popen.stdin.close()


class ScriptedWorker(threading.Thread):
    """The worker's end of the pipe: answers each job with its echo, stops on Stop."""

    def __init__(self, conn: Connection, process: ChildProcess, jobs_seen: list[str]) -> None:
        super().__init__(daemon=True)
        self.conn, self.process, self.jobs_seen = conn, process, jobs_seen

    def run(self) -> None:
        self.conn.send(Loaded(pid=self.process.pid, load_s=0.0, rss_bytes=50 * MIB,
                              allocator="glibc"))
        try:
            while True:
                message = self.conn.recv()
                if isinstance(message, Stop):
                    break
                if isinstance(message, RunJob):
                    self.jobs_seen.append(message.job_id)
                    self.conn.send(JobDone(message.job_id, 0.001, 50 * MIB,
                                           result={"echo": message.payload.params.get("echo")}))
                    self.conn.send(Settled(rss_bytes=50 * MIB))
        except (EOFError, OSError):
            pass
        self.process.exit_cleanly()


class ScriptedSpawner:
    """A `Spawner`: every worker it starts is a ScriptedWorker; it keeps count."""

    def __init__(self, job_limit: int) -> None:
        self.job_limit = job_limit
        self.spawned: list[WorkerHandle] = []
        self.jobs_seen: list[str] = []

    def __call__(self, settings: Settings, engine: str, slot: int) -> WorkerHandle:
        parent, child = Pipe(duplex=True)
        process = ChildProcess()
        ScriptedWorker(child, process, self.jobs_seen).start()
        handle = WorkerHandle(engine=engine, slot=slot, process=process,  # type: ignore[arg-type]
                              conn=parent, job_limit=self.job_limit)
        self.spawned.append(handle)
        return handle


@pytest.fixture
def scripted(tmp_path: Any) -> Iterator[tuple[Supervisor, ScriptedSpawner]]:
    spawner = ScriptedSpawner(job_limit=3)
    settings = Settings(engines=[], enable_chaos=True, data_dir=tmp_path, min_free_memory_mb=0,
                        workers=1, log_format="text", max_jobs_per_worker=3)
    supervisor = Supervisor(settings, engines=["chaos"], spawner=spawner)
    supervisor.start()
    wait_for(lambda: supervisor.ready, 10)
    yield supervisor, spawner
    supervisor.shutdown(grace_s=5)
    for handle in spawner.spawned:
        assert not handle.process.is_alive(), "a scripted worker outlived the supervisor"


def test_max_jobs_recycles_warm_and_loses_no_job(
        scripted: tuple[Supervisor, ScriptedSpawner]) -> None:
    supervisor, spawner = scripted
    pool = supervisor.pools["chaos"]
    dips = 0
    for index in range(10):
        job = supervisor.submit("chaos", JobPayload(params={"echo": index}))
        assert job.future.result(timeout=10).result == {"echo": index}
        dips += not pool.accepts_jobs
    assert len(spawner.jobs_seen) == 10
    # A retiree at its limit serves on until its replacement has loaded (warm handover), so
    # a worker may run a job or two past MAX_JOBS_PER_WORKER; 10 jobs still mean 2+ recycles.
    wait_for(lambda: pool.recycles.get("max_jobs", 0) >= 2 and len(pool.workers) == 1, 10)
    assert len(spawner.spawned) == pool.recycles["max_jobs"] + 1  # every retiree reaped
    assert all(w.jobs_assigned >= 3 for w in spawner.spawned[:-1])
    assert dips == 0  # a replacement never made the pool refuse jobs


def test_a_burst_across_recycles_runs_each_job_once(
        scripted: tuple[Supervisor, ScriptedSpawner]) -> None:
    supervisor, spawner = scripted
    started = time.monotonic()
    jobs = [supervisor.submit("chaos", JobPayload(params={"echo": i})) for i in range(12)]
    answers = [job.future.result(timeout=10).result for job in jobs]
    assert answers == [{"echo": i} for i in range(12)]
    assert sorted(spawner.jobs_seen) == sorted(job.id for job in jobs)  # each ran once
    assert time.monotonic() - started < 10


def test_a_job_wake_up_does_not_pay_for_the_whole_governance(tmp_path: Any) -> None:
    """Reaping, deadlines, limits and spawning run every watch interval (or when a worker's
    fate changes), not on each of a job's two wake-ups: the event loop waits on them."""
    spawner = ScriptedSpawner(job_limit=0)
    settings = Settings(engines=[], enable_chaos=True, data_dir=tmp_path, min_free_memory_mb=0,
                        workers=1, log_format="text", max_jobs_per_worker=0,
                        watch_interval_s=0.25)
    supervisor = Supervisor(settings, engines=["chaos"], spawner=spawner)
    pool = supervisor.pools["chaos"]
    reaped = []
    real_reap = pool._reap_exited

    def counting_reap() -> None:
        reaped.append(time.monotonic())
        real_reap()

    pool._reap_exited = counting_reap  # type: ignore[method-assign]
    supervisor.start()
    try:
        wait_for(lambda: supervisor.ready, 10)
        started, before = time.monotonic(), len(reaped)
        for index in range(60):
            job = supervisor.submit("chaos", JobPayload(params={"echo": index}))
            assert job.future.result(timeout=10).result == {"echo": index}
        elapsed_s = time.monotonic() - started
        governed = len(reaped) - before
        assert governed <= elapsed_s / 0.25 + 3, (governed, elapsed_s)  # not 2 per job
    finally:
        supervisor.shutdown(grace_s=5)
