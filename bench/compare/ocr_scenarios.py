"""Scenarios on real OCR: memory by layout, recycling cost, worker death."""

from __future__ import annotations

import contextlib
import math
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import httpx
import psutil

from bench.compare.context import Bench
from bench.compare.procs import (
    MIB,
    RssSampler,
    Server,
    tree,
    tree_cpu_s,
    tree_pss_bytes,
    tree_rss_bytes,
)
from bench.compare.stats import latency_summary_ms, median, ratio, rotated, rounded
from bench.compare.workloads import HttpRun, bare_load_timings, connected, ocr_http, ocr_http_once

LOADED_STATES = ("idle", "busy")
MEMORY_CONCURRENCY = 4
BURST_CONCURRENCY = 16
MAX_PRIMING_BURSTS = 5
DEATH_POLL_S = 0.1  # /health costs the API process CPU: polling faster slows the load it times


def loaded_model_copies(pid: int) -> int:
    """Processes of the tree that have onnxruntime mapped, i.e. hold an OCR model."""
    copies = 0
    for process in tree(pid):
        with contextlib.suppress(psutil.Error):
            if any("onnxruntime" in m.path for m in process.memory_maps(grouped=True)):
                copies += 1
    return copies


def memory(bench: Bench) -> dict[str, Any]:
    """Service RSS for the same OCR workload under four layouts, one at a time."""
    same_env = bench.worker_variables()
    starters: dict[str, tuple[int, Callable[[], Server]]] = {
        "docwarden_2_workers": (2, lambda: bench.launcher.docwarden(
            "mem-docwarden", engines="ocr", workers=2)),
        "seed_4_web_x_4_pool": (16, lambda: bench.launcher.bare(
            "mem-seed", "ocr-pool", 4, {"BENCH_POOL_SIZE": "4"})),
        "uvicorn_2_workers": (2, lambda: bench.launcher.bare(
            "mem-uvicorn2", "ocr", 2)),
        "uvicorn_2_workers_docwarden_env": (2, lambda: bench.launcher.bare(
            "mem-uvicorn2-env", "ocr", 2, same_env)),
    }
    if not bench.counts.all_memory_layouts:
        del starters["uvicorn_2_workers_docwarden_env"]
    layouts = {name: _memory_of(bench, start, expected)
               for name, (expected, start) in starters.items()}
    base = layouts["docwarden_2_workers"]
    for row in layouts.values():
        row["peak_ratio_vs_docwarden"] = rounded(ratio(row["peak_rss_mb"], base["peak_rss_mb"]), 2)
        row["after_ratio_vs_docwarden"] = rounded(ratio(row["after_rss_mb"],
                                                        base["after_rss_mb"]), 2)
    return {"burst_concurrency": BURST_CONCURRENCY, "concurrency": MEMORY_CONCURRENCY,
            "passes": bench.counts.memory_passes,
            "layouts": layouts}


def _memory_of(bench: Bench, start: Callable[[], Server], expected_copies: int) -> dict[str, Any]:
    """Idle RSS, then the workload: a burst at concurrency 16 (repeated, bounded, until every
    model copy of the layout is loaded), then the measured passes at concurrency 4."""
    server = start()
    images = bench.images
    try:
        time.sleep(2.0)
        idle_mb = tree_rss_bytes(server.pid) / MIB
        with RssSampler(server.pid) as sampler:
            bursts = 0
            while bursts == 0 or (loaded_model_copies(server.pid) < expected_copies
                                  and bursts < MAX_PRIMING_BURSTS):
                ocr_http_once(server.url, images, math.ceil(BURST_CONCURRENCY / len(images)),
                              BURST_CONCURRENCY)
                bursts += 1
            run = ocr_http_once(server.url, images, bench.counts.memory_passes,
                                MEMORY_CONCURRENCY)
        time.sleep(2.0)
        return {"idle_rss_mb": round(idle_mb, 1), "peak_rss_mb": round(sampler.peak_bytes / MIB, 1),
                "after_rss_mb": round(tree_rss_bytes(server.pid) / MIB, 1),
                "after_pss_mb": round(tree_pss_bytes(server.pid) / MIB, 1),
                "processes": len(tree(server.pid)), "model_copies": loaded_model_copies(server.pid),
                "expected_model_copies": expected_copies, "bursts": bursts,
                "measured_jobs": run.jobs, "failures": run.failures}
    finally:
        bench.launcher.fleet.stop(server)


