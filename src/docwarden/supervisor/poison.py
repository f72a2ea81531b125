"""Inputs that killed workers: refuse them before they kill another."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol

DEFAULT_CAPACITY = 4096


class Quarantine(Protocol):
    """What the supervisor needs of a poison table: this machine's (`PoisonTable`) or one
    shared by every node of a cluster (`docwarden.celery.poison`)."""

    strikes: int

    def record_death(self, input_hash: str) -> int: ...

    def is_poison(self, input_hash: str) -> bool: ...

    def __len__(self) -> int: ...


class PoisonTable:
    """Bounded LRU of input hash -> worker deaths, safe across threads."""

    def __init__(self, strikes: int, capacity: int = DEFAULT_CAPACITY) -> None:
        self.strikes = strikes
        self.capacity = capacity
        self._deaths: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def record_death(self, input_hash: str) -> int:
        with self._lock:
            count = self._deaths.pop(input_hash, 0) + 1
            self._deaths[input_hash] = count
            while len(self._deaths) > self.capacity:
                self._deaths.popitem(last=False)
            return count

    def is_poison(self, input_hash: str) -> bool:
        with self._lock:
            return self._deaths.get(input_hash, 0) >= self.strikes

    def __len__(self) -> int:
        return len(self._deaths)
