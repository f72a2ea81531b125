"""What the API node knows about the compute nodes: their heartbeats and queue depths.

A thread reads Redis once a second; admission and /health read the last view
without touching the network, so a Redis outage never blocks the event loop:
it turns into a stale view, and a stale view into `not_ready` (503, Retry-After).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis

from docwarden.celery.config import NODE_KEY_PREFIX, queue_name
from docwarden.celery.metrics import metrics_key
from docwarden.errors import NotReady, Overloaded

log = logging.getLogger("docwarden.celery")
READ_INTERVAL_S = 1.0
STALE_AFTER_S = 3.0
BROKER_RETRY_AFTER_S = 5
OVERLOADED_RETRY_AFTER_S = 2


@dataclass(frozen=True)
class BoardView:
    nodes: list[dict[str, Any]] = field(default_factory=list)
    depths: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, bytes] = field(default_factory=dict)  # node -> its Prometheus text
    read_at: float = 0.0  # monotonic; 0: never read
    error: str | None = None


def read_view(client: redis.Redis, engines: Iterable[str]) -> BoardView:
    """One read of every node heartbeat and of each engine's waiting messages."""
    keys = sorted(client.scan_iter(match=NODE_KEY_PREFIX + "*", count=100))
    raw = client.mget(keys) if keys else []
    nodes = []
    for value in raw:
        if value is None:
            continue  # expired between SCAN and MGET
        try:
            nodes.append(json.loads(value))
        except ValueError:
            continue  # not ours
    depths = {engine: int(client.llen(queue_name(engine))) for engine in engines}
    names = [str(node.get("node")) for node in nodes]
    texts = client.mget([metrics_key(name) for name in names]) if names else []
    metrics = {name: text for name, text in zip(names, texts, strict=True)
               if isinstance(text, bytes)}
    return BoardView(nodes=nodes, depths=depths, metrics=metrics, read_at=time.monotonic())


class NodeBoard:
    """The last view of the cluster, refreshed by a daemon thread."""

    def __init__(self, client: redis.Redis, engines: Iterable[str], queue_size: int, *,
                 interval_s: float = READ_INTERVAL_S, stale_s: float = STALE_AFTER_S) -> None:
        self.client = client
        self.engines = list(engines)
        self.queue_size = queue_size
        self.interval_s = interval_s
        self.stale_s = stale_s
        self.view = BoardView()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="node-board", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s + 5)
        self.client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception:  # a bug must not freeze the view (it would turn into 503s)
                log.exception("node board refresh failed; retrying")
            self._stop.wait(self.interval_s)

    def refresh(self) -> None:
        try:
            self.view = read_view(self.client, self.engines)
        except (redis.RedisError, OSError) as error:
            if self.view.error is None:
                log.warning("cannot read node heartbeats from Redis",
                            extra={"error": type(error).__name__})
            self.view = BoardView(self.view.nodes, self.view.depths, self.view.metrics,
                                  self.view.read_at, error=type(error).__name__)

    # ---- readers (any thread, no I/O) -----------------------------------------

    @property
    def reachable(self) -> bool:
        """The last read succeeded, and recently (a wedged reader counts as an outage)."""
        view = self.view
        fresh = time.monotonic() - view.read_at <= self.stale_s
        return view.error is None and view.read_at > 0 and fresh

    def nodes_for(self, engine: str) -> list[dict[str, Any]]:
        """Live nodes taking tasks whose `engine` pool accepts jobs (loaded, or replacing
        a worker)."""
        return [node for node in self.view.nodes if node.get("consuming")
                and node.get("engines", {}).get(engine, {}).get("accepts_jobs")]

    def check(self, engine: str) -> None:
        """NotReady without Redis or without a live node; Overloaded when the queue is full.

        The queue bound is QUEUE_SIZE waiting messages per live node serving the engine.
        """
        if not self.reachable:
            raise NotReady("the broker (Redis) is unreachable; jobs cannot be queued now",
                           retry_after_s=BROKER_RETRY_AFTER_S)
        live = len(self.nodes_for(engine))
        if live == 0:
            raise NotReady(f"no live node has a loaded {engine} worker "
                           "(start `docwarden worker --engines ...`)",
                           retry_after_s=BROKER_RETRY_AFTER_S)
        depth = self.view.depths.get(engine, 0)
        if depth > 0 and depth >= self.queue_size * live:
            raise Overloaded(f"{depth} {engine} jobs are waiting for {live} node(s) "
                             f"(DOCWARDEN_QUEUE_SIZE={self.queue_size} per node)",
                             retry_after_s=OVERLOADED_RETRY_AFTER_S)

    def engine_rows(self) -> dict[str, Any]:
        return {engine: {"ready": bool(self.nodes_for(engine)) and self.reachable,
                         "live_nodes": len(self.nodes_for(engine)),
                         "queue_depth": self.view.depths.get(engine, 0)}
                for engine in self.engines}
