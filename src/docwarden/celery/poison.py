"""The poison table of a cluster: an input that killed workers anywhere is refused everywhere.

Strikes are counted in Redis (`docwarden:poison:<input hash>`, kept JOB_RETENTION_S), so
two deaths on two nodes quarantine the input on every node.  Each node also keeps its
own table: while Redis is unreachable a node still refuses what killed its own workers,
and a strike recorded meanwhile is not lost to that node.
"""

from __future__ import annotations

import logging

import redis

from docwarden.supervisor.poison import PoisonTable

log = logging.getLogger("docwarden.celery")
KEY_PREFIX = "docwarden:poison:"


class SharedPoisonTable:
    def __init__(self, client: redis.Redis, strikes: int, keep_s: float) -> None:
        self.client = client
        self.strikes = strikes
        self.keep_s = max(int(keep_s), 1)
        self.local = PoisonTable(strikes)

    def record_death(self, input_hash: str) -> int:
        """This death counted here and in Redis; the larger count is the input's."""
        local = self.local.record_death(input_hash)
        try:
            with self.client.pipeline() as pipe:
                pipe.incr(KEY_PREFIX + input_hash)
                pipe.expire(KEY_PREFIX + input_hash, self.keep_s)
                shared, _ = pipe.execute()
        except (redis.RedisError, OSError) as error:
            log.warning("poison strike kept on this node only",
                        extra={"error": type(error).__name__})
            return local
        return max(local, int(shared))

    def is_poison(self, input_hash: str) -> bool:
        if self.local.is_poison(input_hash):
            return True
        try:
            shared = self.client.get(KEY_PREFIX + input_hash)
        except (redis.RedisError, OSError):
            return False
        return shared is not None and int(shared) >= self.strikes

    def __len__(self) -> int:
        """Inputs this node has seen kill a worker (the cluster's count is in Redis)."""
        return len(self.local)
