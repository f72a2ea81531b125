"""Small JSON notes beside the job store, for what its rows do not hold.

A compatibility profile keeps here what its upstream answered with but
docwarden's jobs do not carry (PhotoEnhanceAI's upload file name, a batch's
member jobs).  Notes are written atomically, named only by validated job ids,
and forgotten after JOB_RETENTION_S like the jobs themselves.  A store hands
out its notes (`store.notes(profile)`): these files for the SQLite store, Redis
keys for the shared store of celery mode, so every API node reads the same.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from docwarden.fileio import write_atomic
from docwarden.jobs.models import is_valid_job_id

CLEANUP_EVERY_S = 3600.0
_last_cleanup = [0.0]


class TaskNotes:
    """JSON notes beside the job store: a task's file name, a batch's members."""

    def __init__(self, data_dir: Path, profile: str, retention_s: float) -> None:
        self.directory = data_dir / "compat" / profile
        self.retention_s = retention_s

    def _path(self, kind: str, job_id: str) -> Path:
        if not is_valid_job_id(job_id):
            raise ValueError("not a job id")
        return self.directory / f"{kind}-{job_id}.json"

    def save(self, kind: str, job_id: str, note: dict[str, Any]) -> None:
        write_atomic(self._path(kind, job_id), json.dumps(note, ensure_ascii=False).encode())
        self._cleanup()

    def load(self, kind: str, job_id: str) -> dict[str, Any] | None:
        try:
            note: dict[str, Any] = json.loads(self._path(kind, job_id).read_text())
        except (OSError, ValueError):
            return None
        return note

    def _cleanup(self) -> None:
        """Forget notes older than the jobs' retention, at most once an hour."""
        now = time.time()
        if now - _last_cleanup[0] < CLEANUP_EVERY_S:
            return
        _last_cleanup[0] = now
        for path in self.directory.glob("*.json"):
            try:
                if now - path.stat().st_mtime > self.retention_s:
                    path.unlink()
            except OSError:
                continue
