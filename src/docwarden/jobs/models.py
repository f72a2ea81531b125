"""Values of the async-job store: ids, statuses, records and results.

Job ids are 32 random hex characters (uuid4-style, never sequential, so one
client cannot guess another's job).  Every id that arrives from outside goes
through `validate_job_id` before it is used in a query or a path.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from docwarden.errors import Conflict, NotFound

JOB_ID_PATTERN = re.compile(r"[0-9a-f]{32}")


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        """Whether the job will never change again."""
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED})


class ResultKind(StrEnum):
    JSON = "json"
    BINARY = "binary"


def new_job_id() -> str:
    """128 random bits as hex: unguessable and safe as a file name."""
    return secrets.token_hex(16)


def is_valid_job_id(job_id: object) -> bool:
    return isinstance(job_id, str) and JOB_ID_PATTERN.fullmatch(job_id) is not None


def validate_job_id(job_id: object) -> str:
    """The id itself, or NotFound: a malformed id cannot name any job."""
    if not is_valid_job_id(job_id):
        raise NotFound("no such job (malformed job id)")
    assert isinstance(job_id, str)
    return job_id


@dataclass(frozen=True)
class JobRecord:
    """One job's row, as routes report it (`to_dict`)."""

    id: str
    engine: str
    status: JobStatus
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    progress_done: int = 0
    progress_total: int = 0
    error: dict[str, Any] | None = None
    attempts: int = 0
    not_before: float = 0.0
    timeout_s: float | None = None
    result_kind: ResultKind | None = None
    result_media_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON body of `GET /v1/jobs/{id}` (routes add URLs)."""
        return {
            "id": self.id,
            "engine": self.engine,
            "status": self.status.value,
            "progress": {"done": self.progress_done, "total": self.progress_total},
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "attempts": self.attempts,
            "error": self.error,
            "result_media_type": self.result_media_type,
        }


@dataclass(frozen=True)
class JobResult:
    """A finished job's answer: a JSON dict, or bytes with their media type."""

    kind: ResultKind
    json: dict[str, Any] | None = None
    data: bytes | None = None
    media_type: str = "application/json"
    meta: dict[str, Any] = field(default_factory=dict)


def require_result(record: JobRecord) -> ResultKind:
    """The kind of a done job's result, or Conflict (with the job's status and error):
    the one rule both job stores answer `GET /v1/jobs/{id}/result` by."""
    if record.status is JobStatus.DONE and record.result_kind is not None:
        return record.result_kind
    details: dict[str, Any] = {"status": record.status.value}
    if record.error is not None:
        details["job_error"] = record.error
    raise Conflict(f"job {record.id} is {record.status.value}, it has no result",
                   details=details)
