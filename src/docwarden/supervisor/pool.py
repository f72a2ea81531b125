"""A governed pool of workers for one engine.

`submit` may be called from any thread; everything else runs on the
supervisor thread, once per tick, as the short named steps of `tick`.
"""

from __future__ import annotations

import logging
import signal
import time
from collections import Counter
from collections.abc import Callable

from docwarden.errors import DocwardenError, JobTimeout, NotReady, Overloaded, WorkerCrashed
from docwarden.monitoring.gpu import GpuProbe
from docwarden.monitoring.memory import host_available_bytes
from docwarden.monitoring.metrics import Metrics, PoolGauges
from docwarden.readings import MIB, mb
from docwarden.settings import Settings
from docwarden.supervisor.governor import SpawnGovernor
from docwarden.supervisor.handle import WorkerHandle, spawn_worker
from docwarden.supervisor.job import Job
from docwarden.supervisor.job_queue import JobQueue
from docwarden.supervisor.poison import Quarantine
from docwarden.supervisor.policy import (
    Fate,
    Limits,
    PoolPhase,
    WorkerView,
    deadline_verdict,
    handover_keep,
    judge_all,
)
from docwarden.supervisor.pool_messages import WorkerMessages
from docwarden.supervisor.states import RecycleReason, WorkerState

log = logging.getLogger("docwarden.supervisor")
MAX_ATTEMPTS = 2
# Consecutive load failures before queued jobs fail and new ones get `not_ready`: one worker
# killed while loading (a crash storm, an operator) must not fail the jobs waiting for it.
LOAD_FAILURES_BEFORE_NOT_READY = 3
# Retirements that may wait for a warm replacement.  The others stop taking jobs at once:
# a worker over the soft RSS limit (a leak) or out of GPU memory must not run more jobs.
HANDOVER_REASONS = frozenset({RecycleReason.MAX_JOBS, RecycleReason.UPTIME,
                              RecycleReason.MANUAL})
Spawner = Callable[[Settings, str, int], WorkerHandle]


