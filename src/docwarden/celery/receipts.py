"""Which message a node took, so an API node can tell a lost task from a queued one.

kombu's Redis transport takes a message off its queue with BRPOP and only then,
in the node's process, records it as delivered (the `unacked` hash that lapsed
leases are restored from).  A node killed between the two, or stopped warm
with the reply still unread in its socket (celery/celery#4354), loses the
message: no lease lapses for it, and its job waited for its deadline (504).

So each node writes a receipt (the delivery tag) for every task it receives,
and an API node waiting on a task checks, while the engine's queue is empty,
whether the task is still in some node's hands: a receipt whose tag the
transport holds.  A task in nobody's hands for LOST_AFTER_S is sent again
under the same id (`CeleryDispatcher`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import redis

from docwarden.celery.config import UNACKED_KEY

log = logging.getLogger("docwarden.celery")
RECEIPT_PREFIX = "docwarden:taken:"
RECEIPT_MARGIN_S = 60  # a receipt outlives its job's deadline by this
LOST_CHECK_S = 1.0  # how often a waiting API node looks for its task
# A live node writes its receipt within milliseconds of the BRPOP reply, and a lapsed
# lease is restored within a second or two; this long in nobody's hands is a loss.
LOST_AFTER_S = 5.0


def receipt_key(task_id: str) -> str:
    return RECEIPT_PREFIX + task_id


class Receipts:
    """A node's side: note each received task's delivery tag (best effort)."""

    def __init__(self, client: redis.Redis, keep_s: float) -> None:
        self.client = client
        self.keep_s = int(keep_s) + RECEIPT_MARGIN_S

    def note(self, task_id: str, tag: str) -> None:
        try:
            self.client.set(receipt_key(task_id), tag, ex=self.keep_s)
        except (redis.RedisError, OSError) as error:  # runs in Celery's consumer: never raise
            log.warning("task receipt not written; an API node may send it again",
                        extra={"task_id": task_id, "error": type(error).__name__})


def in_hand(client: redis.Redis, task_id: str) -> bool:
    """A node took the task and the transport still holds it as delivered (running, or
    waiting to be restored once its lease lapses)."""
    tag = client.get(receipt_key(task_id))
    return tag is not None and bool(client.hexists(UNACKED_KEY, tag))


def forget_receipt(client: redis.Redis, task_id: str) -> None:
    client.delete(receipt_key(task_id))


@dataclass
class LossWatch:
    """An API node's view of one task: since when it has been in nobody's hands."""

    checked_at: float = field(default_factory=time.monotonic)
    missing_since: float | None = None

    def due(self, now: float) -> bool:
        return now - self.checked_at >= LOST_CHECK_S

    def lost(self, missing: bool, now: float) -> bool:
        """True once the task has been missing for LOST_AFTER_S (then the watch starts over)."""
        self.checked_at = now
        if not missing:
            self.missing_since = None
            return False
        if self.missing_since is None:
            self.missing_since = now
        if now - self.missing_since < LOST_AFTER_S:
            return False
        self.missing_since = None
        return True
