"""The allocator a worker is given keeps freed buffers mapped for the next model run and
the next job, and hands them back after a big job: a model run must not fault its
memory in again each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from docwarden.jobdata import JobPayload
from docwarden.settings import Allocator, Settings
from docwarden.supervisor.handle import allocator_environment
from docwarden.worker.runtime import find_jemalloc
from tests.integration.conftest import SupervisorFactory, wait_for

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "tests" / "data" / "ocr" / "ch_en_num.jpg"
# A detector run on this image touches ~280 MiB; buffers kept mapped fault in ~1 000
# pages a run, buffers handed back between runs 20 000-70 000.
MAX_FAULTS_PER_RUN = 5_000
MIB = 1024 * 1024


def run_in_worker_environment(allocator: Allocator) -> dict[str, float]:
    env = {**os.environ, **allocator_environment(Settings(allocator=allocator))}
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.allocator_runner", str(IMAGE)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("allocator", [Allocator.JEMALLOC, Allocator.GLIBC])
def test_model_runs_reuse_memory_and_the_job_hands_it_back(allocator: Allocator) -> None:
    if allocator is Allocator.JEMALLOC and find_jemalloc() is None:
        pytest.skip("libjemalloc2 is not installed (the test command installs it)")
    result = run_in_worker_environment(allocator)
    assert result["allocator"] == allocator.value
    assert result["faults_per_run"] < MAX_FAULTS_PER_RUN
    # 512 MiB were touched and freed before the trim (a big job): it must not stay resident.
    assert result["rss_after_trim"] < result["rss_loaded"] + 128 * MIB


@pytest.mark.parametrize("allocator", [Allocator.JEMALLOC, Allocator.GLIBC])
def test_worker_retain_free_mb_bounds_what_a_worker_keeps(
        allocator: Allocator, make_supervisor: SupervisorFactory) -> None:
    """A job that touches 300 MiB and frees it: a worker keeping up to 1 GiB of freed
    memory stays that much larger, one keeping none is back near its loaded size."""
    if allocator is Allocator.JEMALLOC and find_jemalloc() is None:
        pytest.skip("libjemalloc2 is not installed (the test command installs it)")
    settled = {}
    for retain_mb in (0, 1024):
        supervisor = make_supervisor(workers=1, allocator=allocator,
                                     worker_retain_free_mb=retain_mb)
        worker = supervisor.pools["chaos"].workers[0]
        job = supervisor.submit("chaos", JobPayload(params={"spike_mb": 300}))
        job.future.result(timeout=60)
        wait_for(lambda: worker.settling == 0, 10)  # noqa: B023 (waited for in the loop)
        settled[retain_mb] = worker.rss_bytes - worker.load_rss_bytes
        supervisor.shutdown(grace_s=2)
    assert settled[0] < 64 * MIB, settled
    assert settled[1024] > 200 * MIB, settled


def test_each_job_slot_keeps_its_own_share(make_supervisor: SupervisorFactory) -> None:
    """Two jobs side by side leave twice what one leaves: 200 MiB a slot keeps a 300 MiB
    job's memory in a worker with two slots, and hands it back in one with one."""
    kept = {}
    for threads in (1, 2):
        supervisor = make_supervisor(workers=1, threads_per_worker=threads,
                                     worker_retain_free_mb=200)
        worker = supervisor.pools["chaos"].workers[0]
        supervisor.submit("chaos", JobPayload(params={"spike_mb": 300})).future.result(timeout=60)
        wait_for(lambda: worker.settling == 0, 10)  # noqa: B023 (waited for in the loop)
        kept[threads] = worker.rss_bytes - worker.load_rss_bytes
        supervisor.shutdown(grace_s=2)
    assert kept[1] < 64 * MIB < 200 * MIB < kept[2], kept
