"""What a job carries in and what it gives back: plain values every layer shares.

A leaf module (no docwarden imports): the API builds payloads, the supervisor
and the worker pipe carry them, engines return results, and the client and
the async job store read them, without any of them importing another's layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class BinaryResult:
    """A non-JSON answer (an enhanced image), with metadata sent as headers."""

    data: bytes
    media_type: str
    meta: dict[str, Any] = field(default_factory=dict)


EngineResult = dict[str, Any] | BinaryResult


@dataclass(frozen=True)
class JobPayload:
    """Input of one job: the main file, named files and parameters."""

    data: bytes | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    # The last item of a batch request: the worker calls the engine's `after_jobs`
    # hook once it has no job in flight (set by the batch route, not by clients).
    last_of_batch: bool = False


@dataclass(frozen=True)
class JobOutcome:
    result: EngineResult
    worker_pid: int
    duration_s: float
    queue_wait_s: float
    peak_rss_bytes: int
    max_rss_bytes: int = 0