def recycling(bench: Bench) -> dict[str, Any]:
    """OCR throughput and failed requests with MAX_JOBS_PER_WORKER=10 vs unlimited.

    A round's CPU window runs until the pool is idle again, so a replacement
    still loading when the last answer came is charged to that round.
    """
    settings = {"max_jobs_10": 10, "unlimited": 0}
    servers: dict[str, Server] = {}
    try:
        with contextlib.ExitStack() as connections:
            clients: dict[str, list[httpx.Client]] = {}
            for name, limit in settings.items():
                servers[name] = bench.launcher.docwarden(
                    f"recycle-{name}", engines="ocr", workers=2, threads_per_worker=1,
                    max_jobs_per_worker=limit)
                clients[name] = connections.enter_context(connected(servers[name].url, 2))
                ocr_http(clients[name], bench.images, 1)
            runs = _recycling_rounds(bench, servers, clients)
        recycles = {name: _health(server)["recycles"] for name, server in servers.items()}
    finally:
        for server in servers.values():
            bench.launcher.fleet.stop(server)
    rates = {name: median([r.jobs / r.elapsed_s for r, _cpu in done])
             for name, done in runs.items()}
    cpu = {name: median([cpu_s / r.jobs for r, cpu_s in done]) for name, done in runs.items()}
    return {"workers": 2, "concurrency": 2, "max_jobs_jitter": "default (5)",
            "median_jobs_per_s": {k: round(v, 3) for k, v in rates.items()},
            "ratio_max_jobs_10_vs_unlimited": rounded(ratio(rates["max_jobs_10"],
                                                            rates["unlimited"])),
            "median_cpu_s_per_job": {k: round(v, 4) for k, v in cpu.items()},
            "measured_jobs": {name: sum(r.jobs for r, _c in done) for name, done in runs.items()},
            "failed_requests": {name: sum(r.failures for r, _c in done)
                                for name, done in runs.items()},
            "latency": {name: latency_summary_ms([x for r, _c in done for x in r.latencies_s])
                        for name, done in runs.items()},
            "recycles_by_reason": recycles}


def _recycling_rounds(bench: Bench, servers: dict[str, Server],
                      clients: dict[str, list[httpx.Client]]
                      ) -> dict[str, list[tuple[HttpRun, float]]]:
    runs: dict[str, list[tuple[HttpRun, float]]] = {name: [] for name in servers}
    for index in range(bench.counts.recycling_rounds):
        for name in rotated(list(servers), index):
            runs[name].append(_recycling_round(bench, servers[name], clients[name]))
    return runs


def _recycling_round(bench: Bench, server: Server,
                     clients: list[httpx.Client]) -> tuple[HttpRun, float]:
    wait_all_idle(server, 2)
    cpu_before = tree_cpu_s(server.pid)
    run = ocr_http(clients, bench.images, bench.counts.recycling_passes)
    wait_all_idle(server, 2)
    return run, tree_cpu_s(server.pid) - cpu_before


def _health(server: Server) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(server.url + "/health", timeout=10).json()
    return body


def wait_all_idle(server: Server, workers: int, timeout_s: float = 120.0) -> None:
    """Until the pool has `workers` loaded workers and none is busy, loading or retiring."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = _health(server)["workers"]
        if len(rows) == workers and all(row["state"] == "idle" for row in rows):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{server.name}: workers not all idle in {timeout_s} s")


def worker_death(bench: Bench) -> dict[str, Any]:
    """SIGKILL an idle OCR worker: time until its replacement is loaded, vs a bare load."""
    server = bench.launcher.docwarden("worker-death", engines="ocr", workers=2,
                                      max_jobs_per_worker=0)
    seen_s: list[float] = []
    loaded_s: list[float] = []
    bare: list[dict[str, float]] = []
    try:
        for _ in range(bench.counts.kills):
            wait_all_idle(server, 2)
            seen, loaded = _kill_and_watch(server)
            seen_s.append(seen)
            loaded_s.append(loaded)
            bare.append(bare_load_timings(bench.worker_env()))
    finally:
        bench.launcher.fleet.stop(server)
    bare_wall = median([b["wall_s"] for b in bare])
    return {"replacement_spawned_s": [round(x, 3) for x in seen_s],
            "replacement_loaded_s": [round(x, 3) for x in loaded_s],
            "median_replacement_loaded_s": rounded(median(loaded_s)),
            "bare_load": {key: rounded(median([b[key] for b in bare]))
                          for key in ("wall_s", "import_s", "load_s")},
            "median_extra_vs_bare_s": rounded(median(loaded_s) - bare_wall)}


def _kill_and_watch(server: Server, timeout_s: float = 120.0) -> tuple[float, float]:
    """Seconds from SIGKILL to a new pid in /health, and to that worker being loaded."""
    old = {row["pid"] for row in _health(server)["workers"]}
    victim = min(old)
    started = time.perf_counter()
    os.kill(victim, signal.SIGKILL)
    seen: float | None = None
    while time.perf_counter() - started < timeout_s:
        new = [row for row in _health(server)["workers"] if row["pid"] not in old]
        now = time.perf_counter() - started
        if new and seen is None:
            seen = now
        if any(row["state"] in LOADED_STATES for row in new):
            return seen or now, now
        time.sleep(DEATH_POLL_S)
    raise RuntimeError(f"no replacement for worker {victim} in {timeout_s} s")
