"""What every route needs, built once per app and kept on `app.state.ctx`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request

from docwarden.admission import Admission
from docwarden.dispatch import Dispatcher
from docwarden.monitoring.gpu import GpuProbe
from docwarden.monitoring.metrics import Metrics
from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor

if TYPE_CHECKING:
    from docwarden.jobs.interface import JobStoreAPI
    from docwarden.jobs.runner import JobRunner


@dataclass
class ServiceContext:
    settings: Settings
    supervisor: Supervisor
    dispatcher: Dispatcher
    admission: Admission
    metrics: Metrics
    gpu: GpuProbe
    started_at: float = field(default_factory=time.monotonic)
    # How this node opens its job store: SQLite under DATA_DIR, or Redis in celery mode.
    open_job_store: Callable[[Settings], JobStoreAPI] | None = None
    job_store: JobStoreAPI | None = None
    # The /metrics body; in celery mode every node's series merged with this node's.
    render_metrics: Callable[[], bytes] | None = None
    job_runner: JobRunner | None = None


def get_ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx
