"""Cancelling a job frees what it holds: a queue place, or the worker running it."""

from __future__ import annotations

import asyncio
import time

import pytest

from docwarden.dispatch import LocalDispatcher
from docwarden.jobdata import JobPayload
from docwarden.supervisor.states import RecycleReason
from docwarden.supervisor.supervisor import Supervisor
from tests.integration.conftest import SupervisorFactory, wait_for


def running_jobs(supervisor: Supervisor) -> int:
    return sum(len(w.in_flight) for w in supervisor.pools["chaos"].workers)


async def cancel_while_running(supervisor: Supervisor) -> None:
    task = asyncio.create_task(LocalDispatcher(supervisor).run(
        "chaos", JobPayload(params={"sleep_s": 60})))
    while running_jobs(supervisor) == 0:
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_cancelling_a_running_job_replaces_its_worker(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=1, kill_grace_s=0.5)
    pool = supervisor.pools["chaos"]
    first_pid = pool.workers[0].pid
    asyncio.run(cancel_while_running(supervisor))
    wait_for(lambda: pool.recycles[RecycleReason.CANCELLED] == 1, 10)
    started = time.monotonic()
    outcome = supervisor.submit("chaos", JobPayload(params={"echo": 1})).future.result(30)
    assert time.monotonic() - started < 20  # not after the cancelled job's 60 s
    assert outcome.worker_pid != first_pid
    assert len(supervisor.poison) == 0  # a cancel is no strike against the input


def test_a_job_cancelled_in_the_queue_never_runs(make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(workers=1)
    pool = supervisor.pools["chaos"]
    blocker = supervisor.submit("chaos", JobPayload(params={"sleep_s": 1}))
    wait_for(lambda: running_jobs(supervisor) == 1, 10)
    queued = supervisor.submit("chaos", JobPayload(params={"echo": 2}))
    assert queued.future.cancel()
    supervisor.cancel(queued)
    wait_for(lambda: not pool.queue, 5)
    blocker.future.result(30)
    after = supervisor.submit("chaos", JobPayload(params={"echo": 3})).future.result(30)
    assert after.result["echo"] == 3  # type: ignore[index]
    assert pool.jobs_done == 2  # the blocker and the last one, never the cancelled one
    assert pool.recycles[RecycleReason.CANCELLED] == 0
