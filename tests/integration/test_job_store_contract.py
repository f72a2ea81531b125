"""The job-store contract, held by both stores: SQLite (one server) and Redis (a cluster).

The Redis half runs against a real redis-server; two `RedisJobStore` objects
on one Redis stand for two API nodes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from docwarden.errors import Conflict, InvalidInput, NotFound, NotReady
from docwarden.jobdata import BinaryResult, JobPayload
from docwarden.jobs import JobStatus, JobStore, ResultKind
from docwarden.jobs.interface import JobStoreAPI
from tests.conftest_redis import RedisServer, started_redis

redis = pytest.importorskip("redis", reason="the shared job store needs the `celery` extra")
from docwarden.celery import jobstore as redis_jobstore  # noqa: E402
from docwarden.celery.jobstore import RedisJobStore  # noqa: E402

PAYLOAD = JobPayload(data=b"\x89PNG main", files={"front": b"F", "back": b"B"},
                     params={"side": "auto", "pages": [1, 2]})


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = started_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


def redis_store(server: RedisServer, retention_s: float = 60) -> RedisJobStore:
    return RedisJobStore(redis.Redis.from_url(server.url, socket_timeout=2,
                                              socket_connect_timeout=1),
                         retention_s=retention_s)


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStoreAPI]:
    made: JobStoreAPI
    if request.param == "sqlite":
        made = JobStore(tmp_path, retention_s=60)
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        shared = redis_store(server)
        shared.client.flushdb()
        made = shared
    yield made
    made.close()


@pytest.fixture
def two_nodes(redis_server: RedisServer) -> Iterator[tuple[RedisJobStore, RedisJobStore]]:
    first, second = redis_store(redis_server), redis_store(redis_server)
    first.client.flushdb()
    yield first, second
    first.close()
    second.close()


def test_create_get_and_payload_round_trip(store: JobStoreAPI) -> None:
    record = store.create("idcard", PAYLOAD, timeout_s=12)
    assert record.status is JobStatus.QUEUED and record.timeout_s == 12
    assert store.get(record.id) == record
    assert store.load_payload(record.id) == PAYLOAD
    empty = store.create("ocr", JobPayload())
    assert store.load_payload(empty.id) == JobPayload()
    with pytest.raises(NotFound):
        store.get("0" * 32)
    with pytest.raises(NotFound):
        store.get("../../etc/passwd")
    with pytest.raises(InvalidInput):
        store.create("ocr", JobPayload(params={"when": object()}))


def test_claim_progress_finish_result(store: JobStoreAPI) -> None:
    job_id = store.create("ocr", JobPayload(data=b"x")).id
    claimed = store.claim(job_id)
    assert claimed is not None and claimed.status is JobStatus.RUNNING
    assert claimed.attempts == 1 and claimed.started_at is not None
    assert store.claim(job_id) is None
    with pytest.raises(Conflict):
        store.result(job_id)
    store.set_progress(job_id, 1, 3)
    assert store.get(job_id).progress_done == 1
    assert store.finish(job_id, {"text": "hello"})
    record = store.get(job_id)
    assert record.status is JobStatus.DONE and (record.progress_done, record.progress_total) \
        == (3, 3)
    assert store.result(job_id).json == {"text": "hello"}
    with pytest.raises(OSError):
        store.load_payload(job_id)  # inputs go once the job is settled


def test_binary_result_and_failure(store: JobStoreAPI) -> None:
    image = store.create("enhance", JobPayload(data=b"x")).id
    store.claim(image)
    store.finish(image, BinaryResult(b"\x89PNG", "image/png", {"scale": 4}))
    result = store.result(image)
    assert (result.kind, result.data, result.media_type, result.meta) == (
        ResultKind.BINARY, b"\x89PNG", "image/png", {"scale": 4})
    broken = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(broken)
    error = {"code": "invalid_input", "message": "corrupt", "retryable": False}
    assert store.fail(broken, error)
    with pytest.raises(Conflict) as caught:
        store.result(broken)
    assert caught.value.details["job_error"] == error


def test_cancel_rules_and_late_result_dropped(store: JobStoreAPI) -> None:
    queued = store.create("ocr", JobPayload(data=b"x")).id
    assert store.cancel(queued).status is JobStatus.CANCELLED
    assert store.cancel(queued).status is JobStatus.CANCELLED
    assert store.claim(queued) is None and store.list_queued("ocr") == []
    running = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(running)
    assert store.hold([running]) == frozenset()
    store.cancel(running)
    assert store.hold([running]) == {running}  # the runner holding it learns of it
    assert not store.finish(running, {"late": True})
    assert store.get(running).status is JobStatus.CANCELLED
    done = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(done)
    store.finish(done, {})
    with pytest.raises(Conflict):
        store.cancel(done)


def test_requeue_backoff_and_order(store: JobStoreAPI) -> None:
    ids = [store.create(engine, JobPayload()).id for engine in ("ocr", "pdf", "ocr")]
    assert [r.id for r in store.list_queued("ocr")] == [ids[0], ids[2]]
    assert sorted(store.queued_engines()) == ["ocr", "pdf"]
    assert [r.id for r in store.list_jobs(JobStatus.QUEUED)] == ids[::-1]
    store.claim(ids[0])
    assert store.requeue(ids[0], delay_s=30, error={"code": "overloaded"})
    assert [r.id for r in store.list_queued("ocr")] == [ids[2]]
    due = store.next_due_at()
    assert due is not None and due <= time.time()  # ids[2] is due now
    store.claim(ids[2])
    store.claim(ids[1])
    due = store.next_due_at()
    assert due is not None and due > time.time() + 20
    assert [r.id for r in store.list_queued("ocr", now=due)] == [ids[0]]
    assert store.get(ids[0]).error == {"code": "overloaded"}


def test_cleanup_forgets_only_expired_finished_jobs(store: JobStoreAPI) -> None:
    old = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(old)
    store.finish(old, {"text": "old"})
    queued = store.create("ocr", JobPayload(data=b"x")).id
    assert store.cleanup() == 0
    assert store.cleanup(now=time.time() + 120) == 1
    with pytest.raises(NotFound):
        store.get(old)
    assert store.get(queued).status is JobStatus.QUEUED
    assert store.load_payload(queued).data == b"x"


def test_notes_round_trip_under_job_ids(store: JobStoreAPI) -> None:
    notes = store.notes("photoenhance")
    job_id = store.create("enhance", JobPayload(data=b"x")).id
    assert notes.load("task", job_id) is None
    notes.save("task", job_id, {"filename": "猫.png"})
    assert store.notes("photoenhance").load("task", job_id) == {"filename": "猫.png"}
    assert store.notes("other").load("task", job_id) is None  # profiles do not share
    with pytest.raises((ValueError, NotFound)):
        notes.save("task", "../../escape", {})


# ---- Redis only: several API nodes, leases, TTLs, outages -------------------------------

def test_two_api_nodes_answer_for_the_same_job(
        two_nodes: tuple[RedisJobStore, RedisJobStore]) -> None:
    first, second = two_nodes
    job_id = first.create("ocr", PAYLOAD).id
    assert second.get(job_id).status is JobStatus.QUEUED
    assert second.claim(job_id) is not None and first.claim(job_id) is None
    second.set_progress(job_id, 2, 5)
    assert first.get(job_id).progress_done == 2
    first.notes("photoenhance").save("batch", job_id, {"tasks": [job_id]})
    assert second.notes("photoenhance").load("batch", job_id) == {"tasks": [job_id]}
    first.cancel(job_id)  # cancelled on one node while the other runs it
    assert second.hold([job_id]) == {job_id}
    assert not second.finish(job_id, {"late": True})
    assert first.client.get(f"docwarden:job:out:{job_id}") is None


def test_a_job_whose_runner_died_runs_again(
        two_nodes: tuple[RedisJobStore, RedisJobStore], monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = two_nodes
    held, dropped = (first.create("ocr", JobPayload(data=b"x")).id for _ in range(2))
    monkeypatch.setattr(redis_jobstore, "HOLD_S", 1.0)
    first.claim(held)
    first.claim(dropped)
    time.sleep(0.5)
    first.hold([held])  # the live runner keeps renewing; `dropped`'s runner died
    time.sleep(0.7)
    assert second.recover_stale() == 1
    assert second.get(dropped).status is JobStatus.QUEUED
    assert second.get(held).status is JobStatus.RUNNING
    reclaimed = second.claim(dropped)
    assert reclaimed is not None and reclaimed.attempts == 2
    assert second.load_payload(dropped).data == b"x"  # nothing lost


def test_finished_jobs_expire_in_redis_itself(two_nodes: tuple[RedisJobStore, RedisJobStore]
                                              ) -> None:
    store, _ = two_nodes
    job_id = store.create("ocr", JobPayload(data=b"x")).id
    store.claim(job_id)
    store.finish(job_id, {"text": "t"})
    for kind in ("rec", "out"):
        ttl = store.client.ttl(f"docwarden:job:{kind}:{job_id}")
        assert 0 < ttl <= 60
    assert store.client.exists(f"docwarden:job:in:{job_id}") == 0


def test_redis_down_is_not_ready(redis_server: RedisServer, tmp_path: Path) -> None:
    gone = RedisServer(tmp_path)  # a free port nothing listens on
    store = RedisJobStore(redis.Redis.from_url(gone.url, socket_connect_timeout=0.5),
                          retention_s=60)
    for call in (lambda: store.create("ocr", JobPayload()), lambda: store.get("0" * 32),
                 store.recover_stale, lambda: store.hold(["0" * 32])):
        with pytest.raises(NotReady) as caught:
            call()
        assert caught.value.retry_after_s
    store.close()
