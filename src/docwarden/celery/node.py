"""`docwarden worker`: a compute node that takes jobs from Redis into its governed pools.

The node runs the same `Supervisor` as `docwarden serve` (recycling, hard RSS,
deadlines, GPU precheck, poison strikes), and a Celery worker (threads pool)
whose task only submits the job to it and waits for the future.  A governed
failure is returned as an answer, so Celery never retries it; a node that dies
mid-job is covered by late acks and the lease its heartbeat renews.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import signal
import threading
import time
from typing import Any, ClassVar

from celery import Celery, Task, bootsteps
from celery.worker import state as worker_state

from docwarden.admission import Admission
from docwarden.celery.codec import decode_payload, error_answer, outcome_answer
from docwarden.celery.config import (
    PROGRESS_STATE,
    TASK_NAME,
    broker_url,
    make_celery,
    queue_name,
    redis_client,
)
from docwarden.celery.heartbeat import Heartbeat, LeaseBook
from docwarden.celery.poison import SharedPoisonTable
from docwarden.celery.receipts import Receipts
from docwarden.errors import Conflict, DocwardenError, InternalError, JobTimeout
from docwarden.monitoring.metrics import Metrics
from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor

log = logging.getLogger("docwarden.celery")
# How long past its deadline a job's future may stay unresolved before the task gives up:
# the supervisor answers at the deadline, so this only guards against a wedged supervisor.
FUTURE_GRACE_S = 10.0
REVOKE_CHECK_S = 0.25  # how soon a cancel from the API stops the job's worker
PROGRESS_INTERVAL_S = 0.25
# Celery logs every task's arguments and return value at INFO: uploads and results.
QUIET_LOGGERS = ("celery.worker.strategy", "celery.app.trace")


class NodeRuntime:
    """The task body, bound to this node's supervisor and admission."""

    def __init__(self, settings: Settings, supervisor: Supervisor, admission: Admission) -> None:
        self.settings = settings
        self.node = settings.node_name
        self.supervisor = supervisor
        self.admission = admission

    def run_task(self, engine: str, payload: dict[str, Any], deadline_at: float,
                 task: TaskLink | None = None) -> dict[str, Any]:
        """Run one job here; every outcome, failures included, is an answer."""
        extra = {"engine": engine, "node": self.node}
        try:
            return self._run(engine, payload, deadline_at, task or TaskLink(None))
        except DocwardenError as error:
            log.info("job refused or failed on this node", extra={**extra,
                                                                  "code": error.code.value})
            return error_answer(error, self.node)
        except Exception as error:
            log.exception("job task failed unexpectedly", extra=extra)
            return error_answer(InternalError(f"unexpected error on node {self.node}: "
                                              f"{type(error).__name__}"), self.node)

    def _run(self, engine: str, payload: dict[str, Any], deadline_at: float,
             task: TaskLink) -> dict[str, Any]:
        left_s = deadline_at - time.time()
        if left_s <= 0:
            raise JobTimeout("the job's deadline passed before a node took it")
        self.admission.check_capacity(engine)  # this node's readiness, memory, GPU
        job = self.supervisor.submit(engine, decode_payload(payload), timeout_s=left_s,
                                     on_progress=task.progress)
        give_up_at = time.monotonic() + left_s + FUTURE_GRACE_S
        while True:
            try:
                outcome = job.future.result(timeout=REVOKE_CHECK_S)
                return outcome_answer(outcome, self.node)
            except concurrent.futures.TimeoutError:
                pass
            if task.revoked():
                self.supervisor.cancel(job)  # its worker is replaced, reason `cancelled`
                raise Conflict("the job was cancelled by its API node")
            if time.monotonic() > give_up_at:
                self.supervisor.cancel(job)
                raise JobTimeout("the node's supervisor did not answer within the deadline")


class TaskLink:
    """What a running job tells its Celery task: progress out, revocation in.

    Progress becomes the task's PROGRESS state in the result backend, which the
    API node reads while it polls (at most every PROGRESS_INTERVAL_S).  A revoke
    (the API node cancelled the job) reaches this node through Celery's remote
    control and lands in the worker's revoked set, which the task checks.
    """

    def __init__(self, task: Task | None) -> None:
        self.task = task
        # Read here, in the task's thread: a task's `request` is thread-local, and
        # progress arrives from a supervisor thread.
        self.task_id: str | None = None if task is None else task.request.id
        self._sent_at = 0.0

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.task is None or (now - self._sent_at < PROGRESS_INTERVAL_S and done < total):
            return
        self._sent_at = now
        try:
            self.task.update_state(task_id=self.task_id, state=PROGRESS_STATE,
                                   meta={"done": done, "total": total})
        except Exception as error:  # Redis away: a progress figure is not worth a job
            log.info("progress not sent", extra={"error": type(error).__name__})

    def revoked(self) -> bool:
        return self.task_id is not None and self.task_id in worker_state.revoked


