"""Same OCR engine, three servers: docwarden, LitServe and Ray Serve, each sized to the cores.

All servers are up at once and driven by the same keep-alive httpx clients in
alternating rounds (bench.compare.throughput.alternate), so the host's drift hits
every side; after each round the whole process tree's RSS is read, and its
median is the steady-state figure. A peer that is not installed is skipped
with the reason recorded.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable
from typing import Any

from bench.compare.context import Bench
from bench.compare.procs import MIB, Server, tree, tree_rss_bytes
from bench.compare.stats import latency_summary_ms, median, rounded
from bench.compare.throughput import Round, RoundRunner, alternate, compare_rounds, http_runner
from bench.compare.workloads import connected

BASE = "docwarden"
PEERS = ("litserve", "ray")
PEER_MODULES = {"litserve": "litserve", "ray": "ray.serve"}
INSTALL_HINT = "pip install -e '.[bench-peers]'"
OCR_DEADLINE_S = 120.0  # no OCR job comes near it: throughput is not a deadline test


def missing_peers() -> dict[str, str]:
    """Peer -> why it is skipped (not importable in this interpreter)."""
    skipped = {}
    for peer, module in PEER_MODULES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            skipped[peer] = f"{module} is not installed ({INSTALL_HINT})"
    return skipped


def docwarden_layout(slots: int, one_model: bool) -> dict[str, int]:
    """`slots` jobs at once: one model copy per slot (the planner's layout on these cores),
    or one worker whose `slots` threads share one loaded model (`--docwarden-layout
    shared`: the memory-lean layout; a crash then takes both jobs in flight)."""
    if one_model:
        return {"workers": 1, "threads_per_worker": slots}
    return {"workers": slots, "threads_per_worker": 1}


def ocr_servers(bench: Bench, slots: int, skipped: dict[str, str],
                one_model: bool = False) -> dict[str, Callable[[], Server]]:
    """How to start each side: `slots` requests served at once."""
    worker_env = bench.worker_variables()
    layout = docwarden_layout(slots, one_model)
    starters: dict[str, Callable[[], Server]] = {BASE: lambda: bench.launcher.docwarden(
        "peers-docwarden-ocr", engines="ocr", max_jobs_per_worker=0, **layout)}
    for peer in PEERS:
        if peer not in skipped:
            starters[peer] = (lambda p=peer: bench.launcher.peer(  # type: ignore[misc]
                f"peers-{p}-ocr", p, "ocr", slots, OCR_DEADLINE_S, worker_env))
    return starters


def rss_recording(runner: RoundRunner, server: Server, rss_mb: list[float]) -> RoundRunner:
    """`runner`, and the tree's RSS right after each round it runs."""
    def run(passes: int) -> Round:
        done = runner(passes)
        rss_mb.append(tree_rss_bytes(server.pid) / MIB)
        return done
    return run


def peer_throughput(bench: Bench, skipped: dict[str, str], slots: int = 2,
                    one_model: bool = False) -> dict[str, Any]:
    servers: dict[str, Server] = {}
    try:
        for name, start in ocr_servers(bench, slots, skipped, one_model).items():
            servers[name] = start()
        by_concurrency = {f"c{c}": _at_concurrency(bench, servers, c)
                          for c in bench.counts.concurrencies}
        processes = {name: len(tree(server.pid)) for name, server in servers.items()}
    finally:
        for server in servers.values():
            bench.launcher.fleet.stop(server)
    return {"slots": slots, "docwarden_layout": docwarden_layout(slots, one_model),
            "images": [p.name for p in bench.image_files],
            "passes_per_round": bench.counts.throughput_passes,
            "rounds": bench.counts.throughput_rounds, "skipped": skipped,
            "processes": processes, "by_concurrency": by_concurrency}


def _at_concurrency(bench: Bench, servers: dict[str, Server], concurrency: int) -> dict[str, Any]:
    rss_mb: dict[str, list[float]] = {name: [] for name in servers}
    with contextlib.ExitStack() as connections:
        runners = {}
        for name, server in servers.items():
            clients = connections.enter_context(connected(server.url, concurrency))
            runners[name] = rss_recording(http_runner(bench, server, clients), server,
                                          rss_mb[name])
        done = alternate(runners, bench.counts.throughput_rounds, bench.counts.throughput_passes)
    return summarize(done, rss_mb)


def summarize(done: dict[str, list[Round]], rss_mb: dict[str, list[float]]) -> dict[str, Any]:
    """compare_rounds against docwarden, plus latency and steady-state RSS per side.

    rss_mb holds one reading per round run, warm-up first: the warm-up's is dropped.
    """
    result = compare_rounds(done, BASE)
    result["ratio_vs_docwarden"] = result.pop("ratio_vs_bare")
    result["paired_ratio_vs_docwarden"] = result.pop("paired_ratio_vs_bare")
    result["cpu_per_job_vs_docwarden"] = result.pop("cpu_per_job_vs_bare")
    result["latency_ms"] = {name: latency_summary_ms([x for r in rounds for x in r.latencies_s])
                            for name, rounds in done.items()}
    steady = {name: median(values[1:] or values) for name, values in rss_mb.items()}
    result["steady_rss_mb"] = {name: round(value, 1) for name, value in steady.items()}
    result["max_rss_mb"] = {name: round(max(values), 1) for name, values in rss_mb.items()}
    result["rss_vs_peer"] = {name: rounded(steady[BASE] / value, 3)
                             for name, value in steady.items() if name != BASE and value > 0}
    return result
