"""A compute node's heartbeat: who it is and what it runs, and the leases it holds.

Every HEARTBEAT_INTERVAL_S the node writes `docwarden:node:<name>` (expires
after NODE_TTL_S: a dead node disappears by itself) and renews the lease of
every message it holds, so the transport redelivers only a dead node's
messages (config.LEASE_S), never a long job that is still running.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from celery import signals

from docwarden.celery.config import (
    HEARTBEAT_INTERVAL_S,
    NODE_KEY_PREFIX,
    NODE_TTL_S,
    UNACKED_INDEX_KEY,
)
from docwarden.celery.metrics import metrics_key
from docwarden.monitoring.memory import host_available_bytes, tree_rss_bytes
from docwarden.monitoring.metrics import Metrics
from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor

log = logging.getLogger("docwarden.celery")


class LeaseBook:
    """Delivery tags of the messages this node holds, kept by Celery's signals; each
    received one is also told to `on_received` (the node's receipts)."""

    def __init__(self, on_received: Callable[[str, str], None] | None = None) -> None:
        self._tags: dict[str, str] = {}
        self._lock = threading.Lock()
        self._on_received = on_received

    def connect(self) -> None:
        signals.task_received.connect(self._received, weak=False)
        signals.task_postrun.connect(self._finished, weak=False)
        signals.task_revoked.connect(self._revoked, weak=False)

    def _received(self, request: Any = None, **_: Any) -> None:
        tag = getattr(getattr(request, "message", None), "delivery_tag", None)
        if request is not None and tag is not None:
            with self._lock:
                self._tags[str(request.id)] = str(tag)
            if self._on_received is not None:
                self._on_received(str(request.id), str(tag))

    def _finished(self, task_id: str | None = None, **_: Any) -> None:
        with self._lock:
            self._tags.pop(str(task_id), None)

    def _revoked(self, request: Any = None, **_: Any) -> None:
        if request is not None:
            self._finished(task_id=request.id)

    def tags(self) -> list[str]:
        with self._lock:
            return list(self._tags.values())


def renew_leases(client: redis.Redis, tags: list[str], now: float) -> None:
    """Mark held messages as delivered just now (XX: never re-add an acked one)."""
    if tags:
        client.zadd(UNACKED_INDEX_KEY, dict.fromkeys(tags, now), xx=True)


def node_key(name: str) -> str:
    return NODE_KEY_PREFIX + name


def node_body(settings: Settings, supervisor: Supervisor, slots: int,
              held: int, started_at: float) -> dict[str, Any]:
    """The node as /health shows it: engines, workers, memory."""
    engines = {name: {"ready": pool.ready, "accepts_jobs": pool.accepts_jobs,
                      "workers_serving": pool.serving, "queue_depth": len(pool.queue),
                      "jobs_done": pool.jobs_done, "last_load_error": pool.last_load_error,
                      "recycles": {str(k): v for k, v in pool.recycles.items()}}
               for name, pool in supervisor.pools.items()}
    workers = [{"pid": w.pid, "engine": w.engine, "slot": w.slot, "state": w.state.value,
                "jobs_done": w.jobs_done, "rss_bytes": w.rss_bytes,
                "uptime_s": round(w.uptime_s, 1), "in_flight": len(w.in_flight)}
               for w in supervisor.workers()]
    return {"node": settings.node_name, "pid": os.getpid(), "engines": engines,
            "workers": workers, "slots": slots, "held_jobs": held,
            "workers_per_pool": settings.workers,
            "memory": {"host_available_bytes": host_available_bytes(),
                       "node_rss_bytes": tree_rss_bytes(os.getpid())},
            "started_at": started_at, "at": time.time()}


class Heartbeat:
    """The daemon thread that writes the heartbeat and renews the leases."""

    def __init__(self, client: redis.Redis, settings: Settings, supervisor: Supervisor,
                 leases: LeaseBook, consuming: threading.Event, *, slots: int,
                 metrics: Metrics | None = None,
                 interval_s: float = HEARTBEAT_INTERVAL_S) -> None:
        self.client = client
        self.metrics = metrics
        self.settings = settings
        self.supervisor = supervisor
        self.leases = leases
        self.consuming = consuming
        self.slots = slots
        self.interval_s = interval_s
        self.started_at = time.time()
        self._failing = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and say goodbye, so /health drops this node at once."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval_s + 5)
        with contextlib.suppress(redis.RedisError, OSError):  # else it expires by itself
            self.client.delete(node_key(self.settings.node_name),
                               metrics_key(self.settings.node_name))
        self.client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat()
            except Exception:  # a bug here must not stop the leases: the node would look dead
                log.exception("heartbeat failed; retrying", extra={"node": self.settings.node_name})
            self._stop.wait(self.interval_s)

    def beat(self) -> None:
        tags = self.leases.tags()
        body = node_body(self.settings, self.supervisor, self.slots, len(tags), self.started_at)
        body["consuming"] = self.consuming.is_set()
        name = self.settings.node_name
        try:
            renew_leases(self.client, tags, time.time())
            with self.client.pipeline(transaction=False) as pipe:
                pipe.set(node_key(name), json.dumps(body), ex=NODE_TTL_S)
                if self.metrics is not None:
                    pipe.set(metrics_key(name), self.metrics.render(), ex=NODE_TTL_S)
                pipe.execute()
        except (redis.RedisError, OSError) as error:
            if not self._failing:
                log.warning("heartbeat not written (Redis unreachable)",
                            extra={"node": self.settings.node_name,
                                   "error": type(error).__name__})
            self._failing = True
            return
        if self._failing:
            log.info("heartbeat written again", extra={"node": self.settings.node_name})
        self._failing = False
