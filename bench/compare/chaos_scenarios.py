"""Scenarios on the chaos engine: dispatch overhead, a hung job's 504, overload's 429."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.compare.context import Bench
from bench.compare.procs import Server
from bench.compare.stats import latency_summary_ms, median, rotated, rounded
from bench.compare.workloads import REQUEST_TIMEOUT_S, burst, sequential

CHAOS = {"engines": "chaos", "enable_chaos": 1, "workers": 1, "threads_per_worker": 1,
         "max_jobs_per_worker": 0}
BURST_IN_FLIGHT = 16
GRANDCHILD_MARK = "signal.SIG_IGN); time.sleep(3600)"


def dispatch_overhead(bench: Bench) -> dict[str, Any]:
    """Sequential `sleep_s: 0` chaos jobs: docwarden vs the same engine called in the route."""
    counts = bench.counts
    docwarden = bench.launcher.docwarden("dispatch-docwarden", **CHAOS)
    bare = bench.launcher.bare("dispatch-bare", "chaos", web_workers=1)
    targets = {"docwarden": (docwarden.url, "/v1/chaos"),
               "bare_async": (bare.url, "/v1/chaos"),
               "bare_sync": (bare.url, "/v1/chaos_sync")}
    clients = {name: httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S)
               for name, (url, _path) in targets.items()}
    latencies: dict[str, list[float]] = {name: [] for name in targets}
    body = {"sleep_s": 0}
    try:
        for name, client in clients.items():
            sequential(client, targets[name][1], body, counts.warmup_requests)
        for block in range(counts.dispatch_requests // counts.dispatch_block):
            for name in rotated(list(targets), block):
                latencies[name] += sequential(clients[name], targets[name][1], body,
                                              counts.dispatch_block)
    finally:
        for client in clients.values():
            client.close()
        bench.launcher.fleet.stop(docwarden)
        bench.launcher.fleet.stop(bare)
    summaries = {name: latency_summary_ms(values) for name, values in latencies.items()}
    return {"body": body, "docwarden_settings": CHAOS, "summaries": summaries,
            "extra_ms_vs_bare_async": _differences(summaries, "bare_async"),
            "extra_ms_vs_bare_sync": _differences(summaries, "bare_sync")}


def _differences(summaries: dict[str, dict[str, float | int]], base: str) -> dict[str, float]:
    return {key: round(float(summaries["docwarden"][key]) - float(summaries[base][key]), 3)
            for key in ("p50_ms", "p99_ms")}


def hang_timeout(bench: Bench) -> dict[str, Any]:
    """JOB_TIMEOUT_S=1 and a hanging job: how long after the deadline the 504 comes."""
    server = bench.launcher.docwarden("hang-timeout", **{**CHAOS, "job_timeout_s": 1})
    late_s: list[float] = []
    statuses: list[int] = []
    try:
        with httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT_S) as client:
            for attempt in range(bench.counts.hangs):
                server.wait_status("/ready", 60)
                sent = time.perf_counter()
                response = client.post("/v1/chaos", json={"hang": True, "echo": f"h{attempt}"})
                late_s.append(time.perf_counter() - sent - 1.0)
                statuses.append(response.status_code)
            server.wait_status("/ready", 60)
    finally:
        bench.launcher.fleet.stop(server)
    return {"job_timeout_s": 1, "statuses": statuses,
            "after_deadline_s": [round(x, 3) for x in late_s],
            "median_after_deadline_s": rounded(median(late_s)),
            "max_after_deadline_s": rounded(max(late_s)),
            "stray_grandchildren": stray_grandchildren(bench.tmp_dir)}


def stray_grandchildren(tmp_dir: Path) -> int:
    """Chaos `hang` helpers (they ignore SIGTERM) of this run still alive after the stop."""
    count = 0
    for process in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if (GRANDCHILD_MARK in " ".join(process.info["cmdline"] or [])
                    and process.environ().get("TMPDIR", "").startswith(str(tmp_dir))):
                count += 1
    return count


def overload(bench: Bench) -> dict[str, Any]:
    """QUEUE_SIZE=1, the worker busy and the queue full: how fast 429 comes back.

    Baseline: the same burst on a bare route that answers 200 at once (what the
    client and the host can do at all).
    """
    hold_s = 6.0
    bare = bench.launcher.bare("overload-bare", "chaos", web_workers=1)
    try:
        bare_answers = burst(bare.url, "/v1/chaos", _bodies("a", bench), BURST_IN_FLIGHT)
    finally:
        bench.launcher.fleet.stop(bare)
    server = bench.launcher.docwarden("overload", **{**CHAOS, "queue_size": 1})
    holders = [threading.Thread(target=_hold, args=(server, hold_s, n)) for n in range(2)]
    try:
        for holder in holders:
            holder.start()
            time.sleep(0.3)
        _wait_queue_depth(server, 1)
        answers = burst(server.url, "/v1/chaos", _bodies("b", bench), BURST_IN_FLIGHT)
        one_by_one = burst(server.url, "/v1/chaos", _bodies("s", bench), 1)
        full_at_end = _queue_depth(server) == 1
    finally:
        for holder in holders:
            holder.join(timeout=3 * hold_s)
        bench.launcher.fleet.stop(server)
    return {"queue_size": 1, "hold_job_s": hold_s, "queue_full_at_end": full_at_end,
            "burst": _answers_summary(answers, BURST_IN_FLIGHT),
            "sequential": _answers_summary(one_by_one, 1),
            "bare_burst_200": _answers_summary(bare_answers, BURST_IN_FLIGHT, 200)}


def _bodies(prefix: str, bench: Bench) -> list[dict[str, Any]]:
    """Distinct chaos bodies (an `echo` each), so no two requests share an input hash."""
    return [{"sleep_s": 0, "echo": f"{prefix}{n}"} for n in range(bench.counts.burst_requests)]


def _hold(server: Server, hold_s: float, index: int) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(server.url + "/v1/chaos", json={"sleep_s": hold_s, "echo": f"hold{index}"},
                   timeout=REQUEST_TIMEOUT_S)


def _queue_depth(server: Server) -> int:
    health = httpx.get(server.url + "/health", timeout=10).json()
    return int(health["engines"]["chaos"]["queue_depth"])


def _wait_queue_depth(server: Server, depth: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while _queue_depth(server) != depth:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the chaos queue never reached depth {depth}")
        time.sleep(0.05)


def _answers_summary(answers: list[tuple[int, float, str | None]], in_flight: int,
                     status: int = 429) -> dict[str, Any]:
    """Status counts and the answer times of the answers with `status`."""
    statuses: dict[str, int] = {}
    for code, _latency, _retry in answers:
        statuses[str(code)] = statuses.get(str(code), 0) + 1
    chosen = [latency for code, latency, _retry in answers if code == status]
    return {"requests": len(answers), "in_flight": in_flight, "statuses": statuses,
            "retry_after_on_every_429": all(r is not None for c, _l, r in answers if c == 429),
            "answer_time": latency_summary_ms(chosen) if chosen else None}
