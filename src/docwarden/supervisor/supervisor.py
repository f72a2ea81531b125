"""The supervisor: one thread that ticks every pool and owns every worker.

Callers submit jobs from any thread and get a `concurrent.futures.Future`;
the supervisor thread is the only one that spawns, signals or reaps workers.
It wakes on a worker message, on a submitted job, or every watch interval.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from multiprocessing.connection import wait

from docwarden.errors import NotReady, PoisonInput
from docwarden.jobdata import JobPayload, ProgressCallback
from docwarden.monitoring.gpu import GpuProbe, make_gpu_probe
from docwarden.monitoring.metrics import Metrics
from docwarden.settings import Settings
from docwarden.supervisor.handle import WorkerHandle
from docwarden.supervisor.job import Job, input_hash, job_deadline_s, new_job_id
from docwarden.supervisor.poison import PoisonTable, Quarantine
from docwarden.supervisor.policy import PoolPhase
from docwarden.supervisor.pool import Pool, Spawner
from docwarden.supervisor.states import RecycleReason

log = logging.getLogger("docwarden.supervisor")
STOP_WAIT_S = 5.0


class Supervisor:
    def __init__(self, settings: Settings, metrics: Metrics | None = None,
                 engines: Iterable[str] | None = None, gpu: GpuProbe | None = None,
                 spawner: Spawner | None = None, poison: Quarantine | None = None) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics(max_job_timeout_s=settings.max_job_timeout_s)
        self.gpu = gpu or make_gpu_probe(settings)
        self.poison = poison if poison is not None else PoisonTable(settings.poison_strikes)
        extra = {"spawner": spawner} if spawner else {}
        self.pools = {
            name: Pool(name, settings, self.metrics, self.gpu, self.poison, **extra)
            for name in (engines if engines is not None else settings.served_engines)
        }
        self.started_at = time.monotonic()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._calls: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self._running = threading.Event()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)

    # ---- lifecycle --------------------------------------------------------

    def start(self) -> None:
        self._running.set()
        self._thread.start()

    def stop_admitting(self) -> None:
        """New jobs get `not_ready`; a worker that goes away is replaced only for queued work."""
        for pool in self.pools.values():
            pool.phase = PoolPhase.CLOSING

    def shutdown(self, grace_s: float | None = None) -> None:
        """Stop admitting, let in-flight work finish up to the grace, stop every worker."""
        grace_s = self.settings.shutdown_grace_s if grace_s is None else grace_s
        self.stop_admitting()
        self._wait_until(lambda: all(p.in_flight == 0 for p in self.pools.values()), grace_s)
        for pool in self.pools.values():
            pool.fail_queued(NotReady("the service shut down before this job ran"))
            pool.phase = PoolPhase.STOPPING
        self.wake()
        self._wait_until(lambda: not any(p.workers for p in self.pools.values()),
                         self.settings.kill_grace_s + STOP_WAIT_S)
        self._running.clear()
        self.wake()
        if self._thread.is_alive():
            self._thread.join(timeout=STOP_WAIT_S)
        self._kill_leftovers()
        self.close()

    def close(self) -> None:
        """Release the wake-up sockets (also for a supervisor that never started)."""
        self._wake_r.close()
        self._wake_w.close()

    def _kill_leftovers(self) -> None:
        for pool in self.pools.values():
            for worker in list(pool.workers):
                worker.kill(RecycleReason.SHUTDOWN, grace_s=0)
                worker.process.join(timeout=STOP_WAIT_S)
                worker.kill_leftovers()
            pool.workers.clear()

    def _wait_until(self, condition: object, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not condition():  # type: ignore[operator]
            time.sleep(0.05)

    # ---- the loop ---------------------------------------------------------

    def _run(self) -> None:
        while self._running.is_set():
            self._run_requested_calls()
            for pool in self.pools.values():
                try:
                    pool.tick()
                except Exception:  # a bug in one step must not stop the governance
                    log.exception("supervisor tick failed", extra={"engine": pool.engine})
            self._sleep()

    def _run_requested_calls(self) -> None:
        """Work other threads asked for, done here so only this thread touches workers."""
        while not self._calls.empty():
            self._calls.get_nowait()()

    def _sleep(self) -> None:
        """Until a worker speaks, a job arrives, or the watch interval passes."""
        conns: list[object] = [self._wake_r]
        for pool in self.pools.values():
            conns.extend(w.conn for w in pool.workers if not w.conn.closed)
        try:
            ready = wait(conns, timeout=self.settings.watch_interval_s)  # type: ignore[arg-type]
        except OSError:
            ready = []
        if self._wake_r in ready:
            try:
                while self._wake_r.recv(4096):
                    pass
            except BlockingIOError:
                pass

    def wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_w.send(b"x")

    # ---- for callers ------------------------------------------------------

    def pool(self, engine: str) -> Pool:
        try:
            return self.pools[engine]
        except KeyError:
            raise NotReady(f"engine {engine!r} is not served here "
                           f"(DOCWARDEN_ENGINES={','.join(self.pools)})") from None

    def submit(self, engine: str, payload: JobPayload, timeout_s: float | None = None,
               on_progress: ProgressCallback | None = None) -> Job:
        pool = self.pool(engine)
        digest = input_hash(engine, payload)
        if self.poison.is_poison(digest):
            self.metrics.rejected.labels(engine, "poison_input").inc()
            raise PoisonInput(f"this input already killed {self.poison.strikes} workers and is "
                              "quarantined; it will not be run again")
        timeout_s = self._deadline_s(timeout_s)
        job = Job(new_job_id(), engine, payload, timeout_s, digest, on_progress=on_progress)
        pool.submit(job)
        self.wake()
        return job

    def _deadline_s(self, timeout_s: float | None) -> float:
        return job_deadline_s(self.settings, timeout_s)

    def cancel(self, job: Job) -> None:
        """Stop a job nobody waits for (any thread): see `Pool.cancel`."""
        self._calls.put(partial(self.pool(job.engine).cancel, job))
        self.wake()

    def drain(self, engine: str | None = None) -> int:
        """Recycle every loaded worker (reason `manual`), warm as usual."""
        pools = [self.pool(engine)] if engine else list(self.pools.values())
        loaded = sum(1 for pool in pools for w in list(pool.workers) if w.loaded)
        for pool in pools:
            self._calls.put(partial(pool.retire_all, RecycleReason.MANUAL))
        self.wake()
        return loaded

    def workers(self) -> list[WorkerHandle]:
        return [w for pool in self.pools.values() for w in pool.workers]

    @property
    def ready(self) -> bool:
        return all(pool.ready for pool in self.pools.values())
