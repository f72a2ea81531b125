"""The seam between the API and where jobs run.

Routes and the async-job runner only see `Dispatcher`: submit a job, await its
outcome or a `DocwardenError`.  `LocalDispatcher` runs jobs on this machine's
governed pools; `docwarden.celery.dispatcher.CeleryDispatcher` replaces it in
celery mode without touching routes, admission or the supervisor (DESIGN.md
section 6).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from docwarden.jobdata import JobOutcome, JobPayload, ProgressCallback
from docwarden.supervisor.supervisor import Supervisor


class Dispatcher(Protocol):
    async def run(self, engine: str, payload: JobPayload, *, timeout_s: float | None = None,
                  on_progress: ProgressCallback | None = None) -> JobOutcome:
        """Run one job to completion; raise a `DocwardenError` on failure."""
        ...

    def check_admission(self, engine: str) -> None:
        """Raise NotReady / Overloaded-style errors before any work is queued."""
        ...

    def start(self) -> None:
        """Acquire what the dispatcher runs on (the app's lifespan calls it)."""
        ...

    def close(self) -> None:
        """Release it at shutdown, after the job runner stopped."""
        ...


class LocalDispatcher:
    """Jobs run by this process's supervisor."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor

    async def run(self, engine: str, payload: JobPayload, *, timeout_s: float | None = None,
                  on_progress: ProgressCallback | None = None) -> JobOutcome:
        job = self.supervisor.submit(engine, payload, timeout_s, on_progress)
        try:
            return await asyncio.wrap_future(job.future)
        except asyncio.CancelledError:  # a cancelled async job, or shutdown: free the worker
            self.supervisor.cancel(job)
            raise

    def check_admission(self, engine: str) -> None:
        self.supervisor.pool(engine)

    def start(self) -> None:
        """Nothing of its own: the lifespan starts the supervisor."""

    def close(self) -> None:
        """Nothing of its own: the lifespan shuts the supervisor down."""
