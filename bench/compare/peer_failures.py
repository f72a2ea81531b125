"""The seeds' failures on each server: the chaos engine's behaviours, served the same way.

Every scenario gets a fresh server of each kind (docwarden, LitServe, Ray
Serve; two slots each, a 5 s deadline in each one's own setting), sends its
requests with a client timeout, samples the whole process tree's RSS every
0.1 s, then checks that the server still answers ordinary jobs, and stops it
with SIGTERM to see what it leaves running. What is judged is in
bench.compare.peer_verdicts.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

from bench.compare.context import Bench
from bench.compare.peer_throughput import BASE, PEERS
from bench.compare.peer_verdicts import GROWTH_BOUND_MB, Answer, verdict
from bench.compare.procs import MIB, STOP_WAIT_S, RssSampler, Server, orphans, tree_rss_bytes

SLOTS = 2
DEADLINE_S = 5.0
CLIENT_TIMEOUT_S = 30.0  # a request not answered by then is counted as never answered
LEAK_MB, LEAK_JOBS, LEAK_STOP_MB = 40, 200, 3072  # the stop protects the shared box
SPIKE_MB = 3072
POISON_REPEATS, POISON_BUDGET_S = 6, 150.0
BURST_JOB_S = 1.0
SERVING_CHECKS = 4
ORPHAN_GRACE_S = 10.0  # what is still running this long after the root exited
DOCWARDEN_CHAOS = {"engines": "chaos", "enable_chaos": 1, "workers": SLOTS,
                   "threads_per_worker": 1, "job_timeout_s": DEADLINE_S,
                   "hard_worker_rss_mb": 400, "max_worker_rss_mb": 300,
                   "min_free_memory_mb": 0}


def burst_size() -> int:
    """4x capacity: what the slots can finish within one deadline, four times over."""
    return int(4 * SLOTS * DEADLINE_S / BURST_JOB_S)


@dataclass
class Sent:
    """What a scenario sent and how each request was answered."""

    answers: list[Answer] = field(default_factory=list)
    stopped_early: str = ""


Scenario = Callable[[Server, Callable[[], bool]], Sent]


def post_all(url: str, bodies: list[dict[str, Any]], in_flight: int,
             stop: Callable[[], bool] = lambda: False,
             budget_s: float = 300.0) -> list[Answer]:
    """POST /v1/chaos for every body, `in_flight` at a time; bounded by `stop` and budget."""
    pending: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
    for body in bodies:
        pending.put(body)
    answers: list[Answer] = []
    lock = threading.Lock()
    deadline = time.monotonic() + budget_s
    clients = [httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT_S) for _ in range(in_flight)]

    def work(client: httpx.Client) -> None:
        while not stop() and time.monotonic() < deadline:
            try:
                body = pending.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                status = client.post("/v1/chaos", json=body).status_code
            except httpx.HTTPError:
                status = 0  # timed out or connection dropped: never answered
            with lock:
                answers.append(Answer(status, time.perf_counter() - started))

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=budget_s + CLIENT_TIMEOUT_S)
    for client in clients:
        client.close()
    return answers


def leak(server: Server, over_cap: Callable[[], bool]) -> Sent:
    bodies = [{"leak_mb": LEAK_MB, "echo": f"leak{n}"} for n in range(LEAK_JOBS)]
    answers = post_all(server.url, bodies, SLOTS, stop=over_cap)
    stopped = (f"stopped after {len(answers)} jobs: tree grew over {LEAK_STOP_MB} MB"
               if over_cap() else "")
    return Sent(answers, stopped)


def spike(server: Server, _over_cap: Callable[[], bool]) -> Sent:
    return Sent(post_all(server.url, [{"spike_mb": SPIKE_MB, "echo": "spike"}], 1))


def hang(server: Server, _over_cap: Callable[[], bool]) -> Sent:
    return Sent(post_all(server.url, [{"hang": True, "echo": "hang"}], 1))


def segfault(server: Server, _over_cap: Callable[[], bool]) -> Sent:
    return Sent(post_all(server.url, [{"crash": "segfault", "echo": "segv"}], 1))


def poison(server: Server, _over_cap: Callable[[], bool]) -> Sent:
    """The same crashing input again and again, one after another."""
    bodies = [{"crash": "segfault", "echo": "poison"}] * POISON_REPEATS
    return Sent(post_all(server.url, bodies, 1, budget_s=POISON_BUDGET_S))


def burst(server: Server, _over_cap: Callable[[], bool]) -> Sent:
    bodies = [{"sleep_s": BURST_JOB_S, "echo": f"b{n}"} for n in range(burst_size())]
    return Sent(post_all(server.url, bodies, len(bodies)))


SCENARIOS: dict[str, Scenario] = {"leak": leak, "spike": spike, "hang": hang,
                                  "segfault": segfault, "poison": poison, "burst": burst}


def chaos_starters(bench: Bench, skipped: dict[str, str]) -> dict[str, Callable[[str], Server]]:
    starters: dict[str, Callable[[str], Server]] = {
        BASE: lambda name: bench.launcher.docwarden(name, **DOCWARDEN_CHAOS)}
    for peer in PEERS:
        if peer not in skipped:
            starters[peer] = (lambda name, p=peer: bench.launcher.peer(  # type: ignore[misc]
                name, p, "chaos", SLOTS, DEADLINE_S, {}))
    return starters


def peer_failures(bench: Bench, skipped: dict[str, str],
                  only: tuple[str, ...] = ()) -> dict[str, Any]:
    starters = chaos_starters(bench, skipped)
    results: dict[str, dict[str, Any]] = {}
    for scenario, run in SCENARIOS.items():
        if only and scenario not in only:
            continue
        results[scenario] = {}
        for side, start in starters.items():
            print(f"   failures: {scenario} on {side} ...", flush=True)
            results[scenario][side] = _on_server(bench, start(f"fail-{scenario}-{side}"), run)
    return {"slots": SLOTS, "deadline_s": DEADLINE_S, "client_timeout_s": CLIENT_TIMEOUT_S,
            "growth_bound_mb": GROWTH_BOUND_MB, "leak_stop_mb": LEAK_STOP_MB,
            "burst_requests": burst_size(), "docwarden_settings": DOCWARDEN_CHAOS,
            "skipped": skipped, "scenarios": results}


def _on_server(bench: Bench, server: Server, scenario: Scenario) -> dict[str, Any]:
    try:
        time.sleep(1.0)
        baseline = tree_rss_bytes(server.pid)
        with RssSampler(server.pid, interval_s=0.1) as sampler:
            sent = scenario(server, lambda: sampler.peak_bytes - baseline > LEAK_STOP_MB * MIB)
            after = post_all(server.url, [{"sleep_s": 0.05, "echo": f"after{n}"}
                                          for n in range(SERVING_CHECKS)], SLOTS, budget_s=60)
        time.sleep(2.0)
        after_mb = (tree_rss_bytes(server.pid) - baseline) / MIB
        peak_mb = (sampler.peak_bytes - baseline) / MIB
    finally:
        stopped = graceful_stop(bench, server)
    return verdict(sent.answers, after, peak_mb, after_mb, stopped, sent.stopped_early)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def graceful_stop(bench: Bench, server: Server) -> dict[str, Any]:
    """SIGTERM, the server's own shutdown, then what is still running with its TMPDIR or
    was seen in its tree (orphans); afterwards everything of it is killed, whatever it left."""
    server.remember_tree()
    started = time.monotonic()
    exit_s: float | None = None
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=STOP_WAIT_S)
    if server.process.poll() is not None:
        exit_s = round(time.monotonic() - started, 1)
    left = set(orphans(bench.launcher.private_dir(server), wait_s=ORPHAN_GRACE_S))
    left |= {p.pid for p in server.seen if _alive(p)}
    names = []
    for pid in sorted(left):
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            names.append(" ".join(process.cmdline())[:80] or process.name())
            process.kill()
    bench.launcher.fleet.stop(server)
    shutil.rmtree(f"/tmp/rayb-{server.port}", ignore_errors=True)
    return {"exit_on_term_s": exit_s, "left_running": names}
