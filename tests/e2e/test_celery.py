"""Celery mode for real: redis-server, one API node and two compute nodes, over HTTP.

`docwarden serve` with DISPATCH=celery queues every job in Redis; two
`docwarden worker` processes (nodes a and b, chaos engine, two job slots each)
run them in their own governed pools.  The tests share the cluster and run in
file order; one SIGKILLs node a, which `ensure_nodes` starts again for the next.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest_redis import RedisServer, started_redis
from tests.e2e.conftest import Server, assert_error, launch

pytest.importorskip("celery", reason="celery mode needs the `celery` extra")
import redis
from prometheus_client.parser import text_string_to_metric_families

from docwarden.celery.config import UNACKED_MUTEX_EXPIRE_S, UNACKED_MUTEX_KEY

NODE_NAMES = ("a", "b")
NODE_SETTINGS = {"ENGINES": "chaos", "ENABLE_CHAOS": "1", "MIN_FREE_MEMORY_MB": "0",
                 "WORKERS": "1", "THREADS_PER_WORKER": "2", "LOG_FORMAT": "text"}
RESULT_MARGIN_S = 2.0  # docwarden.celery.dispatcher: the API gives up at deadline + this
LEASE_S = 10  # docwarden.celery.config: a dead node's jobs come back after about this


@dataclass
class Cluster:
    tmp: Path
    redis: RedisServer
    api: Server | None = None
    api2: Server | None = None  # a second API node: any API node answers for any job
    nodes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_node(self, name: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCWARDEN_")}
        env.update({f"DOCWARDEN_{k}": v for k, v in NODE_SETTINGS.items()})
        env.update({"DOCWARDEN_NODE_NAME": name, "DOCWARDEN_BROKER_URL": self.redis.url})
        with (self.tmp / f"node-{name}.log").open("ab") as log:
            self.nodes[name] = subprocess.Popen(
                [sys.executable, "-m", "docwarden.cli", "worker"], env=env,
                stdout=log, stderr=subprocess.STDOUT)

    def ensure_nodes(self) -> None:
        """Every node running and counted by the API (a killed one is started again)."""
        for name in NODE_NAMES:
            if name not in self.nodes or self.nodes[name].poll() is not None:
                self.start_node(name)
        wait_for(lambda: set(self.consuming_nodes()) == set(NODE_NAMES), 60, self.logs)

    def consuming_nodes(self) -> list[str]:
        assert self.api is not None
        try:
            nodes = httpx.get(self.api.url + "/health", timeout=5).json()["nodes"]
        except (httpx.HTTPError, KeyError, ValueError):
            return []
        return [n["node"] for n in nodes if n.get("consuming")
                and n["engines"]["chaos"]["accepts_jobs"]]

    def heartbeat(self, name: str) -> dict[str, Any]:
        raw = redis.Redis.from_url(self.redis.url).get(f"docwarden:node:{name}")
        return json.loads(raw) if raw else {}

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}"
                         for p in sorted(self.tmp.glob("*.log")))

    def stop(self) -> None:
        for process in self.nodes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.nodes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for api in (self.api, self.api2):
            if api is not None:
                api.stop()
        self.redis.stop()


def wait_for(condition: Any, timeout_s: float, context: Any = str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout_s} s:\n{context()}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("celery")
    cluster = Cluster(tmp, started_redis(tmp / "redis"))
    try:
        for name in NODE_NAMES:
            cluster.start_node(name)
        cluster.api, cluster.api2 = (
            launch(tmp, "listening", dispatch="celery", broker_url=cluster.redis.url,
                   log_format="text") for _ in range(2))
        cluster.ensure_nodes()
        yield cluster
    finally:
        cluster.stop()


def chaos(api: Server, **params: Any) -> httpx.Response:
    return httpx.post(api.url + "/v1/chaos", json=params, timeout=60)


def test_jobs_spread_over_both_nodes(cluster: Cluster) -> None:
    assert cluster.api is not None
    api = cluster.api
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: chaos(api, echo=i, sleep_s=0.1), range(20)))
    assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert sorted(b["echo"] for b in bodies) == list(range(20))
    ran_on = {b["node"] for b in bodies}
    assert ran_on == set(NODE_NAMES), ran_on
    health = httpx.get(api.url + "/health").json()
    assert {n["node"] for n in health["nodes"]} == set(NODE_NAMES)
    assert health["dispatch"] == "celery" and health["broker_reachable"] is True
    assert {w["node"] for w in health["workers"]} == set(NODE_NAMES)
    assert httpx.get(api.url + "/ready").status_code == 200

    def node_jobs() -> dict[str, float]:
        text = httpx.get(api.url + "/metrics").text
        return {family_sample.labels["node"]: family_sample.value
                for family in text_string_to_metric_families(text)
                for family_sample in family.samples
                if family_sample.name == "docwarden_jobs_total"
                and family_sample.labels.get("outcome") == "ok"}

    # Each node's series reach the API's /metrics with a `node` label, one heartbeat late:
    # the first view holding both nodes may still miss a node's last jobs (18 of 20 once).
    def all_counted() -> dict[str, float] | None:
        counts = node_jobs()
        complete = set(counts) >= set(NODE_NAMES) and sum(counts[n] for n in NODE_NAMES) >= 20
        return counts if complete else None

    wait_for(all_counted, 15, lambda: f"{node_jobs()}\n{cluster.logs()}")


def test_an_async_job_runs_on_a_node(cluster: Cluster) -> None:
    assert cluster.api is not None
    api = cluster.api.url
    answer = httpx.post(api + "/v1/jobs", json={"engine": "chaos", "input": {"echo": "async"}})
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["id"]
    wait_for(lambda: httpx.get(f"{api}/v1/jobs/{job_id}").json()["status"] == "done", 20,
             cluster.logs)
    result = httpx.get(f"{api}/v1/jobs/{job_id}/result").json()
    assert result["echo"] == "async" and result["node"] in NODE_NAMES


def test_an_input_that_killed_two_workers_anywhere_is_refused_everywhere(
        cluster: Cluster) -> None:
    """Two segfaults of one input (on whichever nodes took them) quarantine it cluster-wide."""
    assert cluster.api is not None
    killer = {"crash": "segfault", "echo": "poison-e2e"}
    for _ in range(2):
        assert_error(chaos(cluster.api, **killer), 502, "worker_crashed")
    strikes = redis.Redis.from_url(cluster.redis.url).keys("docwarden:poison:*")
    assert len(strikes) == 1, cluster.logs()
    for _ in range(3):  # every node refuses it now, before any worker sees it
        assert_error(chaos(cluster.api, **killer), 422, "poison_input")
    cluster.ensure_nodes()  # the crashed workers are replaced before the next test


def test_a_hang_answers_504_at_its_deadline(cluster: Cluster) -> None:
    assert cluster.api is not None
    started = time.monotonic()
    answer = chaos(cluster.api, hang=True, timeout_s=2)
    elapsed_s = time.monotonic() - started
    assert_error(answer, 504, "job_timeout")
    assert elapsed_s < 2 + RESULT_MARGIN_S + 1, elapsed_s


def test_a_job_longer_than_its_lease_runs_once(cluster: Cluster) -> None:
    """The running node renews the lease: no other node is handed the same job."""
    cluster.ensure_nodes()
    assert cluster.api is not None
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(chaos, cluster.api, echo="long", sleep_s=LEASE_S + 7, timeout_s=40)
        time.sleep(LEASE_S + 5)  # a lapsed lease would have been redelivered by now
        held = {name: cluster.heartbeat(name).get("held_jobs", 0) for name in NODE_NAMES}
        answer = future.result()
    assert answer.status_code == 200, answer.text
    assert sum(held.values()) == 1, held


def test_a_node_killed_mid_job_loses_nothing(cluster: Cluster) -> None:
    cluster.ensure_nodes()
    assert cluster.api is not None
    api = cluster.api
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(chaos, api, echo=i, sleep_s=4, timeout_s=40) for i in range(6)]
        wait_for(lambda: cluster.heartbeat("a").get("held_jobs", 0) >= 1, 10, cluster.logs)
        cluster.nodes["a"].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        # As if a died inside a restore pass, holding the transport's restore lock: the
        # other node must still redeliver a's jobs well within their deadline.
        redis.Redis.from_url(cluster.redis.url).set(UNACKED_MUTEX_KEY, b"dead-node-a",
                                                    ex=UNACKED_MUTEX_EXPIRE_S)
        answers = [f.result() for f in futures]
    # What went wrong first: pytest cuts a long message, and the logs come last.
    assert [a.status_code for a in answers] == [200] * 6, (
        f"{time.monotonic() - killed_at:.1f} s after the kill", [
            (i, a.status_code, a.text[:300]) for i, a in enumerate(answers)
            if a.status_code != 200], cluster.logs()[-4000:])
    bodies = [a.json() for a in answers]
    assert sorted(b["echo"] for b in bodies) == list(range(6))
    assert {b["node"] for b in bodies} == {"b"}  # a died before any of its jobs finished
    # The jobs node a held came back once their lease (and a dead holder's restore lock)
    # lapsed, not at their deadline.
    assert LEASE_S - 3 < time.monotonic() - killed_at < 40


def test_an_idle_node_takes_over_a_dead_nodes_job(cluster: Cluster) -> None:
    """The survivor has nothing of its own to run: its transport's restore pass, not a
    finished job, must hand it the dead node's job once the lease lapses."""
    cluster.ensure_nodes()
    assert cluster.api is not None
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(chaos, cluster.api, echo="orphan", sleep_s=4, timeout_s=40)
        holder = wait_for(lambda: next((name for name in NODE_NAMES
                                        if cluster.heartbeat(name).get("held_jobs")), None),
                          10, cluster.logs)
        cluster.nodes[holder].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        answer = future.result()
    taken_s = time.monotonic() - killed_at
    assert answer.status_code == 200, (f"{taken_s:.1f} s after the kill", answer.text,
                                       cluster.logs()[-4000:])
    assert answer.json()["node"] != holder
    assert taken_s < LEASE_S + 4 + 4, taken_s  # lease, a beat or two, the job's own 4 s


