"""Async jobs: a SQLite store that survives restarts, and the runner that drains it.

`JobStore` (store.py) keeps rows and bytes; `JobRunner` (runner.py) moves
queued jobs through the `Dispatcher`.  Their module docstrings list the
interface the API routes use.
"""

from docwarden.jobs.models import (
    JobRecord,
    JobResult,
    JobStatus,
    ResultKind,
    is_valid_job_id,
    validate_job_id,
)
from docwarden.jobs.runner import JobRunner, default_concurrency
from docwarden.jobs.store import JobStore

__all__ = [
    "JobRecord",
    "JobResult",
    "JobRunner",
    "JobStatus",
    "JobStore",
    "ResultKind",
    "default_concurrency",
    "is_valid_job_id",
    "validate_job_id",
]
