"""SQLite store of async jobs: survives a server restart (DESIGN.md section 4).

Interface for the routes (all methods are thread-safe and synchronous; they
take milliseconds, except `create`/`result`, which write or read the job's
bytes: call those through `asyncio.to_thread` from a route):

- `create(engine, payload, timeout_s=None) -> JobRecord`  (status queued; the
  runner is told through `JobRunner.notify()` or picks it up within a poll)
- `get(id) -> JobRecord`, `list_jobs(status=None, limit=100)`
- `result(id) -> JobResult`  (Conflict while not done, carrying the job's error)
- `cancel(id) -> JobRecord`  (queued/running -> cancelled; Conflict when done or
  failed; cancelling a cancelled job returns it unchanged)
- `cleanup() -> int`  (forget finished jobs older than JOB_RETENTION_S)

The runner's side: `list_queued`, `claim`, `load_payload`, `set_progress`,
`finish`, `fail`, `requeue`, `hold` (see `jobs.interface`, which the Redis
store of celery mode implements as well).  State changes are conditional updates
(`WHERE status = 'running'`), so a job cancelled while it runs stays cancelled
when its result arrives.  Every id from outside is validated (`NotFound` when
malformed) before any query or path.  One server process owns a data dir:
opening the store re-queues jobs that a crashed server left `running`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from docwarden.errors import Conflict, InvalidInput, NotFound
from docwarden.jobdata import BinaryResult, JobPayload
from docwarden.jobs.files import JobFiles
from docwarden.jobs.models import (
    TERMINAL_STATUSES,
    JobRecord,
    JobResult,
    JobStatus,
    ResultKind,
    new_job_id,
    require_result,
    validate_job_id,
)
from docwarden.jobs.notes import TaskNotes
from docwarden.settings import Settings

DB_NAME = "jobs.sqlite3"
SCHEMA_VERSION = 1
ORPHAN_GRACE_S = 3600.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    engine TEXT NOT NULL,
    status TEXT NOT NULL,
    params TEXT NOT NULL,
    has_data INTEGER NOT NULL,
    file_names TEXT NOT NULL,
    timeout_s REAL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    error TEXT,
    result_kind TEXT,
    result_media_type TEXT,
    result_meta TEXT
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, engine, not_before, created_at);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (status, finished_at);
"""


