"""The governed pool against misbehaving workers (issue 3, "what must be shown")."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest

from docwarden.errors import InvalidInput, JobTimeout, NotReady, PoisonInput, WorkerCrashed
from docwarden.jobdata import JobOutcome, JobPayload
from docwarden.readings import MIB
from docwarden.supervisor.states import RecycleReason
from docwarden.supervisor.supervisor import Supervisor
from tests.integration.conftest import SupervisorFactory, wait_for


def run(supervisor: Supervisor, timeout_s: float | None = None, **params: Any) -> JobOutcome:
    job = supervisor.submit("chaos", JobPayload(params=params), timeout_s=timeout_s)
    return job.future.result(timeout=120)


def run_many(supervisor: Supervisor, count: int, concurrency: int, **params: Any
             ) -> list[JobOutcome]:
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda i: run(supervisor, echo=i, **params), range(count)))


class NotReadyWatch:
    """Samples `pool.ready` on a thread; counts the samples that saw it false."""

    def __init__(self, supervisor: Supervisor, engine: str = "chaos") -> None:
        self.pool = supervisor.pools[engine]
        self.dips = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.dips += not self.pool.ready

    def __enter__(self) -> NotReadyWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_max_jobs_recycling_loses_no_job(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=2, max_jobs_per_worker=10, max_jobs_jitter=5)
    with NotReadyWatch(supervisor) as watch:
        outcomes = run_many(supervisor, 300, concurrency=4, sleep_s=0.005)
    assert [o.result["echo"] for o in outcomes] == list(range(300))  # type: ignore[index]
    # The last serving worker serves on while its replacement loads, so in this short
    # run the recycles are paced by load time rather than by 10-15 jobs each.
    assert supervisor.pools["chaos"].recycles[RecycleReason.MAX_JOBS] >= 3
    assert watch.dips == 0


def test_drain_of_a_single_worker_keeps_the_pool_ready(
        make_supervisor: SupervisorFactory) -> None:
    """The replacement loads before the last ready worker retires (no /ready dip)."""
    supervisor = make_supervisor(workers=1, chaos_load_delay_s=1.0)
    pool = supervisor.pools["chaos"]
    old_pid = pool.workers[0].pid
    with NotReadyWatch(supervisor) as watch:
        assert supervisor.drain("chaos") == 1
        wait_for(lambda: old_pid not in [w.pid for w in pool.workers], 30)
        assert run(supervisor, echo="after").result["echo"] == "after"  # type: ignore[index]
    assert watch.dips == 0
    assert pool.recycles[RecycleReason.MANUAL] == 1


def test_leak_is_bounded_by_soft_limit(make_supervisor: SupervisorFactory) -> None:
    leak_mb, soft_mb = 40, 300
    supervisor = make_supervisor(workers=1, max_worker_rss_mb=soft_mb, hard_worker_rss_mb=2000,
                                 max_jobs_per_worker=0)
    outcomes = run_many(supervisor, 100, concurrency=2, leak_mb=leak_mb)
    assert len(outcomes) == 100
    assert supervisor.pools["chaos"].recycles[RecycleReason.RSS_SOFT] >= 5
    highest = max(o.peak_rss_bytes for o in outcomes)
    assert highest <= (soft_mb + 2 * leak_mb) * MIB, highest / MIB


def test_spike_over_hard_limit_kills_only_that_job(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=1, hard_worker_rss_mb=600, max_worker_rss_mb=500)
    available_before = psutil.virtual_memory().available
    with pytest.raises(WorkerCrashed) as caught:
        run(supervisor, spike_mb=3000)
    assert "memory limit" in caught.value.message
    assert caught.value.details["reason"] == "rss_hard"
    assert psutil.virtual_memory().available > available_before - 1024 * MIB
    assert run(supervisor, sleep_s=0.01).result["pid"] > 0  # type: ignore[index]
    assert supervisor.pools["chaos"].recycles[RecycleReason.RSS_HARD] == 1


def test_hung_job_times_out_and_grandchild_dies(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=1, job_timeout_s=2, kill_grace_s=0.5)
    worker = supervisor.pools["chaos"].workers[0]
    started = time.monotonic()
    with pytest.raises(JobTimeout):
        run(supervisor, hang=True)
    assert time.monotonic() - started < 4
    wait_for(lambda: _gone(worker.pid), 5)  # may be reaped already: a pid lookup can fail
    wait_for(lambda: not _processes_in_group(worker.pid), 5)
    assert run(supervisor, sleep_s=0.01).result["pid"] != worker.pid  # type: ignore[index]


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _processes_in_group(pgid: int) -> list[int]:
    found = []
    for process in psutil.process_iter(["pid"]):
        try:
            if process.status() != psutil.STATUS_ZOMBIE and _pgid(process.pid) == pgid:
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


def _pgid(pid: int) -> int:
    import os

    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return -1


@pytest.mark.parametrize("mode", ["segfault", "exit"])
def test_crash_fails_one_job_and_third_try_is_poison(make_supervisor: SupervisorFactory,
                                                     mode: str) -> None:
    supervisor = make_supervisor(workers=2)
    with ThreadPoolExecutor(4) as pool:
        neighbours = [pool.submit(run, supervisor, sleep_s=0.3, echo=i) for i in range(4)]
        time.sleep(0.05)
        for _ in range(2):
            with pytest.raises(WorkerCrashed):
                run(supervisor, crash=mode)
        assert all(f.result().result["echo"] == i  # type: ignore[index]
                   for i, f in enumerate(neighbours))
    with pytest.raises(PoisonInput):
        run(supervisor, crash=mode)
    wait_for(lambda: len([w for w in supervisor.pools["chaos"].workers if w.loaded]) == 2)
    assert supervisor.pools["chaos"].recycles[RecycleReason.CRASHED] == 2


def test_failing_load_backs_off_and_reports(make_supervisor: SupervisorFactory,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="docwarden.supervisor")
    supervisor = make_supervisor(wait_ready=False, chaos_fail_load=True,
                                 spawn_backoff_base_s=0.2, spawn_backoff_max_s=1.0)
    pool = supervisor.pools["chaos"]
    wait_for(lambda: pool.governor.failures >= 4, 30)
    assert not supervisor.ready
    assert "CHAOS_FAIL_LOAD" in (pool.last_load_error or "")
    delays = [r.backoff_s for r in caplog.records if hasattr(r, "backoff_s")]
    assert delays[:4] == [0.2, 0.4, 0.8, 1.0]
    spawned_in_window = len(pool.governor.recent)
    time.sleep(1.0)
    assert len(pool.governor.recent) - spawned_in_window <= 2


def test_warm_replacement_hides_the_load_time(make_supervisor: SupervisorFactory) -> None:
    """The replacement loads while the retiring worker runs its last job.

    The last job must outlast the replacement's spawn as well as its load: a busy
    host takes well over 0.5 s to start an interpreter, and a replacement still
    loading when the last job ends rightly leaves the retiree serving one more.
    """
    load_s = 0.5
    supervisor = make_supervisor(workers=1, max_jobs_per_worker=2, max_jobs_jitter=0,
                                 chaos_load_delay_s=load_s)
    outcomes = [run(supervisor, sleep_s=load_s + 1.5) for _ in range(5)]
    assert len({o.worker_pid for o in outcomes}) == 3
    assert max(o.queue_wait_s for o in outcomes) < load_s / 2
    assert supervisor.pools["chaos"].recycles[RecycleReason.MAX_JOBS] == 2


def test_threads_per_worker_share_one_process(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=1, threads_per_worker=2)
    started = time.monotonic()
    outcomes = run_many(supervisor, 4, concurrency=4, sleep_s=0.5)
    assert len({o.worker_pid for o in outcomes}) == 1
    assert time.monotonic() - started < 1.9  # two at a time, not one


def test_uptime_recycle(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=1, max_worker_uptime_s=1.0)
    wait_for(lambda: supervisor.pools["chaos"].recycles[RecycleReason.UPTIME] >= 1, 10)


def test_manual_drain(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=2)
    wait_for(lambda: all(w.loaded for w in supervisor.pools["chaos"].workers), 10)
    assert supervisor.drain() == 2
    wait_for(lambda: supervisor.pools["chaos"].recycles[RecycleReason.MANUAL] == 2, 10)
    wait_for(lambda: supervisor.ready, 10)


def test_gpu_memory_growth_recycles(make_supervisor: SupervisorFactory, tmp_path: Path) -> None:
    fake = tmp_path / "nvml.json"
    fake.write_text(json.dumps({"total_mb": 16000, "used_mb": 1000, "processes": {}}))
    supervisor = make_supervisor(workers=1, fake_nvml=fake, max_worker_gpu_mb=500)
    pid = supervisor.pools["chaos"].workers[0].pid
    fake.write_text(json.dumps({"total_mb": 16000, "used_mb": 2000,
                                "processes": {str(pid): 900}}))
    wait_for(lambda: supervisor.pools["chaos"].recycles[RecycleReason.GPU_MEMORY] >= 1, 10)


def test_queued_job_fails_when_no_worker_can_load(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(wait_ready=False, chaos_fail_load=True,
                                 spawn_backoff_base_s=5.0)
    job = supervisor.submit("chaos", JobPayload(params={"sleep_s": 0}))
    with pytest.raises(NotReady, match="CHAOS_FAIL_LOAD"):
        job.future.result(timeout=20)


def test_a_short_client_deadline_never_quarantines_an_input(
        make_supervisor: SupervisorFactory) -> None:
    """Two kills at the client's own 1 s deadline are no strikes: a third run is not refused."""
    supervisor = make_supervisor(workers=1, job_timeout_s=30, kill_grace_s=0.2)
    for _ in range(3):
        with pytest.raises(JobTimeout):
            run(supervisor, timeout_s=1, sleep_s=5, echo="same input")
    assert len(supervisor.poison) == 0


