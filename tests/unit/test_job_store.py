"""JobStore: rows in SQLite (WAL), bytes on disk, conditional state changes."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from docwarden.errors import Conflict, InvalidInput, NotFound
from docwarden.jobdata import BinaryResult, JobPayload
from docwarden.jobs import JobStatus, JobStore, ResultKind, is_valid_job_id
from docwarden.jobs.store import DB_NAME
from docwarden.settings import Settings

PAYLOAD = JobPayload(data=b"\x89PNG main", files={"front": b"F", "back": b"B"},
                     params={"side": "auto", "pages": [1, 2]})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JobStore]:
    store = JobStore(tmp_path, retention_s=60)
    yield store
    store.close()


def test_create_then_load_round_trips_payload(store: JobStore) -> None:
    record = store.create("idcard", PAYLOAD, timeout_s=12)
    assert record.status is JobStatus.QUEUED
    assert record.engine == "idcard" and record.timeout_s == 12
    assert store.load_payload(record.id) == PAYLOAD


def test_ids_are_random_and_strictly_validated(store: JobStore) -> None:
    ids = {store.create("ocr", JobPayload(data=b"x")).id for _ in range(20)}
    assert len(ids) == 20 and all(is_valid_job_id(job_id) for job_id in ids)
    for bad in ("../../etc/passwd", "", "A" * 32, "0" * 31, "0" * 33, "0" * 32 + "\n"):
        with pytest.raises(NotFound):
            store.get(bad)
        with pytest.raises(NotFound):
            store.cancel(bad)
    with pytest.raises(NotFound):
        store.get("0" * 32)


def test_named_files_never_become_paths(store: JobStore, tmp_path: Path) -> None:
    record = store.create("ocr", JobPayload(files={"../../escape": b"x"}))
    assert not (tmp_path.parent / "escape").exists()
    assert sorted(p.name for p in (tmp_path / "inputs" / record.id).iterdir()) == ["file-0"]
    assert store.load_payload(record.id).files == {"../../escape": b"x"}


def test_params_must_be_json(store: JobStore) -> None:
    with pytest.raises(InvalidInput):
        store.create("ocr", JobPayload(params={"when": object()}))
    assert list((store.data_dir / "inputs").iterdir()) == []


def test_database_is_in_wal_mode(store: JobStore, tmp_path: Path) -> None:
    store.create("ocr", JobPayload(data=b"x"))
    with sqlite3.connect(tmp_path / DB_NAME) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_claim_finish_and_json_result(store: JobStore) -> None:
    job_id = store.create("ocr", JobPayload(data=b"x")).id
    claimed = store.claim(job_id)
    assert claimed is not None and claimed.status is JobStatus.RUNNING
    assert claimed.attempts == 1 and claimed.started_at is not None
    assert store.claim(job_id) is None  # only one claimant wins
    with pytest.raises(Conflict):
        store.result(job_id)
    store.set_progress(job_id, 1, 3)
    assert store.get(job_id).progress_done == 1
    assert store.finish(job_id, {"text": "hello"})
    record = store.get(job_id)
    assert record.status is JobStatus.DONE and record.finished_at is not None
    assert (record.progress_done, record.progress_total) == (3, 3)
    assert store.result(job_id).json == {"text": "hello"}
    assert not (store.data_dir / "inputs" / job_id).exists()


def test_binary_result_keeps_media_type_and_meta(store: JobStore) -> None:
    job_id = store.create("enhance", JobPayload(data=b"x")).id
    store.claim(job_id)
    store.finish(job_id, BinaryResult(b"\x89PNG", "image/png", {"scale": 4}))
    result = store.result(job_id)
    assert result.kind is ResultKind.BINARY
    assert (result.data, result.media_type, result.meta) == (b"\x89PNG", "image/png",
                                                             {"scale": 4})


def test_failed_job_keeps_its_error(store: JobStore) -> None:
    job_id = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(job_id)
    error = {"code": "invalid_input", "message": "corrupt", "retryable": False}
    assert store.fail(job_id, error)
    assert store.get(job_id).error == error
    with pytest.raises(Conflict) as caught:
        store.result(job_id)
    assert caught.value.details["job_error"] == error


def test_cancel_queued_running_and_finished(store: JobStore) -> None:
    queued = store.create("ocr", JobPayload(data=b"x")).id
    assert store.cancel(queued).status is JobStatus.CANCELLED
    assert store.cancel(queued).status is JobStatus.CANCELLED  # idempotent
    assert store.claim(queued) is None

    running = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(running)
    store.cancel(running)
    assert not store.finish(running, {"late": True})  # the late result is dropped
    assert store.get(running).status is JobStatus.CANCELLED
    assert list((store.data_dir / "results").iterdir()) == []

    done = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(done)
    store.finish(done, {})
    with pytest.raises(Conflict):
        store.cancel(done)


def test_running_jobs_are_requeued_on_reopen(tmp_path: Path) -> None:
    first = JobStore(tmp_path, retention_s=60)
    job_id = first.create("ocr", JobPayload(data=b"x")).id
    first.claim(job_id)
    first.close()  # the server "crashed" with the job running
    reopened = JobStore(tmp_path, retention_s=60)
    record = reopened.get(job_id)
    assert record.status is JobStatus.QUEUED and record.attempts == 1
    assert [r.id for r in reopened.list_queued("ocr")] == [job_id]
    assert reopened.load_payload(job_id).data == b"x"
    reopened.close()


def test_requeue_backoff_hides_job_until_due(store: JobStore) -> None:
    job_id = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(job_id)
    assert store.requeue(job_id, delay_s=30, error={"code": "overloaded"})
    assert store.list_queued("ocr") == []
    assert store.queued_engines() == []
    due = store.next_due_at()
    assert due is not None and due > time.time() + 20
    assert [r.id for r in store.list_queued("ocr", now=due)] == [job_id]


def test_list_queued_filters_engine_and_orders_oldest_first(store: JobStore) -> None:
    ids = [store.create(engine, JobPayload()).id for engine in ("ocr", "pdf", "ocr")]
    assert [r.id for r in store.list_queued("ocr")] == [ids[0], ids[2]]
    assert sorted(store.queued_engines()) == ["ocr", "pdf"]
    assert [r.id for r in store.list_jobs(JobStatus.QUEUED)] == ids[::-1]


def test_cleanup_forgets_only_expired_finished_jobs(store: JobStore) -> None:
    old = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(old)
    store.finish(old, {"text": "old"})
    queued = store.create("ocr", JobPayload(data=b"x")).id
    assert store.cleanup() == 0
    assert store.cleanup(now=time.time() + 120) == 1
    with pytest.raises(NotFound):
        store.get(old)
    assert not (store.data_dir / "results" / f"{old}.json").exists()
    assert store.get(queued).status is JobStatus.QUEUED
    assert (store.data_dir / "inputs" / queued / "data").exists()


def test_cleanup_sweeps_old_orphans_only(store: JobStore) -> None:
    orphan = store.data_dir / "results" / ("a" * 32 + ".json")
    orphan.write_text("{}")
    stray_tmp = store.data_dir / "results" / ("b" * 32 + ".json.1234.tmp")
    stray_tmp.write_text("{")
    fresh = store.data_dir / "inputs" / ("c" * 32)
    fresh.mkdir()
    live = store.create("ocr", JobPayload(data=b"x")).id
    old_s = time.time() - 7200
    for path in (orphan, stray_tmp, store.data_dir / "inputs" / live):
        os.utime(path, (old_s, old_s))
    store.cleanup()
    assert not orphan.exists() and not stray_tmp.exists()
    assert fresh.exists()  # too young: a create may be under way
    assert store.load_payload(live).data == b"x"


def test_from_settings_uses_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", job_retention_s=5)
    store = JobStore.from_settings(settings)
    assert store.retention_s == 5 and (tmp_path / "data" / DB_NAME).exists()
    store.close()