def test_a_task_lost_on_its_way_to_a_node_is_sent_again(cluster: Cluster) -> None:
    """A message a node took off the queue but never recorded is gone from Redis.

    It happens when a node dies, or stops warm, with a BRPOP reply unread in its
    socket (celery/celery#4354); here the test takes the message itself while both
    nodes are stopped.  The API node sees the task in no node's hands while the
    queue is empty and sends it again; before, the job answered 504 at its deadline.
    """
    cluster.ensure_nodes()
    assert cluster.api is not None
    broker = redis.Redis.from_url(cluster.redis.url)
    queue = "docwarden.chaos"
    for process in cluster.nodes.values():
        process.send_signal(signal.SIGSTOP)
    try:
        time.sleep(1.5)  # the nodes' pending BRPOPs (1 s) run out: none can take the message
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(chaos, cluster.api, echo="lost", sleep_s=1, timeout_s=40)
            wait_for(lambda: broker.llen(queue) == 1, 10, cluster.logs)
            assert broker.rpop(queue) is not None  # taken, as by a node that then died
            lost_at = time.monotonic()
            for process in cluster.nodes.values():
                process.send_signal(signal.SIGCONT)
            answer = future.result()
    finally:
        for process in cluster.nodes.values():
            process.send_signal(signal.SIGCONT)
    taken_s = time.monotonic() - lost_at
    assert answer.status_code == 200, (f"{taken_s:.1f} s after the loss", answer.text,
                                       cluster.logs()[-4000:])
    assert answer.json()["echo"] == "lost"
    assert taken_s < 20, taken_s  # found lost within seconds, not at its 40 s deadline


