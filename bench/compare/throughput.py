"""Scenario 2: OCR jobs/s through docwarden vs the bare engine, same thread count.

Sides alternate round by round (the order rotates every round) so that the
host's drift hits all of them; each round also records the CPU seconds the
serving side burnt, a figure that other tenants of a shared box disturb less
than wall time.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import psutil

from bench.compare.context import Bench
from bench.compare.procs import Server, own_cpu_s, tree_cpu_s
from bench.compare.stats import median, ratio, rotated, rounded
from bench.compare.workloads import BareLoop, connected, ocr_http


@dataclass(frozen=True)
class Round:
    jobs: int
    elapsed_s: float
    failures: int
    cpu_s: float
    client_cpu_s: float = 0.0  # the benchmark's HTTP client, on the same cores
    api_cpu_s: float = 0.0  # of cpu_s: docwarden's API process (the rest is its workers)
    latencies_s: tuple[float, ...] = ()  # per request, when the round went over HTTP

    @property
    def jobs_per_s(self) -> float:
        return self.jobs / self.elapsed_s

    @property
    def cpu_s_per_job(self) -> float:
        return self.cpu_s / self.jobs


RoundRunner = Callable[[int], Round]  # passes over the image set -> what the round did


def throughput(bench: Bench) -> dict[str, Any]:
    with BareLoop(list(bench.image_files), bench.worker_env()) as bare:
        by_concurrency = {f"c{c}": _throughput_at(bench, bare, c)
                          for c in bench.counts.concurrencies}
    return {"images": [p.name for p in bench.image_files],
            "passes_per_round": bench.counts.throughput_passes,
            "rounds": bench.counts.throughput_rounds, "max_jobs_per_worker": 0,
            "by_concurrency": by_concurrency}


def docwarden_layouts(concurrency: int, cores: int) -> dict[str, dict[str, int]]:
    """1 worker x c threads (one model, like the bare loop), 2 workers when c >= 2, and,
    when c is over the core count, the layout sized to the cores (the rest queue)."""
    layouts = {f"docwarden_1x{concurrency}": {"workers": 1, "threads_per_worker": concurrency}}
    if concurrency >= 2:
        layouts[f"docwarden_2x{concurrency // 2}"] = {"workers": 2,
                                                      "threads_per_worker": concurrency // 2}
    if concurrency > cores:
        layouts.setdefault(f"docwarden_{cores}x1", {"workers": cores, "threads_per_worker": 1})
    return layouts


def usable_cores() -> int:
    return len(os.sched_getaffinity(0))


def http_runner(bench: Bench, server: Server, clients: list[httpx.Client]) -> RoundRunner:
    """Rounds on clients connected once, before the first round: a round times requests."""
    images = bench.images

    def run(passes: int) -> Round:
        cpu_before, api_before = tree_cpu_s(server.pid), own_cpu_s(server.pid)
        client_before = time.process_time()
        done = ocr_http(clients, images, passes)
        return Round(done.jobs, done.elapsed_s, done.failures, tree_cpu_s(server.pid) - cpu_before,
                     time.process_time() - client_before, own_cpu_s(server.pid) - api_before,
                     tuple(done.latencies_s))
    return run


def bare_runner(bare: BareLoop, concurrency: int) -> RoundRunner:
    process = psutil.Process(bare.process.pid)

    def run(passes: int) -> Round:
        before = process.cpu_times()
        done = bare.run(concurrency, passes)
        after = process.cpu_times()
        cpu_s = after.user + after.system - before.user - before.system
        return Round(int(done["jobs"]), float(done["elapsed_s"]), int(done["failures"]), cpu_s)
    return run


def alternate(runners: dict[str, RoundRunner], rounds: int, passes: int) -> dict[str, list[Round]]:
    """One warm-up pass each, then `rounds` rounds with the order rotated every round."""
    for run in runners.values():
        run(1)
    done: dict[str, list[Round]] = {name: [] for name in runners}
    for index in range(rounds):
        for name in rotated(list(runners), index):
            done[name].append(runners[name](passes))
    return done


def compare_rounds(done: dict[str, list[Round]], base: str) -> dict[str, Any]:
    """Medians per side, and each side against `base`: wall-time and CPU-time ratios."""
    rates = {name: median([r.jobs_per_s for r in rs]) for name, rs in done.items()}
    cpu = {name: median([r.cpu_s_per_job for r in rs]) for name, rs in done.items()}
    others = [name for name in done if name != base]
    paired = {name: median([r.jobs_per_s / b.jobs_per_s
                            for r, b in zip(done[name], done[base], strict=True)])
              for name in others}
    return {"jobs_per_s": {k: [round(r.jobs_per_s, 3) for r in rs] for k, rs in done.items()},
            "median_jobs_per_s": {k: round(v, 3) for k, v in rates.items()},
            "median_cpu_s_per_job": {k: round(v, 4) for k, v in cpu.items()},
            "ratio_vs_bare": {k: rounded(ratio(rates[k], rates[base])) for k in others},
            "paired_ratio_vs_bare": {k: rounded(v) for k, v in paired.items()},
            "cpu_per_job_vs_bare": {k: rounded(ratio(cpu[k], cpu[base])) for k in others},
            "client_cpu_ms_per_job": _ms_per_job(done, others, lambda r: r.client_cpu_s),
            "api_cpu_ms_per_job": _ms_per_job(done, others, lambda r: r.api_cpu_s),
            "failures": {k: sum(r.failures for r in rs) for k, rs in done.items()}}


def _ms_per_job(done: dict[str, list[Round]], names: list[str],
                cpu_s: Callable[[Round], float]) -> dict[str, float]:
    """Median over rounds of one CPU figure per job, in ms."""
    return {name: round(1000 * median([cpu_s(r) / r.jobs for r in done[name]]), 2)
            for name in names}


def _throughput_at(bench: Bench, bare: BareLoop, concurrency: int) -> dict[str, Any]:
    layouts = docwarden_layouts(concurrency, usable_cores())
    servers: dict[str, Server] = {}
    runners = {"bare": bare_runner(bare, concurrency)}
    try:
        with contextlib.ExitStack() as connections:
            for name, layout in layouts.items():
                servers[name] = bench.launcher.docwarden(f"tput-{name}", engines="ocr",
                                                         max_jobs_per_worker=0, **layout)
                clients = connections.enter_context(connected(servers[name].url, concurrency))
                runners[name] = http_runner(bench, servers[name], clients)
            done = alternate(runners, bench.counts.throughput_rounds,
                             bench.counts.throughput_passes)
    finally:
        for server in servers.values():
            bench.launcher.fleet.stop(server)
    return {"layouts": layouts, **compare_rounds(done, "bare")}
