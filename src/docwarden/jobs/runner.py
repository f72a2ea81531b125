"""Runs queued async jobs through the `Dispatcher`, a bounded number at a time.

Interface for the application (all on the event loop):

- `runner = JobRunner(store, dispatcher, settings)`; `await runner.start()` in
  the lifespan, `await runner.stop()` at shutdown (jobs it was running go back
  to queued and run again after the restart).
- `await runner.submit(engine, payload, timeout_s=None) -> JobRecord`: store
  and wake the runner (InvalidInput for an engine not served here).
- `await runner.cancel(id) -> JobRecord`: cancelled in the store, and the task
  awaiting a running job is cancelled, which stops the worker running it
  (`LocalDispatcher`: the pool replaces it, reason `cancelled`).
- `runner.notify()`: wake the runner from any thread after a direct
  `store.create`.

Each engine gets at most `concurrency_per_engine` jobs in flight (default: its
worker slots plus half the pool queue, never more than slots + queue), so
async jobs cannot take the whole pool queue from synchronous requests.  A
refusal that says "later" (overloaded, not_ready, insufficient_memory,
gpu_memory) puts the job back to queued with exponential backoff (at least
the server's Retry-After) instead of failing it, up to `max_attempts`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import Callable

from docwarden.dispatch import Dispatcher
from docwarden.errors import DocwardenError, ErrorCode, InternalError, InvalidInput
from docwarden.jobdata import JobOutcome, JobPayload, ProgressCallback
from docwarden.jobs.interface import JobStoreAPI
from docwarden.jobs.models import JobRecord, JobStatus
from docwarden.settings import Settings

log = logging.getLogger("docwarden.jobs")

REQUEUE_CODES = frozenset({ErrorCode.OVERLOADED, ErrorCode.NOT_READY,
                           ErrorCode.INSUFFICIENT_MEMORY, ErrorCode.GPU_MEMORY})


def default_concurrency(settings: Settings) -> int:
    """Worker slots plus some queue headroom, never more than the pool accepts."""
    slots = settings.workers * settings.threads_per_worker
    return slots + min(settings.queue_size // 2, slots)


class JobRunner:
    """An asyncio task that moves queued jobs from the store to the dispatcher."""

    def __init__(self, store: JobStoreAPI, dispatcher: Dispatcher, settings: Settings, *,
                 concurrency_per_engine: int | None = None, poll_interval_s: float = 1.0,
                 backoff_base_s: float = 1.0, backoff_max_s: float = 30.0,
                 max_attempts: int = 60, cleanup_interval_s: float = 3600.0,
                 progress_interval_s: float = 0.25) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.engines = frozenset(settings.served_engines)
        self.concurrency = concurrency_per_engine or default_concurrency(settings)
        self.poll_interval_s = poll_interval_s
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.max_attempts = max_attempts
        self.cleanup_interval_s = cleanup_interval_s
        self.progress_interval_s = progress_interval_s
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._task_engine: dict[str, str] = {}
        self._progress: dict[str, tuple[int, int]] = {}
        self._progress_at: dict[str, float] = {}
        self._progress_flush: dict[str, asyncio.TimerHandle] = {}
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None

    # ---- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._main = asyncio.create_task(self._run_forever(), name="job-runner")

    async def stop(self) -> None:
        """Stop taking jobs; jobs in flight return to queued for the next start."""
        if self._main is not None:
            self._main.cancel()
            await asyncio.gather(self._main, return_exceptions=True)
            self._main = None
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def notify(self) -> None:
        """Wake the runner now (thread-safe)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    @property
    def running_ids(self) -> frozenset[str]:
        return frozenset(self._tasks)

    # ---- routes --------------------------------------------------------------

    async def submit(self, engine: str, payload: JobPayload, *,
                     timeout_s: float | None = None) -> JobRecord:
        if engine not in self.engines:
            raise InvalidInput(f"engine {engine!r} is not served here "
                               f"(served: {', '.join(sorted(self.engines))})")
        record = await asyncio.to_thread(self.store.create, engine, payload,
                                         timeout_s=timeout_s)
        self.notify()
        return record

    async def cancel(self, job_id: str) -> JobRecord:
        record = await asyncio.to_thread(self.store.cancel, job_id)
        task = self._tasks.get(record.id)
        if task is not None and record.status is JobStatus.CANCELLED:
            task.cancel()
        return record

    # ---- the loop ------------------------------------------------------------

    async def _run_forever(self) -> None:
        next_cleanup = time.monotonic()
        while True:
            self._wake.clear()
            try:
                await self._step()
                if time.monotonic() >= next_cleanup:
                    next_cleanup = time.monotonic() + self.cleanup_interval_s
                    removed = await asyncio.to_thread(self.store.cleanup)
                    if removed:
                        log.info("forgot expired jobs", extra={"jobs": removed})
            except Exception as error:  # NotReady while a shared store is away, or a bug
                log.warning("job runner step failed; retrying after the poll interval",
                            extra={"error": str(error)}, exc_info=not isinstance(
                                error, DocwardenError))
            await self._nap(await asyncio.to_thread(self._sleep_s))

    async def _step(self) -> None:
        """Hold what runs here, stop what was cancelled elsewhere, start what is due.

        Store calls run in a thread: a shared store is a network hop away, and an
        outage must cost this loop a timeout, never the event loop.
        """
        cancelled = await asyncio.to_thread(self.store.hold, self.running_ids)
        for job_id in cancelled:
            task = self._tasks.get(job_id)
            if task is not None:
                log.info("async job cancelled elsewhere; stopping it", extra={"job_id": job_id})
                task.cancel()
        recovered = await asyncio.to_thread(self.store.recover_stale)
        if recovered:
            log.info("re-queued jobs whose runner stopped", extra={"jobs": recovered})
        room = {engine: self.concurrency - sum(1 for e in self._task_engine.values()
                                               if e == engine) for engine in self.engines}
        for record in await asyncio.to_thread(self._claim_due, room):
            self._launch(record)

    async def _nap(self, seconds: float) -> None:
        """Sleep until woken or `seconds` pass (no wait_for: before Python 3.12 it
        can swallow a cancellation that races with the wake-up)."""
        timer = asyncio.get_running_loop().call_later(seconds, self._wake.set)
        try:
            await self._wake.wait()
        finally:
            timer.cancel()

    def _sleep_s(self) -> float:
        """Until the next poll, or sooner when a backed-off job becomes due."""
        try:
            due, now = self.store.next_due_at(), time.time()
        except DocwardenError:
            return self.poll_interval_s
        if due is not None and due > now:
            return min(self.poll_interval_s, due - now)
        return self.poll_interval_s

    def _claim_due(self, room: dict[str, int]) -> list[JobRecord]:
        """Claim due jobs of the engines served here, up to each engine's room (a thread)."""
        claimed: list[JobRecord] = []
        for engine in self.store.queued_engines():
            if room.get(engine, 0) <= 0:
                continue  # full here, or not served here: it waits for a runner that has room
            for queued in self.store.list_queued(engine, limit=room[engine]):
                record = self.store.claim(queued.id)
                if record is not None:
                    claimed.append(record)
        return claimed

    def _launch(self, record: JobRecord) -> None:
        task = asyncio.create_task(self._run_job(record), name=f"job-{record.id}")
        self._tasks[record.id] = task
        self._task_engine[record.id] = record.engine
        task.add_done_callback(functools.partial(self._forget, record.id))

    def _forget(self, job_id: str, _task: object = None) -> None:
        self._tasks.pop(job_id, None)
        self._task_engine.pop(job_id, None)
        self._progress.pop(job_id, None)
        self._progress_at.pop(job_id, None)
        handle = self._progress_flush.pop(job_id, None)
        if handle is not None:
            handle.cancel()
        self._wake.set()

    # ---- one job -------------------------------------------------------------

    async def _run_job(self, record: JobRecord) -> None:
        try:
            settle = await self._execute(record)
        except asyncio.CancelledError:
            with contextlib.suppress(DocwardenError):  # the store away: the hold lapses
                self.store.requeue(record.id)  # a no-op when the user cancelled it
            raise
        try:
            await asyncio.to_thread(settle)
        except DocwardenError as error:  # a shared store away: the job's hold lapses
            log.warning("async job outcome not stored; it runs again once its hold lapses",
                        extra={"job_id": record.id, "error": str(error)})

    async def _execute(self, record: JobRecord) -> Callable[[], None]:
        """Run the job; how to store its outcome (done, failed or queued again)."""
        extra = {"job_id": record.id, "engine": record.engine, "attempt": record.attempts}
        try:
            self.dispatcher.check_admission(record.engine)
            payload = await asyncio.to_thread(self.store.load_payload, record.id)
            outcome = await self.dispatcher.run(record.engine, payload,
                                                timeout_s=record.timeout_s,
                                                on_progress=self._progress_sink(record.id))
        except DocwardenError as error:
            return functools.partial(self._settle_error, record, error)
        except OSError as error:
            log.warning("async job input unreadable", extra={**extra, "error": str(error)})
            return functools.partial(self._fail, record,
                                     InternalError("the job's stored input is gone"))
        except Exception as error:
            log.exception("async job failed unexpectedly", extra=extra)
            return functools.partial(self._fail, record,
                                     InternalError(f"unexpected error: {error}"))
        return functools.partial(self._finish, record, outcome)

    def _finish(self, record: JobRecord, outcome: JobOutcome) -> None:
        if self.store.finish(record.id, outcome.result):
            log.info("async job done", extra={"job_id": record.id, "engine": record.engine,
                                              "worker_pid": outcome.worker_pid,
                                              "duration_s": outcome.duration_s})

    def _fail(self, record: JobRecord, error: DocwardenError) -> None:
        if self.store.fail(record.id, error.to_dict()):
            log.info("async job failed", extra={"job_id": record.id, "engine": record.engine,
                                                "code": error.code.value})

    def _settle_error(self, record: JobRecord, error: DocwardenError) -> None:
        if error.code in REQUEUE_CODES and record.attempts < self.max_attempts:
            delay_s = self._backoff_s(record.attempts, error.retry_after_s)
            if self.store.requeue(record.id, delay_s=delay_s, error=error.to_dict()):
                log.info("async job refused for now, requeued",
                         extra={"job_id": record.id, "engine": record.engine,
                                "code": error.code.value, "retry_in_s": round(delay_s, 2)})
            return
        self._fail(record, error)

    def _backoff_s(self, attempts: int, retry_after_s: float | None) -> float:
        """Exponential with jitter, never sooner than the server asked."""
        exponential = self.backoff_base_s * 2 ** max(attempts - 1, 0)
        delay_s: float = min(self.backoff_max_s, exponential) * random.uniform(0.5, 1.0)
        if retry_after_s:
            delay_s = max(delay_s, min(retry_after_s, self.backoff_max_s))
        return delay_s

    # ---- progress (reported from a supervisor thread) ------------------------

    def _progress_sink(self, job_id: str) -> ProgressCallback:
        loop = asyncio.get_running_loop()

        def on_progress(done: int, total: int) -> None:
            with contextlib.suppress(RuntimeError):  # loop closed: nobody is waiting
                loop.call_soon_threadsafe(self._record_progress, job_id, done, total)

        return on_progress

    def _record_progress(self, job_id: str, done: int, total: int) -> None:
        """Keep the latest figure; write it at most every `progress_interval_s`."""
        if job_id not in self._tasks:
            return
        self._progress[job_id] = (done, total)
        if job_id in self._progress_flush:
            return
        wait_s = self._progress_at.get(job_id, 0.0) + self.progress_interval_s - time.monotonic()
        loop = asyncio.get_running_loop()
        self._progress_flush[job_id] = loop.call_later(max(wait_s, 0.0), self._flush_progress,
                                                       job_id)

    def _flush_progress(self, job_id: str) -> None:
        self._progress_flush.pop(job_id, None)
        latest = self._progress.pop(job_id, None)
        if latest is not None:
            self._progress_at[job_id] = time.monotonic()
            future = asyncio.get_running_loop().run_in_executor(
                None, self.store.set_progress, job_id, *latest)
            future.add_done_callback(_quiet)  # a figure lost to an outage is superseded


def _quiet(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.info("job progress not stored", extra={"error": str(future.exception())})