def test_a_job_starved_in_the_queue_is_no_strike(make_supervisor: SupervisorFactory) -> None:
    """A hang that spent most of its deadline queued behind a slow job is killed with a
    message that says so, and no strike: the queue, not the input, ate its time."""
    supervisor = make_supervisor(workers=1, job_timeout_s=3, kill_grace_s=0.2)
    for _ in range(2):
        slow = supervisor.submit("chaos", JobPayload(params={"sleep_s": 2.2}))
        time.sleep(0.1)  # the slow job is on the worker before the hang is queued
        with pytest.raises(JobTimeout, match=r"waited 2\.\d s in the queue and ran 0\.\d s"):
            run(supervisor, sleep_s=30, echo="same input")
        slow.future.result(timeout=30)
        wait_for(lambda: supervisor.ready, 60)
    assert len(supervisor.poison) == 0


def test_non_finite_deadline_is_refused(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=1)
    for value in (float("nan"), float("inf"), 0.0, -1.0):
        with pytest.raises(InvalidInput):
            run(supervisor, timeout_s=value)


def test_a_worker_killed_from_outside_retries_its_job_and_queue_waits(
        make_supervisor: SupervisorFactory) -> None:
    """An outside SIGKILL mid-job, then another while the replacement loads: the job still
    answers, and the queued job behind it is not failed with not_ready."""
    supervisor = make_supervisor(workers=1, chaos_load_delay_s=1.0)
    pool = supervisor.pools["chaos"]
    first = supervisor.submit("chaos", JobPayload(params={"sleep_s": 3, "echo": 1}))
    queued = supervisor.submit("chaos", JobPayload(params={"echo": 2}))
    wait_for(lambda: pool.workers and pool.workers[0].in_flight)
    os.kill(pool.workers[0].pid, signal.SIGKILL)
    wait_for(lambda: pool.workers and pool.workers[0].state.value == "loading")
    os.kill(pool.workers[0].pid, signal.SIGKILL)
    assert first.future.result(timeout=60).result["echo"] == 1  # type: ignore[index]
    assert queued.future.result(timeout=60).result["echo"] == 2  # type: ignore[index]
    assert pool.accepts_jobs
