"""JobRunner against a scripted test double of the Dispatcher seam."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from docwarden.errors import DocwardenError, InvalidInput, NotReady, Overloaded, WorkerCrashed
from docwarden.jobdata import JobOutcome, JobPayload, ProgressCallback
from docwarden.jobs import JobRunner, JobStatus, JobStore, default_concurrency
from docwarden.settings import Settings

pytestmark = pytest.mark.timeout(30)


class ScriptedDispatcher:
    """Answers `run` from a script: errors to raise first, then an echo result.

    Jobs with params {"block": true} wait until `release` is set, so tests can
    observe and cancel them while they run.
    """

    def __init__(self) -> None:
        self.errors: list[DocwardenError] = []
        self.calls: list[tuple[str, JobPayload, float | None]] = []
        self.release = asyncio.Event()
        self.active = 0
        self.peak_active = 0
        self.cancelled = 0
        self.progress_steps: list[tuple[int, int]] = []

    async def run(self, engine: str, payload: JobPayload, *, timeout_s: float | None = None,
                  on_progress: ProgressCallback | None = None) -> JobOutcome:
        self.calls.append((engine, payload, timeout_s))
        if self.errors:
            raise self.errors.pop(0)
        self.active += 1
        self.peak_active = max(self.peak_active, self.active)
        try:
            if on_progress is not None and self.progress_steps:
                self._report_from_thread(on_progress)
            if payload.params.get("block"):
                await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.active -= 1
        return JobOutcome({"echo": payload.params, "data": len(payload.data or b"")},
                          worker_pid=1234, duration_s=0.01, queue_wait_s=0.0,
                          peak_rss_bytes=1)

    def _report_from_thread(self, on_progress: ProgressCallback) -> None:
        """Progress arrives from a supervisor thread, never the event loop."""
        steps = list(self.progress_steps)

        def report() -> None:
            for step in steps:
                on_progress(*step)

        thread = threading.Thread(target=report)
        thread.start()
        thread.join()

    def check_admission(self, engine: str) -> None:
        if engine == "down":
            raise NotReady("engine down")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JobStore]:
    store = JobStore(tmp_path, retention_s=3600)
    yield store
    store.close()


def make_runner(store: JobStore, dispatcher: ScriptedDispatcher, **options: float) -> JobRunner:
    settings = Settings(engines=["ocr", "pdf", "down"], workers=1, threads_per_worker=1)
    defaults: dict[str, float] = {"poll_interval_s": 0.05, "backoff_base_s": 0.01,
                                  "backoff_max_s": 0.05, "progress_interval_s": 0.01}
    defaults.update(options)
    return JobRunner(store, dispatcher, settings, **defaults)  # type: ignore[arg-type]


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def run_with_runner(store: JobStore, body: Callable[[JobRunner, ScriptedDispatcher],
                                                    Awaitable[None]],
                    **options: float) -> ScriptedDispatcher:
    async def main() -> ScriptedDispatcher:
        dispatcher = ScriptedDispatcher()
        runner = make_runner(store, dispatcher, **options)
        await runner.start()
        try:
            await body(runner, dispatcher)
        finally:
            await runner.stop()
        return dispatcher

    return asyncio.run(main())


def status_is(store: JobStore, job_id: str, status: JobStatus) -> Callable[[], bool]:
    return lambda: store.get(job_id).status is status


def test_success_stores_result(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        record = await runner.submit("ocr", JobPayload(data=b"abc", params={"k": 1}),
                                     timeout_s=9)
        await until(status_is(store, record.id, JobStatus.DONE))
        assert store.result(record.id).json == {"echo": {"k": 1}, "data": 3}
        assert dispatcher.calls[0][0] == "ocr" and dispatcher.calls[0][2] == 9

    run_with_runner(store, body)


def test_failure_is_recorded_with_its_code(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        dispatcher.errors = [InvalidInput("corrupt image"), WorkerCrashed("oom")]
        first = await runner.submit("ocr", JobPayload(data=b"x"))
        await until(status_is(store, first.id, JobStatus.FAILED))
        second = await runner.submit("ocr", JobPayload(data=b"x"))
        await until(status_is(store, second.id, JobStatus.FAILED))
        assert store.get(first.id).error == InvalidInput("corrupt image").to_dict()
        error = store.get(second.id).error
        assert error is not None and error["code"] == "worker_crashed"  # not retried

    dispatcher = run_with_runner(store, body)
    assert len(dispatcher.calls) == 2


def test_retryable_refusal_requeues_then_succeeds(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        dispatcher.errors = [Overloaded("queue full", retry_after_s=0.02), NotReady("loading")]
        record = await runner.submit("ocr", JobPayload(data=b"x"))
        await until(status_is(store, record.id, JobStatus.DONE))
        final = store.get(record.id)
        assert final.attempts == 3 and final.error is None

    dispatcher = run_with_runner(store, body)
    assert len(dispatcher.calls) == 3


def test_retryable_refusal_gives_up_after_max_attempts(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        dispatcher.errors = [Overloaded("queue full") for _ in range(5)]
        record = await runner.submit("ocr", JobPayload(data=b"x"))
        await until(status_is(store, record.id, JobStatus.FAILED))
        error = store.get(record.id).error
        assert error is not None and error["code"] == "overloaded"

    dispatcher = run_with_runner(store, body, max_attempts=3)
    assert len(dispatcher.calls) == 3


def test_admission_refusal_requeues_without_dispatch(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        record = await runner.submit("down", JobPayload(data=b"x"))
        await until(lambda: store.get(record.id).attempts >= 2)
        assert store.get(record.id).status in (JobStatus.QUEUED, JobStatus.RUNNING)

    dispatcher = run_with_runner(store, body)
    assert dispatcher.calls == []


def test_cancel_running_job_cancels_the_awaiting_task(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        record = await runner.submit("ocr", JobPayload(params={"block": True}))
        await until(lambda: dispatcher.active == 1)
        cancelled = await runner.cancel(record.id)
        assert cancelled.status is JobStatus.CANCELLED
        await until(lambda: record.id not in runner.running_ids)
        assert dispatcher.cancelled == 1
        assert store.get(record.id).status is JobStatus.CANCELLED

    run_with_runner(store, body)


def test_a_job_cancelled_by_another_api_node_is_stopped(store: JobStore) -> None:
    """Another node cancels in the shared store only; this runner's next poll stops it."""
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        record = await runner.submit("ocr", JobPayload(params={"block": True}))
        await until(lambda: dispatcher.active == 1)
        await asyncio.to_thread(store.cancel, record.id)  # not through this runner
        await until(lambda: record.id not in runner.running_ids)
        assert dispatcher.cancelled == 1
        assert store.get(record.id).status is JobStatus.CANCELLED

    run_with_runner(store, body)


