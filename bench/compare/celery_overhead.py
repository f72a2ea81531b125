"""What celery mode costs per job, and what a second node buys, side by side in one run.

    .venv/bin/python -m bench.compare.celery_overhead [--jobs 300] [--ocr-jobs 40]

Starts redis-server (free loopback port, no persistence), then three setups in
turn, each sized alike (chaos and ocr engines, WORKERS=1, THREADS_PER_WORKER=2
per machine or node):

- local: `docwarden serve` as on one machine;
- celery, 1 node: `docwarden serve` with DISPATCH=celery plus one `docwarden worker`;
- celery, 2 nodes: the same with two `docwarden worker` processes.

Per setup: the chaos echo job (`sleep_s: 0`) sent one at a time (p50/p95 of the
answer time), the same at 8 in flight (jobs/s), and a small OCR image one at a
time (p50).  All nodes share this machine's cores, so "2 nodes" shows the
coordination cost, not the gain of a second box; the paper estimate for N boxes
uses the measured per-job broker cost.  Writes bench/results/celery_overhead.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench import RESULTS as RESULTS_DIR
from bench.server import ServerProcess
from tests.conftest_redis import RedisServer  # the same throwaway Redis as the tests

RESULTS = RESULTS_DIR / "celery_overhead.json"
SIZING = {"ENGINES": "chaos,ocr", "ENABLE_CHAOS": "1", "WORKERS": "1",
          "THREADS_PER_WORKER": "2", "MIN_FREE_MEMORY_MB": "0", "COMPAT": "",
          "QUEUE_SIZE": "64", "LOG_FORMAT": "text"}
IN_FLIGHT = 8


def ocr_image() -> bytes:
    from docwarden.engines.ocr.engine import sample_image

    buffer = io.BytesIO()
    sample_image().save(buffer, format="PNG")
    return buffer.getvalue()


def start_node(name: str, broker_url: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCWARDEN_")}
    env.update({f"DOCWARDEN_{k}": v for k, v in SIZING.items()})
    env.update({"DOCWARDEN_NODE_NAME": name, "DOCWARDEN_BROKER_URL": broker_url,
                "DOCWARDEN_DATA_DIR": str(workdir / f"data-{name}")})
    with (workdir / f"node-{name}.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "docwarden.cli", "worker"], env=env,
                                stdout=log, stderr=subprocess.STDOUT)


def wait_for_nodes(url: str, count: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            nodes = httpx.get(url + "/health", timeout=5).json().get("nodes", [])
            if sum(1 for n in nodes if n.get("consuming")) >= count:
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{count} node(s) not consuming within {timeout_s} s")


def sequential_ms(client: httpx.Client, send: Any, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = send(client)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"job failed: {answer.status_code} {answer.text[:300]}")
    return times


def throughput(url: str, count: int) -> float:
    def one(_: int) -> int:
        return client.post("/v1/chaos", json={"sleep_s": 0}).status_code

    with httpx.Client(base_url=url, timeout=60,
                      limits=httpx.Limits(max_connections=IN_FLIGHT)) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            codes = list(pool.map(one, range(count)))
        elapsed = time.perf_counter() - started
    if set(codes) != {200}:
        raise SystemExit(f"answers at {IN_FLIGHT} in flight: {sorted(set(codes))}")
    return count / elapsed


def measure(url: str, jobs: int, ocr_jobs: int, image: bytes) -> dict[str, float]:
    with httpx.Client(base_url=url, timeout=60) as client:
        sequential_ms(client, lambda c: c.post("/v1/chaos", json={"sleep_s": 0}), 20)  # warm
        echo = sequential_ms(client, lambda c: c.post("/v1/chaos", json={"sleep_s": 0}), jobs)
        ocr = sequential_ms(client, lambda c: c.post(
            "/v1/ocr", files={"file": ("t.png", image)}), ocr_jobs)
    return {"echo_p50_ms": round(statistics.median(echo), 2),
            "echo_p95_ms": round(statistics.quantiles(echo, n=20)[18], 2),
            "ocr_p50_ms": round(statistics.median(ocr), 1),
            f"echo_jobs_per_s_at_{IN_FLIGHT}": round(throughput(url, jobs), 1)}


def run_setup(nodes: int, redis: RedisServer, workdir: Path, args: argparse.Namespace,
              image: bytes) -> dict[str, float]:
    settings = dict(SIZING)
    if nodes:
        settings.update({"DISPATCH": "celery", "BROKER_URL": redis.url})
    here = workdir / f"setup-{nodes}"
    here.mkdir()
    workers = [start_node(f"n{i}", redis.url, here) for i in range(nodes)]
    server = ServerProcess(settings, here)
    try:
        if nodes:
            wait_for_nodes(server.url, nodes)
        else:
            server.wait_ready()
        return measure(server.url, args.jobs, args.ocr_jobs, image)
    finally:
        server.stop()
        for process in workers:
            process.terminate()
            process.wait(timeout=60)


def estimate(local: dict[str, float], one: dict[str, float]) -> dict[str, Any]:
    """The API node's added latency per job, measured; what N boxes would serve, on paper.

    Each compute box serves about what one local server serves (same governed pool), so
    N boxes give about N times the OCR throughput until the API node saturates: it spends
    roughly the local API's CPU per job plus the broker round trips, so its ceiling is
    about its echo throughput in celery mode (measured here, sharing the cores).
    """
    ocr_per_box = 1000 / local["ocr_p50_ms"] * int(SIZING["THREADS_PER_WORKER"])
    ceiling = one[f"echo_jobs_per_s_at_{IN_FLIGHT}"]
    return {"added_latency_ms_per_job": round(one["echo_p50_ms"] - local["echo_p50_ms"], 2),
            "ocr_latency_ratio": round(one["ocr_p50_ms"] / local["ocr_p50_ms"], 3),
            "ocr_jobs_per_s_per_box_estimate": round(ocr_per_box, 1),
            "api_node_ceiling_jobs_per_s": ceiling,
            "boxes_before_the_api_node_saturates": int(ceiling // ocr_per_box)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--ocr-jobs", type=int, default=40)
    args = parser.parse_args()
    image = ocr_image()
    with tempfile.TemporaryDirectory(prefix="docwarden-celery-") as tmp:
        workdir = Path(tmp)
        (workdir / "redis").mkdir()
        redis = RedisServer(workdir / "redis")
        redis.start()
        try:
            setups = {name: run_setup(nodes, redis, workdir, args, image)
                      for name, nodes in (("local", 0), ("celery_1_node", 1),
                                          ("celery_2_nodes", 2))}
        finally:
            redis.stop()
    report = {"bench": "celery_overhead", "setups": setups,
              "estimate": estimate(setups["local"], setups["celery_1_node"]),
              "cpus": os.cpu_count()}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
