"""`CeleryDispatcher`: the API node's side of the seam in celery mode.

`run()` puts the job on its engine's queue with an absolute deadline, then
polls for the answer from worker threads (never blocking the event loop).  The
node enforces the deadline with its own supervisor; the API gives up at the
deadline plus RESULT_MARGIN_S (a node that vanished, a message that waited too
long) with `job_timeout`, and revokes the task.  A task that no node holds while
its queue is empty was lost between the queue and a node, and is sent again
(`receipts`).  Any Redis or broker failure is
`not_ready` (503 with Retry-After), never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import redis
from celery import Celery, states
from kombu.exceptions import OperationalError

from docwarden.celery.board import BROKER_RETRY_AFTER_S, NodeBoard
from docwarden.celery.codec import encode_payload, outcome_from_task
from docwarden.celery.config import PROGRESS_STATE, TASK_NAME, queue_name
from docwarden.celery.receipts import LossWatch, forget_receipt, in_hand
from docwarden.errors import JobTimeout, NotReady
from docwarden.jobdata import JobOutcome, JobPayload, ProgressCallback
from docwarden.settings import Settings
from docwarden.supervisor.job import job_deadline_s

log = logging.getLogger("docwarden.celery")
RESULT_MARGIN_S = 2.0
FIRST_POLL_S = 0.005
# Polls after 5, 12, 20, 31, 45 ... ms, then every 100 ms: an answer is seen at most ~30 %
# of its job time late (bench/compare/celery_overhead.py: growth 1.5 and 250 ms added 42 ms to a
# 76 ms OCR job), for at most 10 GETs a second per waiting job.
POLL_GROWTH = 1.3
MAX_POLL_S = 0.1
MIN_EXPIRES_S = 0.1
BROKER_ERRORS = (OperationalError, redis.RedisError, OSError)
T = TypeVar("T")


@dataclass(frozen=True)
class Sending:
    """What a task is sent with, kept to send it again if it is lost."""

    engine: str
    payload: JobPayload
    deadline_at: float  # wall clock, as nodes compare it


class CeleryDispatcher:
    """Jobs run on whichever compute node takes them from the engine's queue."""

    def __init__(self, app: Celery, settings: Settings, board: NodeBoard) -> None:
        self.app = app
        self.settings = settings
        self.board = board

    def start(self) -> None:
        self.board.start()

    def close(self) -> None:
        self.board.close()

    def check_admission(self, engine: str) -> None:
        self.board.check(engine)

    async def run(self, engine: str, payload: JobPayload, *, timeout_s: float | None = None,
                  on_progress: ProgressCallback | None = None) -> JobOutcome:
        """Progress the node reports arrives through `on_progress`; a cancel (this
        coroutine cancelled) revokes the task, which stops it on its node."""
        timeout_s = job_deadline_s(self.settings, timeout_s)
        sent = Sending(engine, payload, time.time() + timeout_s)
        task_id = await self._io(self._send, sent, None)
        try:
            status, value = await self._wait(sent, task_id, on_progress)
        except (asyncio.CancelledError, JobTimeout):
            self._in_background(self._revoke, task_id)
            raise
        self._in_background(self._forget, task_id)
        return outcome_from_task(status, value)

    async def _wait(self, sent: Sending, task_id: str,
                    on_progress: ProgressCallback | None) -> tuple[str, object]:
        """Poll the result backend, quickly at first, then every MAX_POLL_S; a task lost
        on its way to a node is sent again."""
        give_up_at = sent.deadline_at + RESULT_MARGIN_S
        pause_s = FIRST_POLL_S
        watch = LossWatch()
        while True:
            status, value = await self._io(self._state, task_id)
            if status in states.READY_STATES:
                return status, value
            if status == PROGRESS_STATE and on_progress is not None:
                _report(value, on_progress)
            left_s = give_up_at - time.time()
            if left_s <= 0:
                raise JobTimeout("no node answered this job within its deadline")
            if watch.due(time.monotonic()):
                await self._resend_if_lost(sent, task_id, watch)
            await asyncio.sleep(min(pause_s, left_s))
            pause_s = min(pause_s * POLL_GROWTH, MAX_POLL_S)

    async def _resend_if_lost(self, sent: Sending, task_id: str, watch: LossWatch) -> None:
        """In no node's hands while its queue is empty, for LOST_AFTER_S: lost in transit."""
        # A stale view of the queue proves nothing: the task may be waiting in it.
        queued = not self.board.reachable or self.board.view.depths.get(sent.engine, 0) > 0
        missing = not queued and not await self._io(self._in_hand, task_id)
        if watch.lost(missing, time.monotonic()):
            log.warning("task lost on its way to a node (none holds it, its queue is "
                        "empty); sending it again", extra={"task_id": task_id,
                                                           "engine": sent.engine})
            await self._io(self._send, sent, task_id)

    async def _io(self, call: Callable[..., T], *args: Any) -> T:
        """A blocking broker call in a thread; an outage becomes `not_ready`."""
        try:
            return await asyncio.to_thread(call, *args)
        except BROKER_ERRORS as error:
            log.warning("broker call failed", extra={"error": type(error).__name__})
            raise NotReady(f"the broker (Redis) is unreachable ({type(error).__name__}); "
                           "retry shortly", retry_after_s=BROKER_RETRY_AFTER_S) from None

    def _in_background(self, call: Callable[[str], None], task_id: str) -> None:
        """Best effort, never awaited: a cancelled request must not wait on Redis."""
        def quietly() -> None:
            try:
                call(task_id)
            except Exception as error:  # Redis gone, or anything else: nobody is waiting
                log.info("background broker call skipped",
                         extra={"task_id": task_id, "error": type(error).__name__})

        asyncio.get_running_loop().run_in_executor(None, quietly)

    # ---- blocking calls (worker threads) --------------------------------------

    def _send(self, sent: Sending, task_id: str | None) -> str:
        """Publish the task (again, under its first id, when `task_id` is given)."""
        expires_s = max(sent.deadline_at - time.time(), MIN_EXPIRES_S)
        args = (sent.engine, encode_payload(sent.payload), sent.deadline_at)
        result = self.app.send_task(TASK_NAME, args=args,
                                    queue=queue_name(sent.engine), expires=expires_s,
                                    task_id=task_id)
        return str(result.id)

    def _state(self, task_id: str) -> tuple[str, object]:
        meta = self.app.backend.get_task_meta(task_id, cache=False)
        return str(meta.get("status")), meta.get("result")

    def _in_hand(self, task_id: str) -> bool:
        return in_hand(self.board.client, task_id)

    def _revoke(self, task_id: str) -> None:
        self.app.control.revoke(task_id)

    def _forget(self, task_id: str) -> None:
        self.app.backend.forget(task_id)
        forget_receipt(self.board.client, task_id)


def _report(meta: object, on_progress: ProgressCallback) -> None:
    """A node's PROGRESS meta, passed on when it has the shape nodes send."""
    if isinstance(meta, dict):
        done, total = meta.get("done"), meta.get("total")
        if isinstance(done, int) and isinstance(total, int):
            on_progress(done, total)