def test_a_store_outage_costs_polls_not_the_runner(store: JobStore,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared store that is away (NotReady) fails steps; the runner carries on after."""
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        calls = {"n": 0}
        real_hold = store.hold

        def flaky_hold(job_ids: frozenset[str]) -> frozenset[str]:
            calls["n"] += 1
            if calls["n"] <= 3:
                raise NotReady("the job store (Redis) is unreachable")
            return real_hold(job_ids)

        monkeypatch.setattr(store, "hold", flaky_hold)
        record = await runner.submit("ocr", JobPayload(data=b"x"))
        await until(status_is(store, record.id, JobStatus.DONE))
        assert calls["n"] > 3

    run_with_runner(store, body)


def test_cancel_queued_job_never_runs(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        blocker = await runner.submit("ocr", JobPayload(params={"block": True}))
        await until(lambda: dispatcher.active == 1)
        waiting = await runner.submit("ocr", JobPayload(params={"n": 2}))
        await runner.cancel(waiting.id)
        dispatcher.release.set()
        await until(status_is(store, blocker.id, JobStatus.DONE))
        await asyncio.sleep(0.1)
        assert store.get(waiting.id).status is JobStatus.CANCELLED

    dispatcher = run_with_runner(store, body, concurrency_per_engine=1)
    assert [call[1].params for call in dispatcher.calls] == [{"block": True}]


def test_progress_from_a_thread_reaches_the_store(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        dispatcher.progress_steps = [(1, 4), (2, 4), (3, 4)]
        record = await runner.submit("ocr", JobPayload(params={"block": True}))
        await until(lambda: store.get(record.id).progress_done == 3)
        assert store.get(record.id).progress_total == 4
        dispatcher.release.set()
        await until(status_is(store, record.id, JobStatus.DONE))

    run_with_runner(store, body)


def test_concurrency_is_bounded_per_engine(store: JobStore) -> None:
    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        records = [await runner.submit("ocr", JobPayload(params={"block": True}))
                   for _ in range(5)]
        other = await runner.submit("pdf", JobPayload(params={"block": True}))
        await until(lambda: dispatcher.active == 3)
        await asyncio.sleep(0.1)
        assert dispatcher.active == 3  # two ocr + the pdf job
        assert store.get(other.id).status is JobStatus.RUNNING
        dispatcher.release.set()
        for record in records:
            await until(status_is(store, record.id, JobStatus.DONE))

    dispatcher = run_with_runner(store, body, concurrency_per_engine=2)
    assert dispatcher.peak_active == 3


def test_stop_requeues_running_jobs_for_the_next_start(store: JobStore) -> None:
    job_ids: list[str] = []

    async def first(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        record = await runner.submit("ocr", JobPayload(params={"block": True}))
        job_ids.append(record.id)
        await until(lambda: dispatcher.active == 1)

    run_with_runner(store, first)
    assert store.get(job_ids[0]).status is JobStatus.QUEUED

    async def second(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        await until(lambda: dispatcher.active == 1)
        dispatcher.release.set()
        await until(status_is(store, job_ids[0], JobStatus.DONE))

    run_with_runner(store, second)
    assert store.get(job_ids[0]).attempts == 2


def test_engine_not_served_is_refused_or_left_queued(store: JobStore) -> None:
    foreign = store.create("enhance", JobPayload(data=b"x"))

    async def body(runner: JobRunner, dispatcher: ScriptedDispatcher) -> None:
        with pytest.raises(InvalidInput):
            await runner.submit("enhance", JobPayload(data=b"x"))
        await asyncio.sleep(0.2)

    dispatcher = run_with_runner(store, body)
    assert dispatcher.calls == []
    assert store.get(foreign.id).status is JobStatus.QUEUED


def test_default_concurrency_leaves_queue_room() -> None:
    settings = Settings(workers=2, threads_per_worker=2, queue_size=16)
    assert default_concurrency(settings) == 8
    assert default_concurrency(Settings(workers=1, queue_size=0)) == 1