def concurrency(settings: Settings) -> int:
    """Job threads of the Celery worker: every pool's slots.

    With several engines one node may take more jobs of one engine than that
    pool has slots; they wait in its bounded local queue under their deadline.
    """
    slots = settings.workers * settings.threads_per_worker
    return slots * max(len(settings.served_engines), 1)


def register_task(app: Celery, runtime: NodeRuntime) -> None:
    def run_job(task: Task, engine: str, payload: dict[str, Any],
                deadline_at: float) -> dict[str, Any]:
        return runtime.run_task(engine, payload, deadline_at, TaskLink(task))

    app.task(name=TASK_NAME, acks_late=True, ignore_result=False, bind=True)(run_job)


def track_consuming(app: Celery, consuming: threading.Event) -> None:
    """`consuming` is set while the Celery consumer is connected and taking tasks.

    The heartbeat reports it, so the API stops counting a node that lost the broker
    (Celery reconnects on its own backoff, up to 30 s) instead of queueing for it.
    """

    class Consuming(bootsteps.StartStopStep):  # type: ignore[misc]
        requires: ClassVar[set[str]] = {"celery.worker.consumer.tasks:Tasks"}

        def start(self, parent: object) -> None:
            consuming.set()

        def stop(self, parent: object) -> None:
            consuming.clear()

        def shutdown(self, parent: object) -> None:
            consuming.clear()

    app.steps["consumer"].add(Consuming)


def wait_until_ready(supervisor: Supervisor, stop: threading.Event) -> bool:
    """Consume only once every pool has a loaded worker (like /ready); False if stopped."""
    while not supervisor.ready:
        if stop.wait(0.1):
            return False
    return True


def _stop_on_signals(stop: threading.Event) -> None:
    """Before the Celery worker owns the signals: TERM or INT while loading stops cleanly."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())


def build_node(settings: Settings) -> tuple[Celery, Supervisor, Heartbeat]:
    broker_url(settings)  # a clear error before any worker is spawned
    metrics = Metrics(max_job_timeout_s=settings.max_job_timeout_s)
    poison = SharedPoisonTable(redis_client(settings), settings.poison_strikes,
                               settings.job_retention_s)
    supervisor = Supervisor(settings, metrics, poison=poison)
    admission = Admission(settings, supervisor, supervisor.gpu, metrics)
    app = make_celery(settings, settings.served_engines)
    register_task(app, NodeRuntime(settings, supervisor, admission))
    consuming = threading.Event()
    track_consuming(app, consuming)
    leases = LeaseBook(Receipts(redis_client(settings), settings.max_job_timeout_s).note)
    leases.connect()
    heartbeat = Heartbeat(redis_client(settings), settings, supervisor, leases, consuming,
                          slots=concurrency(settings), metrics=metrics)
    return app, supervisor, heartbeat


def start_consuming(app: Celery, settings: Settings) -> int:
    """Block in the Celery worker until it shuts down (TERM: warm, running jobs finish)."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    worker = app.Worker(
        hostname=f"docwarden@{settings.node_name}", pool="threads",
        concurrency=concurrency(settings),
        queues=[queue_name(e) for e in settings.served_engines],
        without_mingle=True, without_gossip=True, without_heartbeat=True,
        quiet=True, loglevel=settings.log_level, prefetch_multiplier=1)
    worker.start()
    return int(worker.exitcode or 0)


def run_node(settings: Settings) -> int:
    """The `docwarden worker` command: the exit status."""
    app, supervisor, heartbeat = build_node(settings)
    stop = threading.Event()
    _stop_on_signals(stop)
    supervisor.start()
    heartbeat.start()
    log.info("node starting", extra={"node": settings.node_name, "pid": os.getpid(),
                                     "engines": settings.served_engines,
                                     "concurrency": concurrency(settings)})
    try:
        if not wait_until_ready(supervisor, stop):
            return 0
        log.info("node ready; consuming", extra={"node": settings.node_name})
        return start_consuming(app, settings)
    finally:
        supervisor.stop_admitting()
        heartbeat.stop()
        supervisor.shutdown()
        log.info("node stopped", extra={"node": settings.node_name})

