"""The worker loop's after-job hook schedule and GPU readings, in-process (no spawn)."""

from __future__ import annotations

import json
import os
import queue
import threading
from pathlib import Path
from typing import Any, ClassVar

from docwarden.engines.base import Engine, JobInput
from docwarden.errors import InvalidInput
from docwarden.jobdata import EngineResult, JobPayload
from docwarden.monitoring.gpu import FakeNvml, NoGpu, worker_gpu_probe
from docwarden.settings import Settings
from docwarden.worker.main import WorkerLoop
from docwarden.worker.protocol import JobDone, RunJob, Settled, Stop, WorkerSpec

GPU_KEYS = {"available", "index", "name", "total_mb", "used_mb", "free_mb", "usage_percent"}


class ScriptedConn:
    """Both ends of the pipe as the worker sees them: `recv` blocks on a queue."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[object] = queue.Queue()
        self.sent: list[object] = []
        self.settled = threading.Semaphore(0)

    def recv(self) -> object:
        return self.inbox.get(timeout=10)

    def send(self, message: object) -> None:
        self.sent.append(message)
        if isinstance(message, Settled):
            self.settled.release()

    def done(self) -> list[JobDone]:
        return [m for m in self.sent if isinstance(m, JobDone)]


class HookEngine(Engine):
    """Records each hook call with the jobs finished and still running at that moment."""

    name: ClassVar[str] = "hooks"
    after_jobs_every: ClassVar[int] = 3

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.calls: list[int] = []
        self.finished = 0
        self.gates: dict[str, threading.Event] = {}

    def load(self) -> None:
        pass

    def run(self, job: JobInput) -> EngineResult:
        gate = self.gates.get(str(job.params.get("gate")))
        if gate is not None:
            assert gate.wait(10)
        self.finished += 1
        if job.params.get("fail"):
            raise InvalidInput("asked to fail")
        return {"n": self.finished}

    def after_jobs(self) -> None:
        self.calls.append(self.finished)


def write_nvml(path: Path, used_mb: float) -> None:
    """Atomically: the worker may read the file while the test rewrites it."""
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps({"name": "Fake L4", "total_mb": 24000, "used_mb": used_mb}))
    os.replace(staging, path)


def make_loop(engine: Engine, threads: int = 1, **settings: Any) -> tuple[WorkerLoop,
                                                                          ScriptedConn]:
    spec = WorkerSpec(engine="hooks", slot=0,
                      settings=Settings(threads_per_worker=threads, **settings),
                      parent_pid=os.getpid(), trim_after_job=False)
    conn = ScriptedConn()
    return WorkerLoop(spec, conn, engine), conn  # type: ignore[arg-type]


def job(index: int, **params: Any) -> RunJob:
    last = bool(params.pop("last", False))
    return RunJob(f"job{index}", JobPayload(params=params, last_of_batch=last))


def serve_in_thread(loop: WorkerLoop) -> threading.Thread:
    thread = threading.Thread(target=loop.serve, daemon=True)
    thread.start()
    return thread


def run_serially(loop: WorkerLoop, conn: ScriptedConn, jobs: list[RunJob]) -> None:
    """One job at a time, as the supervisor feeds a one-thread worker."""
    thread = serve_in_thread(loop)
    for message in jobs:
        conn.inbox.put(message)
        assert conn.settled.acquire(timeout=10)
    conn.inbox.put(Stop())
    thread.join(10)


def test_hook_runs_every_n_jobs_failed_ones_included() -> None:
    engine = HookEngine(Settings())
    loop, conn = make_loop(engine)
    run_serially(loop, conn, [job(i, fail=(i == 1)) for i in range(7)])
    assert engine.calls == [3, 6]
    assert len(conn.done()) == 7 and conn.done()[1].error is not None


def test_hook_runs_after_the_last_item_of_a_batch() -> None:
    engine = HookEngine(Settings())
    loop, conn = make_loop(engine)
    run_serially(loop, conn, [job(0), job(1, last=True), job(2), job(3), job(4, last=True)])
    # after the batch ending at job 2, at job 3 (every 3), after the batch ending at job 5
    assert engine.calls == [2, 3, 5]


def test_never_on_a_count_when_every_is_zero() -> None:
    class BatchOnly(HookEngine):
        after_jobs_every: ClassVar[int] = 0

    engine = BatchOnly(Settings())
    loop, conn = make_loop(engine)
    run_serially(loop, conn, [job(i) for i in range(7)] + [job(7, last=True)])
    assert engine.calls == [8]


def test_batch_hook_waits_until_no_job_is_in_flight() -> None:
    class BatchOnly(HookEngine):
        after_jobs_every: ClassVar[int] = 0

    engine = BatchOnly(Settings())
    engine.gates["slow"] = threading.Event()
    loop, conn = make_loop(engine, threads=2)
    thread = serve_in_thread(loop)
    conn.inbox.put(job(0, gate="slow"))
    conn.inbox.put(job(1, last=True))
    assert conn.settled.acquire(timeout=10)  # the batch's last item is done ...
    assert engine.calls == []  # ... but job 0 still runs: no hook yet
    engine.gates["slow"].set()
    assert conn.settled.acquire(timeout=10)
    conn.inbox.put(Stop())
    thread.join(10)
    assert engine.calls == [2]


def test_a_failing_hook_fails_no_job() -> None:
    class Broken(HookEngine):
        after_jobs_every: ClassVar[int] = 1

        def after_jobs(self) -> None:
            raise RuntimeError("empty_cache exploded")

    loop, conn = make_loop(Broken(Settings()))
    run_serially(loop, conn, [job(0), job(1)])
    assert [d.error for d in conn.done()] == [None, None]
    assert sum(isinstance(m, Settled) for m in conn.sent) == 2


def test_gpu_readings_around_each_job_with_cuda_and_fake_nvml(tmp_path: Path) -> None:
    fake = tmp_path / "nvml.json"
    write_nvml(fake, 6000)
    engine = HookEngine(Settings())
    loop, conn = make_loop(engine, device="cuda", fake_nvml=fake)
    assert isinstance(loop.gpu, FakeNvml)
    engine.gates["g"] = threading.Event()
    thread = serve_in_thread(loop)
    conn.inbox.put(job(0, gate="g"))
    write_nvml(fake, 18000)
    engine.gates["g"].set()
    assert conn.settled.acquire(timeout=10)
    conn.inbox.put(job(1, fail=True))
    assert conn.settled.acquire(timeout=10)
    conn.inbox.put(Stop())
    thread.join(10)
    ok, failed = conn.done()
    assert isinstance(ok.result, dict) and ok.result["n"] == 1
    assert set(ok.result["gpu_info_before"]) == GPU_KEYS
    assert ok.result["gpu_info_before"]["used_mb"] in (6000.0, 18000.0)  # read before the gate
    assert ok.result["gpu_info_after"]["used_mb"] == 18000.0
    assert ok.result["gpu_info_after"]["usage_percent"] == 75.0
    assert ok.gpu_info_after == ok.result["gpu_info_after"]
    assert failed.error is not None and failed.gpu_info_before is not None


def test_no_gpu_readings_on_cpu_even_with_fake_nvml(tmp_path: Path) -> None:
    fake = tmp_path / "nvml.json"
    fake.write_text(json.dumps({"total_mb": 24000, "used_mb": 6000}))
    assert isinstance(worker_gpu_probe(Settings(fake_nvml=fake)), NoGpu)
    loop, conn = make_loop(HookEngine(Settings()), fake_nvml=fake)
    run_serially(loop, conn, [job(0)])
    (done,) = conn.done()
    assert done.result == {"n": 1} and done.gpu_info_before is None


class OutOfGpuMemory(Exception):
    """What torch raises (torch.cuda.OutOfMemoryError), without importing torch."""


class OomEngine(HookEngine):
    def run(self, job: JobInput) -> EngineResult:
        raise OutOfGpuMemory("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_any_engines_cuda_out_of_memory_is_gpu_memory_and_recycles() -> None:
    loop, conn = make_loop(OomEngine(Settings()))
    run_serially(loop, conn, [job(0)])
    [done] = conn.done()
    assert done.error is not None and done.error["code"] == "gpu_memory"
    assert done.gpu_exhausted  # the pool retires the worker on this flag
