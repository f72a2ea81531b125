"""How fast a pool may spawn: backoff after load failures, a bound per minute."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

SPAWN_WINDOW_S = 60.0


@dataclass
class SpawnGovernor:
    """Backoff after load failures and a bound on spawns per minute (no fork storm)."""

    base_s: float
    max_s: float
    per_minute: int
    failures: int = 0
    next_at: float = 0.0

    def __post_init__(self) -> None:
        self.recent: deque[float] = deque()

    def may_spawn(self, now: float) -> bool:
        while self.recent and now - self.recent[0] > SPAWN_WINDOW_S:
            self.recent.popleft()
        return now >= self.next_at and len(self.recent) < self.per_minute

    def spawned(self, now: float) -> None:
        self.recent.append(now)

    def failed(self, now: float) -> float:
        self.failures += 1
        delay = min(self.base_s * 2.0 ** (self.failures - 1), self.max_s)
        self.next_at = now + delay
        return delay

    def succeeded(self) -> None:
        self.failures = 0
        self.next_at = 0.0
