"""The real server over HTTP with the chaos engine (no model needed)."""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

from tests.e2e.conftest import ServerFactory, assert_error


def chaos(client: httpx.Client, **params: object) -> httpx.Response:
    return client.post("/v1/chaos", json=params)


def test_burst_over_a_full_queue_gets_429_with_retry_after(start_server: ServerFactory) -> None:
    server = start_server(workers=1, queue_size=2)
    with server.client() as client, ThreadPoolExecutor(21) as pool:
        blocker = pool.submit(chaos, client, sleep_s=2.0)
        time.sleep(0.3)
        answers = list(pool.map(lambda i: chaos(client, sleep_s=0.1, echo=i), range(20)))
        assert blocker.result().status_code == 200
    refused = [a for a in answers if a.status_code == 429]
    accepted = [a for a in answers if a.status_code != 429]
    assert len(refused) >= 15 and accepted
    for answer in refused:
        assert_error(answer, 429, "overloaded")
        assert int(answer.headers["Retry-After"]) >= 1
    assert all(a.status_code == 200 for a in accepted), [a.text for a in accepted]


def test_error_codes_of_the_chaos_route(start_server: ServerFactory) -> None:
    server = start_server(workers=2, job_timeout_s=30)
    with server.client() as client:
        assert_error(chaos(client, crash="bogus"), 422, "invalid_input")
        assert_error(chaos(client, sleep_s="soon"), 422, "invalid_input")
        assert_error(client.post("/v1/chaos", content=b"{not json",
                                  headers={"content-type": "application/json"}),
                     422, "invalid_input")
        error = assert_error(chaos(client, crash="segfault"), 502, "worker_crashed")
        assert "SIGSEGV" in error["message"] and error["retryable"]
        assert_error(chaos(client, crash="segfault"), 502, "worker_crashed")
        assert_error(chaos(client, crash="segfault"), 422, "poison_input")
        started = time.monotonic()
        assert_error(client.post("/v1/chaos", json={"hang": True, "timeout_s": 1}),
                     504, "job_timeout")
        assert time.monotonic() - started < 4
        error = assert_error(chaos(client, spike_mb=100_000), 502, "worker_crashed")
        assert "memory limit" in error["message"]
        assert_error(client.get("/v1/nothing-here"), 404, "not_found")
        assert client.get("/ready").status_code in (200, 503)


def test_not_ready_while_the_engine_cannot_load(start_server: ServerFactory) -> None:
    server = start_server(wait="listening", chaos_fail_load=1, spawn_backoff_base_s=0.2)
    with server.client() as client:
        time.sleep(1.5)
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["error"]["code"] == "not_ready"
        error = assert_error(chaos(client, sleep_s=0), 503, "not_ready")
        assert "CHAOS_FAIL_LOAD" in error["message"]
        assert "Retry-After" in chaos(client).headers
        assert client.get("/health").json()["status"] == "degraded"


def test_insufficient_memory(start_server: ServerFactory) -> None:
    server = start_server(min_free_memory_mb=10**9)
    with server.client() as client:
        answer = chaos(client, sleep_s=0)
        assert_error(answer, 503, "insufficient_memory")
        assert "Retry-After" in answer.headers


def test_gpu_precheck_refuses_at_97_percent(start_server: ServerFactory, tmp_path: Path) -> None:
    fake = tmp_path / "nvml.json"
    fake.write_text(json.dumps({"name": "Fake A10", "total_mb": 24000, "used_mb": 23280}))
    server = start_server(fake_nvml=fake)
    with server.client() as client:
        error = assert_error(chaos(client, sleep_s=0), 503, "gpu_memory")
        info = error["gpu_info"]
        assert info["usage_percent"] == 97.0 and info["free_mb"] == 720.0
        assert set(info) == {"available", "index", "name", "total_mb", "used_mb", "free_mb",
                             "usage_percent"}
        assert client.get("/health").json()["gpu"]["name"] == "Fake A10"
        fake.write_text(json.dumps({"name": "Fake A10", "total_mb": 24000, "used_mb": 1000}))
        assert chaos(client, sleep_s=0).status_code == 200
        assert "docwarden_gpu_memory_used_bytes" in client.get("/metrics").text


def test_api_key_guards_every_route_but_health(start_server: ServerFactory) -> None:
    key = "s3cret-key-for-tests"
    server = start_server(api_key=key)
    with server.client() as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 200
        assert_error(chaos(client, sleep_s=0), 401, "unauthorized")
        assert_error(client.get("/metrics"), 401, "unauthorized")
        assert_error(client.post("/v1/chaos", json={}, headers={"Authorization": "Bearer no"}),
                     401, "unauthorized")
        good = {"Authorization": f"Bearer {key}"}
        assert client.post("/v1/chaos", json={"sleep_s": 0}, headers=good).status_code == 200
        assert client.get("/metrics", headers=good).status_code == 200
    assert key not in server.log()


def test_metrics_and_health_after_a_chaos_run(start_server: ServerFactory) -> None:
    server = start_server(workers=2, max_jobs_per_worker=3, max_jobs_jitter=0, queue_size=1)
    with server.client() as client:
        for _ in range(8):
            assert chaos(client, sleep_s=0).status_code == 200
        chaos(client, crash="exit")
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: chaos(client, sleep_s=0.5), range(8)))
        # The last serving worker serves on until its replacement is loaded (issue 15),
        # so jobs spread over the replacements only from then on: run some more, and
        # the second max_jobs recycle may still come a load time after the last answer.
        for _ in range(8):
            assert chaos(client, sleep_s=0).status_code == 200
        deadline = time.monotonic() + 30
        while (health := client.get("/health").json())["recycles"].get("max_jobs", 0) < 2:
            assert time.monotonic() < deadline, health["recycles"]
            time.sleep(0.2)
        metrics = client.get("/metrics").text
    assert health["recycles"]["max_jobs"] >= 2 and health["recycles"]["crashed"] == 1
    assert health["conversion_count"] == health["jobs_done"] >= 9
    assert {"memory_usage_gb", "uptime_hours", "timestamp", "memory"} <= set(health)
    for worker in health["workers"]:
        assert {"pid", "engine", "state", "jobs_done", "rss_bytes", "uptime_s"} <= set(worker)
    assert 'docwarden_jobs_total{engine="chaos",outcome="ok"}' in metrics
    assert 'docwarden_worker_recycles_total{engine="chaos",reason="max_jobs"}' in metrics
    assert 'docwarden_rejected_total{engine="chaos",reason="overloaded"}' in metrics
    assert 'docwarden_worker_rss_bytes{engine="chaos",slot="0"}' in metrics
    assert 'docwarden_workers{engine="chaos",state="idle"}' in metrics
    assert "docwarden_job_peak_rss_bytes_bucket" in metrics


def test_sigterm_lets_in_flight_jobs_finish_then_leaves_no_process(
        start_server: ServerFactory) -> None:
    server = start_server(workers=2, threads_per_worker=2)
    with server.client() as client, ThreadPoolExecutor(4) as pool:
        answers = [pool.submit(chaos, client, sleep_s=2.0, echo=i) for i in range(4)]
        time.sleep(0.7)
        family = server.descendants()
        assert len(family) >= 2
        server.process.send_signal(signal.SIGTERM)
        assert [a.result().json()["echo"] for a in answers] == [0, 1, 2, 3]
    server.process.wait(timeout=30)
    time.sleep(0.5)
    assert not [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_sigkill_of_the_server_takes_the_workers_down(start_server: ServerFactory) -> None:
    server = start_server(workers=2)
    family = server.descendants()
    assert len(family) >= 2
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, alive
