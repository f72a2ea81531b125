"""Messages between the supervisor and a worker process, and the worker's spec.

Both ends run code from this package and talk over a private
`multiprocessing` pipe; no client-supplied object is ever unpickled (job
inputs travel as bytes, dicts of plain values, and errors as dicts).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from docwarden.jobdata import BinaryResult, JobPayload
from docwarden.settings import Settings


class ExitCode(IntEnum):
    """Exit statuses a worker chooses itself; anything else is a crash."""

    OK = 0
    LOAD_FAILED = 10
    PARENT_GONE = 11
    PROTOCOL_ERROR = 12


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a fresh (spawned) worker needs to become a working engine host."""

    engine: str
    slot: int
    settings: Settings
    parent_pid: int
    # Whether to hand freed heap back after a job that leaves much of it (runtime.trim_heap).
    trim_after_job: bool = True


# Parent -> worker


@dataclass(frozen=True)
class RunJob:
    job_id: str
    payload: JobPayload


@dataclass(frozen=True)
class Stop:
    """Finish in-flight jobs, release the model, exit 0."""


# Worker -> parent


@dataclass(frozen=True)
class Loaded:
    pid: int
    load_s: float
    rss_bytes: int
    allocator: str


@dataclass(frozen=True)
class LoadFailed:
    pid: int
    error: str


@dataclass(frozen=True)
class Progress:
    job_id: str
    done: int
    total: int


@dataclass(frozen=True)
class JobDone:
    """One finished job: exactly one of `result` and `error` is set."""

    job_id: str
    duration_s: float
    rss_bytes: int
    # High-water mark of the worker's RSS since it started (kernel ru_maxrss).
    max_rss_bytes: int = 0
    result: dict[str, Any] | BinaryResult | None = None
    error: dict[str, Any] | None = None
    # The engine saw GPU memory run out: the worker must be replaced.
    gpu_exhausted: bool = False
    # GPU readings (DESIGN.md shape) around engine.run; None without a GPU (DEVICE=cpu).
    gpu_info_before: dict[str, Any] | None = None
    gpu_info_after: dict[str, Any] | None = None


@dataclass(frozen=True)
class Settled:
    """Sent after the post-job clean-up: the RSS the job left behind (leaks, not garbage)."""

    rss_bytes: int


ToWorker = RunJob | Stop
FromWorker = Loaded | LoadFailed | Progress | JobDone | Settled