class JobStore:
    """Job rows in SQLite (WAL) under `data_dir`, job bytes in files beside it."""

    def __init__(self, data_dir: Path, *, retention_s: float, recover: bool = True) -> None:
        self.data_dir = data_dir
        self.retention_s = retention_s
        data_dir.mkdir(parents=True, exist_ok=True)
        self.files = JobFiles(data_dir)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(data_dir / DB_NAME, isolation_level=None,
                                   check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        if recover:
            self.recover()

    @classmethod
    def from_settings(cls, settings: Settings) -> JobStore:
        return cls(settings.data_dir, retention_s=settings.job_retention_s)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, args).fetchone()
            return row

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ---- routes ------------------------------------------------------------

    def create(self, engine: str, payload: JobPayload, *,
               timeout_s: float | None = None) -> JobRecord:
        """Store a job's bytes and row; it is queued once this returns."""
        try:
            params = json.dumps(payload.params)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"job parameters must be JSON values: {exc}") from None
        job_id = new_job_id()
        names = list(payload.files)
        self.files.write_inputs(job_id, payload.data, [payload.files[n] for n in names])
        try:
            self._write(
                "INSERT INTO jobs (id, engine, status, params, has_data, file_names, timeout_s,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, engine, JobStatus.QUEUED.value, params, payload.data is not None,
                 json.dumps(names), timeout_s, time.time()))
        except BaseException:
            self.files.remove_inputs(job_id)
            raise
        return self.get(job_id)

    def get(self, job_id: str) -> JobRecord:
        job_id = validate_job_id(job_id)
        row = self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            raise NotFound(f"no job {job_id}")
        return _record(row)

    def list_jobs(self, status: JobStatus | None = None, limit: int = 100) -> list[JobRecord]:
        """Newest first."""
        rows = self._all("SELECT * FROM jobs WHERE ? IS NULL OR status = ? "
                         "ORDER BY created_at DESC LIMIT ?",
                         (status and status.value, status and status.value, limit))
        return [_record(row) for row in rows]

    def result(self, job_id: str) -> JobResult:
        record = self.get(job_id)
        kind = require_result(record)
        content = self.files.read_result(record.id, kind)
        if kind is ResultKind.JSON:
            return JobResult(ResultKind.JSON, json=json.loads(content))
        meta_row = self._one("SELECT result_meta FROM jobs WHERE id = ?",
                                 (record.id,))
        meta = json.loads(meta_row["result_meta"] or "{}") if meta_row else {}
        return JobResult(ResultKind.BINARY, data=content,
                         media_type=record.result_media_type or "application/octet-stream",
                         meta=meta)

    def cancel(self, job_id: str) -> JobRecord:
        """Queued or running -> cancelled; the runner drops a late result."""
        record = self.get(job_id)
        changed = self._write(
            "UPDATE jobs SET status = ?, finished_at = ? WHERE id = ? AND status IN (?, ?)",
            (JobStatus.CANCELLED.value, time.time(), record.id, JobStatus.QUEUED.value,
             JobStatus.RUNNING.value))
        if changed:
            self.files.remove_inputs(record.id)
            return self.get(record.id)
        if record.status in (JobStatus.DONE, JobStatus.FAILED):
            raise Conflict(f"job {record.id} is already {record.status.value}",
                           details={"status": record.status.value})
        return self.get(record.id)

    # ---- runner ------------------------------------------------------------

    def queued_engines(self, now: float | None = None) -> list[str]:
        """Engines that have at least one queued job due now."""
        rows = self._all("SELECT DISTINCT engine FROM jobs WHERE status = ? AND "
                         "not_before <= ?", (JobStatus.QUEUED.value, _now(now)))
        return [row["engine"] for row in rows]

    def list_queued(self, engine: str | None = None, *, now: float | None = None,
                    limit: int = 100) -> list[JobRecord]:
        """Queued jobs due now (retry backoff passed), oldest first."""
        rows = self._all("SELECT * FROM jobs WHERE status = ? AND not_before <= ? AND "
                         "(? IS NULL OR engine = ?) ORDER BY created_at LIMIT ?",
                         (JobStatus.QUEUED.value, _now(now), engine, engine, limit))
        return [_record(row) for row in rows]

    def next_due_at(self) -> float | None:
        """When the earliest queued job becomes due (None: nothing queued)."""
        row = self._one("SELECT MIN(not_before) AS due FROM jobs WHERE status = ?",
                            (JobStatus.QUEUED.value,))
        return None if row is None or row["due"] is None else float(row["due"])

    def claim(self, job_id: str) -> JobRecord | None:
        """Queued -> running for one runner; None when someone changed it first."""
        job_id = validate_job_id(job_id)
        changed = self._write(
            "UPDATE jobs SET status = ?, started_at = ?, attempts = attempts + 1, "
            "progress_done = 0, progress_total = 0 WHERE id = ? AND status = ?",
            (JobStatus.RUNNING.value, time.time(), job_id, JobStatus.QUEUED.value))
        return self.get(job_id) if changed else None

    def load_payload(self, job_id: str) -> JobPayload:
        """The stored input (OSError when its files are gone, e.g. after cancel)."""
        job_id = validate_job_id(job_id)
        row = self._one("SELECT params, has_data, file_names FROM jobs WHERE id = ?",
                            (job_id,))
        if row is None:
            raise NotFound(f"no job {job_id}")
        names: list[str] = json.loads(row["file_names"])
        data, contents = self.files.read_inputs(job_id, bool(row["has_data"]), len(names))
        return JobPayload(data=data, files=dict(zip(names, contents, strict=True)),
                          params=json.loads(row["params"]))

    def set_progress(self, job_id: str, done: int, total: int) -> None:
        self._write("UPDATE jobs SET progress_done = ?, progress_total = ? "
                      "WHERE id = ? AND status = ?",
                      (done, total, validate_job_id(job_id), JobStatus.RUNNING.value))

    def finish(self, job_id: str, result: dict[str, Any] | BinaryResult) -> bool:
        """Running -> done with its result; False when it was cancelled meanwhile."""
        job_id = validate_job_id(job_id)
        if isinstance(result, BinaryResult):
            kind, media_type, meta = ResultKind.BINARY, result.media_type, result.meta
            self.files.write_result(job_id, kind, result.data)
        else:
            kind, media_type, meta = ResultKind.JSON, "application/json", {}
            self.files.write_json_result(job_id, result)
        changed = self._write(
            "UPDATE jobs SET status = ?, finished_at = ?, result_kind = ?, result_media_type = ?,"
            " result_meta = ?, error = NULL, progress_done = MAX(progress_done, progress_total)"
            " WHERE id = ? AND status = ?",
            (JobStatus.DONE.value, time.time(), kind.value, media_type, json.dumps(meta),
             job_id, JobStatus.RUNNING.value))
        if not changed:
            self.files.remove_results(job_id)
        self.files.remove_inputs(job_id)
        return bool(changed)

    def fail(self, job_id: str, error: dict[str, Any]) -> bool:
        """Running -> failed with the error body; False when cancelled meanwhile."""
        job_id = validate_job_id(job_id)
        changed = self._write(
            "UPDATE jobs SET status = ?, finished_at = ?, error = ? WHERE id = ? AND status = ?",
            (JobStatus.FAILED.value, time.time(), json.dumps(error), job_id,
             JobStatus.RUNNING.value))
        if changed:
            self.files.remove_inputs(job_id)
        return bool(changed)

    def requeue(self, job_id: str, *, delay_s: float = 0.0,
                error: dict[str, Any] | None = None) -> bool:
        """Running -> queued again, due after `delay_s` (a retryable refusal)."""
        changed = self._write(
            "UPDATE jobs SET status = ?, not_before = ?, error = ?, started_at = NULL "
            "WHERE id = ? AND status = ?",
            (JobStatus.QUEUED.value, time.time() + delay_s,
             json.dumps(error) if error else None, validate_job_id(job_id),
             JobStatus.RUNNING.value))
        return bool(changed)

    def hold(self, job_ids: Collection[str]) -> frozenset[str]:
        """One server owns this store, so a hold needs no lease: only the ids that
        are cancelled (or gone) are reported."""
        if not job_ids:
            return frozenset()
        ids = [validate_job_id(job_id) for job_id in job_ids]
        rows = self._all("SELECT id FROM jobs WHERE status = ? AND id IN "
                         "(SELECT value FROM json_each(?))", (JobStatus.RUNNING.value,
                                                              json.dumps(ids)))
        return frozenset(ids) - {row["id"] for row in rows}

    def notes(self, profile: str) -> TaskNotes:
        return TaskNotes(self.data_dir, profile, self.retention_s)

    def recover_stale(self) -> int:
        """Nothing to do while running: `recover` ran when this server opened the store."""
        return 0

    def recover(self) -> int:
        """Re-queue jobs a crashed server left running; returns how many."""
        return self._write(
            "UPDATE jobs SET status = ?, started_at = NULL WHERE status = ?",
            (JobStatus.QUEUED.value, JobStatus.RUNNING.value))

    # ---- retention ---------------------------------------------------------

    def cleanup(self, now: float | None = None) -> int:
        """Forget finished jobs older than the retention; returns how many."""
        cutoff = _now(now) - self.retention_s
        terminal = tuple(status.value for status in TERMINAL_STATUSES)
        rows = self._all(
            "SELECT id FROM jobs WHERE status IN (?, ?, ?) AND finished_at < ?",
            (*terminal, cutoff))
        for row in rows:
            self.files.remove_all(row["id"])
            self._write("DELETE FROM jobs WHERE id = ?", (row["id"],))
        self.files.sweep_orphans(self._known, older_than_s=min(ORPHAN_GRACE_S,
                                                                self.retention_s))
        return len(rows)

    def _known(self, job_id: str) -> bool:
        return self._one("SELECT 1 FROM jobs WHERE id = ?", (job_id,)) is not None


def _record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        id=row["id"], engine=row["engine"], status=JobStatus(row["status"]),
        created_at=row["created_at"], started_at=row["started_at"],
        finished_at=row["finished_at"], progress_done=row["progress_done"],
        progress_total=row["progress_total"],
        error=json.loads(row["error"]) if row["error"] else None, attempts=row["attempts"],
        not_before=row["not_before"], timeout_s=row["timeout_s"],
        result_kind=ResultKind(row["result_kind"]) if row["result_kind"] else None,
        result_media_type=row["result_media_type"])


def _now(now: float | None) -> float:
    return time.time() if now is None else now