class Pool(WorkerMessages):
    def __init__(self, engine: str, settings: Settings, metrics: Metrics, gpu: GpuProbe,
                 poison: Quarantine, spawner: Spawner = spawn_worker) -> None:
        self.engine = engine
        self.settings = settings
        self.metrics = metrics
        self.gauges = PoolGauges(metrics, engine, [state.value for state in WorkerState])
        self.gpu = gpu
        self.poison = poison
        self.spawner = spawner
        self.workers: list[WorkerHandle] = []
        self.queue = JobQueue(settings.queue_size)
        self.recycles: Counter[str] = Counter()
        self.jobs_done = 0
        self.last_load_error: str | None = None
        self.has_loaded = False
        self.phase = PoolPhase.SERVING
        self.limits = Limits.from_settings(settings)
        self._memory_checked_at = 0.0
        self._governed_at = 0.0
        self._govern_now = True  # set when a worker's fate changes: govern on the next tick
        self.governor = SpawnGovernor(settings.spawn_backoff_base_s, settings.spawn_backoff_max_s,
                                      settings.max_spawns_per_minute)

    # ---- any thread -------------------------------------------------------

    def submit(self, job: Job) -> None:
        """Queue a job, or refuse it at once when the queue is full."""
        if self.phase is not PoolPhase.SERVING:
            raise NotReady("the service is shutting down", retry_after_s=5)
        if not self.queue.offer(job):
            self.metrics.rejected.labels(self.engine, "overloaded").inc()
            raise Overloaded(f"{self.engine} queue is full ({self.settings.queue_size} waiting)",
                             retry_after_s=self.retry_after_s())

    def retry_after_s(self) -> int:
        return max(1, int(self.settings.job_timeout_s / 60))

    @property
    def ready(self) -> bool:
        return any(w.loaded for w in self.workers)

    @property
    def accepts_jobs(self) -> bool:
        """Ready, or a replacement is loading after a crash or recycle (jobs wait in the queue)."""
        return self.ready or (self.has_loaded and not self.keeps_failing_to_load)

    @property
    def keeps_failing_to_load(self) -> bool:
        return self.governor.failures >= LOAD_FAILURES_BEFORE_NOT_READY

    @property
    def serving(self) -> int:
        return sum(1 for w in self.workers if w.loaded)

    @property
    def in_flight(self) -> int:
        return sum(len(w.in_flight) for w in self.workers) + len(self.queue)

    # ---- supervisor thread ------------------------------------------------

    def tick(self) -> None:
        """Every wake-up: answers in, queued jobs out.  The rest of the governance runs
        every watch interval, or at once after a worker's fate changed: a job's two
        wake-ups (its arrival, its answer) must not each pay for reaping, deadlines,
        spawning and gauges, which are all the event loop waits for under the GIL."""
        self._receive_messages()
        now = time.monotonic()
        govern = self._govern_now or now - self._governed_at >= self.settings.watch_interval_s
        if govern:
            self._governed_at, self._govern_now = now, False
            self._reap_exited()
            self._enforce_deadlines()
            self._enforce_limits()
            self._spawn_missing()
            self._hand_over()
            self._stop_retired()
            self._escalate_kills()
        self._dispatch_queued()
        if govern:
            self._expire_queued()
            self._publish_metrics()
        else:
            self._publish_spare_slots()

    def _reap_exited(self) -> None:
        for worker in list(self.workers):
            if not worker.process.is_alive():
                self._bury(worker)

    def _bury(self, worker: WorkerHandle) -> None:
        worker.process.join(0)
        worker.kill_leftovers()
        worker.conn.close()
        self.workers.remove(worker)
        reason, detail = worker.death_cause(self.stopping)
        for job in list(worker.in_flight.values()):
            error = WorkerCrashed(f"the worker running this job died ({detail})",
                                  details={"reason": reason.value})
            self._lost_job(worker, job, error, retry=worker.killed_from_outside)
        if reason is RecycleReason.LOAD_FAILED or not worker.loaded_at:
            if worker.kill_reason is not RecycleReason.LOAD_FAILED and not self.stopping:
                self._load_failed(worker, f"worker died while loading ({detail})")
            return
        if reason is not RecycleReason.SHUTDOWN:
            self.recycles[reason] += 1
            self.metrics.recycles.labels(self.engine, reason.value).inc()
        log.info("worker recycled", extra={"engine": self.engine, "worker_pid": worker.pid,
                 "reason": reason.value, "detail": detail, "jobs_done": worker.jobs_done,
                 "rss_mb": mb(worker.rss_bytes), "uptime_s": round(worker.uptime_s, 1)})

    def _lost_job(self, worker: WorkerHandle, job: Job, error: DocwardenError, *,
                  strike: bool = True, retry: bool = False) -> None:
        """A job whose worker died under it: a strike for its input, then fail it.

        A worker killed from outside (OOM killer, operator) may have died for
        another reason than this job: a first death is retried once elsewhere;
        a second one is then also the input's second strike.
        """
        strikes = self.poison.record_death(job.input_hash) if strike else 0
        log.warning("job lost its worker", extra={"job_id": job.id, "engine": self.engine,
                    "error": error.message, "input_strikes": strikes})
        if retry and job.attempts < MAX_ATTEMPTS and not self.poison.is_poison(job.input_hash):
            self.queue.put_back(job)
            return
        self._record(job, worker.pid, error.code.value, time.monotonic() - job.started_at)
        job.fail(error)

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for worker in self.workers:
            late = [job for job in worker.in_flight.values() if now > job.deadline]
            if not late or worker.kill_reason is not None:
                continue
            for job in late:
                worker.in_flight.pop(job.id)
                message, strike = deadline_verdict(job.started_at - job.submitted_at,
                                                   now - job.started_at, job.timeout_s,
                                                   self.settings.job_timeout_s)
                self._lost_job(worker, job, JobTimeout(message), strike=strike)
            self._kill_for_job(worker, RecycleReason.TIMEOUT)

    def cancel(self, job: Job) -> None:
        """Nobody waits for this job any more: drop it from the queue, or stop its worker.

        A model call cannot be interrupted, so the worker running it goes as
        for a deadline, instead of spending a slot on a result nobody reads.
        """
        if self.queue.remove(job):
            return
        for worker in self.workers:
            if worker.in_flight.pop(job.id, None) is not None:
                self._record(job, worker.pid, "cancelled", time.monotonic() - job.started_at)
                self._kill_for_job(worker, RecycleReason.CANCELLED)
                return

    def _kill_for_job(self, worker: WorkerHandle, reason: RecycleReason) -> None:
        """Kill a worker for one job's sake; jobs sharing it are retried once elsewhere."""
        if worker.kill_reason is not None:
            return
        for job in list(worker.in_flight.values()):
            if job.attempts < MAX_ATTEMPTS:
                worker.in_flight.pop(job.id)
                self.queue.put_back(job)
        worker.kill(reason, self.settings.kill_grace_s)
        self._govern_now = True  # its grace, its replacement: the next tick sees to them

    @property
    def stopping(self) -> bool:
        return self.phase is PoolPhase.STOPPING

    def _enforce_limits(self) -> None:
        """Every watch interval, not every wake-up: measure, ask the policy, carry it out."""
        now = time.monotonic()
        if now - self._memory_checked_at < self.settings.watch_interval_s:
            return
        self._memory_checked_at = now
        by_slot = {worker.slot: worker for worker in self.workers}
        views = [self._measure(worker, now) for worker in self.workers]
        for verdict in judge_all(views, self.limits):
            worker = by_slot[verdict.slot]
            if verdict.fate is Fate.KILL:
                self._kill_for_memory(worker)
            else:
                self._retire(worker, verdict.reason)

    def _measure(self, worker: WorkerHandle, now: float) -> WorkerView:
        """Refresh the worker's RSS (and its jobs' peaks); read its GPU use when limited."""
        dying = worker.kill_at is not None
        if not dying:
            worker.rss_bytes = worker.tree_rss_bytes(now) or worker.rss_bytes
            for job in worker.in_flight.values():
                job.peak_rss_bytes = max(job.peak_rss_bytes, worker.rss_bytes)
        gpu_mb = (self.gpu.process_used_mb(worker.pid)
                  if self.limits.max_gpu_mb and worker.loaded and not dying else None)
        return WorkerView(worker.slot, worker.loaded, dying, worker.rss_bytes,
                          worker.uptime_s, gpu_mb)

    def _kill_for_memory(self, worker: WorkerHandle) -> None:
        worker.kill(RecycleReason.RSS_HARD, grace_s=0)
        detail = (f"memory limit: worker RSS reached {mb(worker.rss_bytes)} MB, over "
                  f"HARD_WORKER_RSS_MB={self.settings.hard_worker_rss_mb}; the worker was killed")
        for job in list(worker.in_flight.values()):
            worker.in_flight.pop(job.id)
            self._lost_job(worker, job, WorkerCrashed(detail, details={"reason": "rss_hard"}))

    def _retire(self, worker: WorkerHandle, reason: RecycleReason) -> None:
        """Due to go: at once, or (HANDOVER_REASONS) once a replacement can take over."""
        if worker.retire_reason is not None or worker.state is WorkerState.STOPPING:
            return
        worker.retire_reason = reason
        self._govern_now = True
        if reason not in HANDOVER_REASONS or not worker.loaded:
            worker.state = WorkerState.RETIRING
        log.info("worker retiring", extra={"engine": self.engine, "worker_pid": worker.pid,
                 "reason": reason.value, "jobs_done": worker.jobs_done})

    def retire_all(self, reason: RecycleReason) -> int:
        loaded = [w for w in self.workers if w.loaded]
        for worker in loaded:
            self._retire(worker, reason)
        return len(loaded)

    def _hand_over(self) -> None:
        """The last serving worker keeps serving while its replacement loads (no /ready dip).

        Only while a replacement is on its way (or the engine fails to load for
        now): with no room for two copies, the retiree must go first.  Retirees
        beyond the last one go at once, so MAX_JOBS and the soft limit hold.
        """
        retirees = sorted((w for w in self.workers if w.retire_reason is not None and w.loaded),
                          key=lambda w: w.spawned_at)
        if not retirees:
            return
        fresh = [w for w in self.workers if w.retire_reason is None
                 and w.state is not WorkerState.STOPPING]
        on_the_way = self.governor.failures > 0 or any(
            w.state is WorkerState.LOADING for w in fresh)
        keep = handover_keep(any(w.loaded for w in fresh), on_the_way)
        for worker in retirees[:len(retirees) - keep]:
            worker.state = WorkerState.RETIRING

    def _stop_retired(self) -> None:
        for worker in self.workers:
            done = worker.state is WorkerState.RETIRING or (self.stopping and worker.loaded)
            if done and not worker.in_flight:
                worker.request_stop()
            elif self.stopping and worker.state is WorkerState.LOADING:
                worker.kill(RecycleReason.SHUTDOWN, grace_s=0)

    def _escalate_kills(self) -> None:
        now = time.monotonic()
        for worker in self.workers:
            if worker.kill_at is not None and now >= worker.kill_at:
                worker.signal_group(signal.SIGKILL)
            elif worker.stop_sent_at and now - worker.stop_sent_at > self.settings.shutdown_grace_s:
                worker.kill(worker.retire_reason or RecycleReason.SHUTDOWN, grace_s=0)

    def _spawn_missing(self) -> None:
        if self.stopping or (self.phase is PoolPhase.CLOSING and not self.queue):
            return
        active = [w for w in self.workers if w.state is not WorkerState.STOPPING
                  and w.retire_reason is None]
        now = time.monotonic()
        if len(active) >= self.settings.workers or not self.governor.may_spawn(now):
            return
        if not self._room_for_replacement():
            return
        used = {w.slot for w in self.workers}
        slot = next(i for i in range(len(used) + 1) if i not in used)
        self.workers.append(self.spawner(self.settings, self.engine, slot))
        self.governor.spawned(now)

    def _room_for_replacement(self) -> bool:
        """Two copies may coexist only when the host has room for both."""
        retiring = [w.rss_bytes for w in self.workers if w.retire_reason is not None]
        if not retiring:
            return True
        needed = self.settings.min_free_memory_mb * MIB + max(retiring)
        return host_available_bytes() >= needed

    def _dispatch_queued(self) -> None:
        while self.queue:
            worker = self._free_worker()
            if worker is None:
                return
            job = self.queue.take()
            if job is None:
                return
            if job.future.done():
                continue
            if not worker.start_job(job):
                worker.in_flight.pop(job.id, None)
                self.queue.put_back(job)
                return  # its pipe is broken: the worker is dying; the next tick reaps it
            worker.state = WorkerState.BUSY
            if worker.job_limit and worker.jobs_assigned >= worker.job_limit:
                self._retire(worker, RecycleReason.MAX_JOBS)

    def _expire_queued(self) -> None:
        """A waiting job fails when its deadline (counted from admission) passes, and all
        fail when workers keep failing to load (rather than wait for ever)."""
        now = time.monotonic()
        for job in self.queue.pop_expired(now):
            job.fail(JobTimeout(f"job waited {now - job.submitted_at:.1f} s in the queue, past "
                                f"its {job.timeout_s:g} s deadline; no worker was free"))
        if self.ready or not self.keeps_failing_to_load:
            return
        error = NotReady(f"no {self.engine} worker could be loaded: {self.last_load_error}",
                         retry_after_s=max(self.governor.next_at - now, 0) + 1)
        self.fail_queued(error)

    def _free_worker(self) -> WorkerHandle | None:
        capacity = self.settings.threads_per_worker
        candidates = [w for w in self.workers
                      if w.loaded and len(w.in_flight) + w.settling < capacity]
        return min(candidates, key=lambda w: len(w.in_flight), default=None)

    def _publish_spare_slots(self) -> None:
        capacity = self.settings.threads_per_worker
        self.queue.set_spare_slots(sum(capacity - len(w.in_flight) - w.settling
                                       for w in self.workers if w.loaded))

    def _publish_metrics(self) -> None:
        self._publish_spare_slots()
        self.gauges.publish(len(self.queue), Counter(w.state.value for w in self.workers),
                            [(w.slot, w.rss_bytes) for w in self.workers])

    def fail_queued(self, error: DocwardenError) -> None:
        self.queue.fail_all(error)
