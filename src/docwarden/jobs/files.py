"""Job inputs and results on disk, next to the SQLite file.

Layout under DATA_DIR: `inputs/<id>/data` and `inputs/<id>/file-<n>` (the
payload's bytes; the names of named files live in the database, never in a
path), `results/<id>.json` or `results/<id>.bin`.  Only validated ids reach
this module, and paths are built from the id alone.  Results are written to a
temporary name and renamed, so a reader never sees half a result.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docwarden.fileio import write_atomic
from docwarden.jobs.models import ResultKind, is_valid_job_id, validate_job_id

DATA_FILE = "data"
RESULT_SUFFIX = {ResultKind.JSON: ".json", ResultKind.BINARY: ".bin"}


class JobFiles:
    """Bytes of job inputs and results; the database says which exist."""

    def __init__(self, root: Path) -> None:
        self.inputs_dir = root / "inputs"
        self.results_dir = root / "results"
        self.inputs_dir.mkdir(parents=True, exist_ok=True)
        self.results_dir.mkdir(parents=True, exist_ok=True)

    def input_dir(self, job_id: str) -> Path:
        return self.inputs_dir / validate_job_id(job_id)

    def result_path(self, job_id: str, kind: ResultKind) -> Path:
        return self.results_dir / (validate_job_id(job_id) + RESULT_SUFFIX[kind])

    def write_inputs(self, job_id: str, data: bytes | None, files: Sequence[bytes]) -> None:
        directory = self.input_dir(job_id)
        directory.mkdir()
        if data is not None:
            (directory / DATA_FILE).write_bytes(data)
        for index, content in enumerate(files):
            (directory / f"file-{index}").write_bytes(content)

    def read_inputs(self, job_id: str, has_data: bool, file_count: int) -> tuple[
            bytes | None, list[bytes]]:
        """The main bytes and the named files in stored order (OSError if gone)."""
        directory = self.input_dir(job_id)
        data = (directory / DATA_FILE).read_bytes() if has_data else None
        files = [(directory / f"file-{index}").read_bytes() for index in range(file_count)]
        return data, files

    def remove_inputs(self, job_id: str) -> None:
        shutil.rmtree(self.input_dir(job_id), ignore_errors=True)

    def write_result(self, job_id: str, kind: ResultKind, content: bytes) -> None:
        write_atomic(self.result_path(job_id, kind), content)

    def write_json_result(self, job_id: str, result: dict[str, Any]) -> None:
        self.write_result(job_id, ResultKind.JSON, json.dumps(result).encode())

    def read_result(self, job_id: str, kind: ResultKind) -> bytes:
        return self.result_path(job_id, kind).read_bytes()

    def remove_results(self, job_id: str) -> None:
        for kind in ResultKind:
            self.result_path(job_id, kind).unlink(missing_ok=True)

    def remove_all(self, job_id: str) -> None:
        self.remove_inputs(job_id)
        self.remove_results(job_id)

    def sweep_orphans(self, is_known: Callable[[str], bool], older_than_s: float) -> int:
        """Remove entries left by a crash between a file write and its row change.

        Only entries older than `older_than_s` go, so a job being created right
        now (files written, row not yet inserted) is never touched.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        for directory in (self.inputs_dir, self.results_dir):
            with os.scandir(directory) as entries:
                for entry in entries:
                    if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                        continue
                    owner = _owner_id(entry.name)
                    if owner is not None and is_known(owner):
                        continue
                    _remove_entry(entry)
                    removed += 1
        return removed


def _owner_id(name: str) -> str | None:
    """The job id a canonical entry name belongs to (temporaries have none)."""
    for suffix in ("", *RESULT_SUFFIX.values()):
        stem = name.removesuffix(suffix) if suffix else name
        if (not suffix or name.endswith(suffix)) and is_valid_job_id(stem):
            return stem
    return None


def _remove_entry(entry: os.DirEntry[str]) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path, ignore_errors=True)
    else:
        Path(entry.path).unlink(missing_ok=True)