def job(api: Server, job_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{api.url}/v1/jobs/{job_id}", timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def submit(api: Server, **params: Any) -> str:
    answer = httpx.post(api.url + "/v1/jobs", json={"engine": "chaos", "input": params},
                        timeout=30)
    assert answer.status_code == 202, answer.text
    job_id: str = answer.json()["id"]
    return job_id


def cancelled_workers(cluster: Cluster) -> int:
    return sum(cluster.heartbeat(name).get("engines", {}).get("chaos", {})
               .get("recycles", {}).get("cancelled", 0) for name in NODE_NAMES)


def test_two_api_nodes_answer_for_the_same_job(cluster: Cluster) -> None:
    """Submitted on one API node; its progress, status and result read on the other."""
    cluster.ensure_nodes()
    assert cluster.api is not None and cluster.api2 is not None
    job_id = submit(cluster.api, echo="shared", sleep_s=4, steps=8)
    seen = wait_for(lambda: (j := job(cluster.api2, job_id))["progress"]["done"] >= 2 and j,
                    30, cluster.logs)
    assert seen["status"] == "running" and seen["progress"]["total"] == 8
    wait_for(lambda: job(cluster.api2, job_id)["status"] == "done", 30, cluster.logs)
    results = [httpx.get(f"{api.url}/v1/jobs/{job_id}/result").json()
               for api in (cluster.api, cluster.api2)]
    assert results[0] == results[1] and results[0]["echo"] == "shared"
    assert job(cluster.api, job_id)["progress"] == {"done": 8, "total": 8}


def test_a_cancel_on_another_api_node_stops_the_job_on_its_node(cluster: Cluster) -> None:
    cluster.ensure_nodes()
    assert cluster.api is not None and cluster.api2 is not None
    before = cancelled_workers(cluster)
    job_id = submit(cluster.api, echo="cancel-me", sleep_s=60, steps=60, timeout_s=120)
    wait_for(lambda: job(cluster.api2, job_id)["progress"]["done"] >= 1, 30, cluster.logs)
    answer = httpx.delete(f"{cluster.api2.url}/v1/jobs/{job_id}")
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled", answer.text
    # The runner on the first API node learns of it, revokes the task, and the node
    # replaces the worker running it: well before the job's 60 s of work.
    wait_for(lambda: cancelled_workers(cluster) > before, 20, cluster.logs)
    assert job(cluster.api, job_id)["status"] == "cancelled"
    assert_error(httpx.get(f"{cluster.api.url}/v1/jobs/{job_id}/result"), 409, "conflict")


def test_an_api_node_killed_mid_job_hands_its_jobs_over(cluster: Cluster) -> None:
    """The jobs a dead API node ran are re-queued once its hold lapses, and finish."""
    cluster.ensure_nodes()
    assert cluster.api is not None and cluster.api2 is not None
    job_id = submit(cluster.api2, echo="orphan", sleep_s=3)
    wait_for(lambda: job(cluster.api, job_id)["status"] == "running", 30, cluster.logs)
    cluster.api2.process.kill()
    cluster.api2.process.wait()
    cluster.api2 = None
    done = wait_for(lambda: (j := job(cluster.api, job_id))["status"] == "done" and j, 60,
                    cluster.logs)
    assert done["attempts"] == 2
    assert httpx.get(f"{cluster.api.url}/v1/jobs/{job_id}/result").json()["echo"] == "orphan"


def test_without_redis_503_and_back_to_200(cluster: Cluster) -> None:
    assert cluster.api is not None
    api = cluster.api
    wait_for(lambda: chaos(api, echo="before").status_code == 200, 30, cluster.logs)
    cluster.redis.stop()
    for _ in range(3):
        error = assert_error(chaos(api, echo="during"), 503, "not_ready")
        assert error["retryable"] is True
    answer = chaos(api, echo="during")
    assert int(answer.headers["Retry-After"]) >= 1
    assert httpx.get(api.url + "/ready").status_code == 503
    assert httpx.get(api.url + "/health").json()["broker_reachable"] is False
    assert_error(httpx.get(f"{api.url}/v1/jobs/{'0' * 32}", timeout=30), 503, "not_ready")
    cluster.redis.start()  # same port, empty: nodes reconnect and beat again
    back = wait_for(lambda: (a := chaos(api, echo="after")).status_code == 200 and a,
                    45, cluster.logs)
    assert back.json()["echo"] == "after"
