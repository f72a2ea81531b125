"""A job as the supervisor tracks it, and what its caller gets back."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field

from docwarden.errors import InvalidInput
from docwarden.jobdata import JobOutcome, JobPayload, ProgressCallback
from docwarden.settings import Settings


def job_deadline_s(settings: Settings, timeout_s: float | None) -> float:
    """The caller's deadline within MAX_JOB_TIMEOUT_S (the default without one); NaN,
    infinity or <= 0 would mean no deadline at all: refused.  One rule for local and
    celery dispatch alike."""
    if timeout_s is None:
        return min(settings.job_timeout_s, settings.max_job_timeout_s)
    if not math.isfinite(timeout_s) or timeout_s <= 0:
        raise InvalidInput(f"timeout_s must be a positive finite number, not {timeout_s!r}")
    return min(timeout_s, settings.max_job_timeout_s)


def new_job_id() -> str:
    return uuid.uuid4().hex


def input_hash(engine: str, payload: JobPayload) -> str:
    """Content hash of everything a worker sees: the key of the poison table."""
    digest = hashlib.sha256(engine.encode())
    if payload.data is not None:
        digest.update(b"\0data\0")
        digest.update(payload.data)  # fed apart: no copy of the upload just to hash it
    for name in sorted(payload.files):
        digest.update(b"\0file\0" + name.encode() + b"\0")
        digest.update(payload.files[name])
    digest.update(repr(sorted(payload.params.items())).encode())
    return digest.hexdigest()


@dataclass(eq=False)
class Job:
    id: str
    engine: str
    payload: JobPayload
    timeout_s: float
    input_hash: str
    future: Future[JobOutcome] = field(default_factory=Future)
    on_progress: ProgressCallback | None = None
    submitted_at: float = field(default_factory=time.monotonic)
    started_at: float = 0.0
    attempts: int = 0
    peak_rss_bytes: int = 0

    @property
    def deadline(self) -> float:
        """Counted from admission: time waiting in the queue is part of the caller's wait."""
        return self.submitted_at + self.timeout_s

    def finish(self, outcome: JobOutcome) -> None:
        if not self.future.done():
            self.future.set_result(outcome)

    def fail(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)
