"""Async jobs over HTTP: accepted jobs survive a SIGKILL of the server."""

from __future__ import annotations

import os
import signal
import time

import httpx

from tests.e2e.conftest import ServerFactory, assert_error


def wait_all_done(client: httpx.Client, ids: list[str], timeout_s: float) -> dict[str, dict]:
    deadline = time.monotonic() + timeout_s
    pending = set(ids)
    records: dict[str, dict] = {}
    while pending and time.monotonic() < deadline:
        for job_id in list(pending):
            record = client.get(f"/v1/jobs/{job_id}").json()
            if record["status"] in ("done", "failed", "cancelled"):
                records[job_id] = record
                pending.discard(job_id)
        time.sleep(0.2)
    assert not pending, f"{len(pending)} jobs never finished"
    return records


def test_200_jobs_survive_a_sigkill_and_restart(start_server: ServerFactory) -> None:
    settings = {"workers": 2, "threads_per_worker": 2}
    server = start_server(**settings)
    with server.client() as client:
        ids = []
        for i in range(200):
            answer = client.post("/v1/jobs", json={"engine": "chaos",
                                                   "input": {"sleep_s": 0.05, "echo": i}})
            assert answer.status_code == 202, answer.text
            assert answer.json()["status_url"] == f"/v1/jobs/{answer.json()['id']}"
            ids.append(answer.json()["id"])
        assert len(set(ids)) == 200
        time.sleep(1.0)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    restarted = start_server(**settings)
    with restarted.client() as client:
        records = wait_all_done(client, ids, timeout_s=180)
        assert {r["status"] for r in records.values()} == {"done"}
        for i, job_id in enumerate(ids):
            assert client.get(f"/v1/jobs/{job_id}/result").json()["echo"] == i


def wait_status(client: httpx.Client, job_id: str, status: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while client.get(f"/v1/jobs/{job_id}").json()["status"] != status:
        assert time.monotonic() < deadline, f"job {job_id} never became {status}"
        time.sleep(0.1)


def test_job_states_errors_and_cancel(start_server: ServerFactory) -> None:
    server = start_server(workers=2, shutdown_grace_s=1)
    with server.client() as client:
        # Bad parameters are refused at admission (issue 15), before anything is stored.
        bogus = client.post("/v1/jobs", json={"engine": "chaos", "input": {"crash": "bogus"}})
        assert_error(bogus, 422, "invalid_input")
        failed = client.post("/v1/jobs", json={"engine": "chaos",
                                                "input": {"crash": "exception"}})
        wait_status(client, failed.json()["id"], "failed")
        slow = client.post("/v1/jobs", json={"engine": "chaos", "input": {"sleep_s": 30}})
        running = client.post("/v1/jobs", json={"engine": "chaos", "input": {"sleep_s": 30}})
        for job in (slow, running):
            wait_status(client, job.json()["id"], "running")  # both workers are busy now
        form = client.post("/v1/jobs", data={"engine": "chaos", "sleep_s": "0"})
        assert form.status_code == 202, form.text
        cancelled = client.delete(f"/v1/jobs/{running.json()['id']}")
        assert cancelled.json()["status"] == "cancelled"
        # The cancelled job's worker is replaced, so this one does not wait out the 30 s.
        records = wait_all_done(client, [failed.json()["id"], form.json()["id"]], 20)
        # Counted once the killed worker has exited (TERM, then KILL after KILL_GRACE_S).
        deadline = time.monotonic() + 10
        while (recycled := client.get("/health").json()["recycles"].get("cancelled")) is None:
            assert time.monotonic() < deadline, "the cancelled job's worker was never recycled"
            time.sleep(0.1)
        assert recycled == 1
        assert records[failed.json()["id"]]["error"]["code"] == "internal_error"
        assert_error(client.get(f"/v1/jobs/{slow.json()['id']}/result"), 409, "conflict")
        assert_error(client.get("/v1/jobs/not-a-valid-id!"), 404, "not_found")
        assert_error(client.get("/v1/jobs/" + "0" * 32), 404, "not_found")
        assert_error(client.post("/v1/jobs", json={"engine": "nope", "input": {}}),
                     422, "invalid_input")
