"""Celery mode through Redis Sentinel: a real redis-server and a real sentinel.

The sentinel (redis-server --sentinel) monitors the master under the name
`docwarden-master`; every client docwarden makes must find the master through
it: the plain client (jobs, poison, heartbeats), Celery's broker and its
result backend.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from docwarden.jobdata import JobPayload
from docwarden.settings import DispatchMode, Settings
from tests.conftest_redis import REDIS_SERVER, RedisServer, answers_ping, free_port, started_redis

pytest.importorskip("celery", reason="celery mode needs the `celery` extra")
import redis

from docwarden.celery.config import make_celery, queue_name, redis_client
from docwarden.celery.jobstore import RedisJobStore

MASTER_NAME = "docwarden-master"


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisServer, str]]:
    """(the master, a sentinel:// URL listing a dead sentinel first, then the live one)."""
    tmp = tmp_path_factory.mktemp("sentinel")
    master = started_redis(tmp / "master")
    port = free_port()
    conf = tmp / "sentinel.conf"  # the sentinel rewrites its config: it must be writable
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp}\n"
                    f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master.port} 1\n")
    with (tmp / "sentinel.log").open("wb") as log:
        process = subprocess.Popen([REDIS_SERVER, str(conf), "--sentinel"], stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not answers_ping(port):
            assert process.poll() is None and time.monotonic() < deadline, \
                (tmp / "sentinel.log").read_text()
            time.sleep(0.05)
        dead = free_port()
        yield master, f"sentinel://127.0.0.1:{dead}/0;sentinel://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        master.stop()


def settings_for(url: str) -> Settings:
    return Settings(dispatch=DispatchMode.CELERY, broker_url=url,
                    broker_master_name=MASTER_NAME, engines=["chaos"], enable_chaos=True)


def test_a_sentinel_url_needs_the_master_name() -> None:
    with pytest.raises(ValidationError, match="BROKER_MASTER_NAME"):
        Settings(dispatch=DispatchMode.CELERY, broker_url="sentinel://127.0.0.1:26379")


def test_the_plain_client_and_the_job_store_reach_the_master(
        sentinel: tuple[RedisServer, str]) -> None:
    master, url = sentinel
    settings = settings_for(url)
    client = redis_client(settings)
    client.set("docwarden:test:via-sentinel", b"1")
    direct = redis.Redis.from_url(master.url)
    assert direct.get("docwarden:test:via-sentinel") == b"1"
    store = RedisJobStore.from_settings(settings)
    job_id = store.create("chaos", JobPayload(params={"echo": 1})).id
    assert direct.hget(f"docwarden:job:rec:{job_id}", "status") == b"queued"
    assert store.claim(job_id) is not None
    store.close()
    client.close()


def test_celery_sends_and_stores_results_through_the_sentinel(
        sentinel: tuple[RedisServer, str]) -> None:
    master, url = sentinel
    app = make_celery(settings_for(url), ["chaos"])
    direct = redis.Redis.from_url(master.url)
    direct.delete(queue_name("chaos"))
    sent = app.send_task("docwarden.run_job", args=("chaos", {}, time.time() + 60),
                         queue=queue_name("chaos"))
    assert direct.llen(queue_name("chaos")) == 1  # the message is on the master's list
    app.backend.store_result(sent.id, {"ok": True}, "SUCCESS")
    meta = app.backend.get_task_meta(sent.id, cache=False)
    assert (meta["status"], meta["result"]) == ("SUCCESS", {"ok": True})
    assert direct.exists(f"celery-task-meta-{sent.id}") == 1
    app.close()
