"""Soak: many real OCR jobs through a real server with recycling on; memory must stay in a band.

    .venv/bin/python -m bench.memory.soak --jobs 20000   # the full soak in bench/results (~21 min)
    .venv/bin/python -m bench.memory.soak --jobs 2000    # a shorter run

Starts `docwarden serve` (ENGINES=ocr, WORKERS=--workers, every other setting at its
default: MAX_JOBS_PER_WORKER 50 + jitter, soft/hard RSS limits) on 127.0.0.1 and sends
small generated text images (unique per job, seeded) at bounded concurrency.  Every second
it samples the server's process-tree RSS (psutil) and each worker's RSS from /health into
bench/results/soak.csv, then plots bench/results/soak.png (matplotlib: install it in the
venv for the bench only; without it the script says so and writes CSV and JSON) and writes
bench/results/soak.json: failed requests (must be 0), the RSS band after warm-up (the first
--warmup-fraction of jobs), the drift between the first and last tenth after warm-up, and
recycles by reason.  Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFont

from bench import RESULTS
from bench.server import MIB, ServerProcess, TreeSampler

WORDS = ("docwarden", "memory", "worker", "recycle", "invoice", "total", "amount", "paper",
         "server", "limit", "report", "number", "garden", "river", "yellow", "window", "42",
         "2025", "17.50", "ID", "page", "order", "date", "name", "city", "road")
CSV_FIELDS = ("t_s", "jobs_done", "failed", "service_rss_mb", "parent_rss_mb",
              "workers_rss_mb", "worker_max_rss_mb", "workers", "recycles", "worker_rss_by_pid")


def text_image(index: int, seed: int) -> tuple[bytes, list[str]]:
    """A small PNG with 2-5 random words: unique per job, cheap to make, real OCR work."""
    rng = random.Random(seed * 1_000_003 + index)
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 5))]
    font = ImageFont.load_default(size=rng.randint(22, 34))
    image = Image.new("L", (rng.randint(360, 560), rng.randint(56, 96)), 255)
    ImageDraw.Draw(image).text((12, 10), " ".join(words), fill=rng.randint(0, 60), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), words


def one_job(client: httpx.Client, index: int, seed: int) -> dict[str, Any]:
    data, words = text_image(index, seed)
    started = time.monotonic()
    try:
        answer = client.post("/v1/ocr", files={"file": (f"soak-{index}.png", data, "image/png")})
    except httpx.HTTPError as exc:
        return {"ok": False, "outcome": f"no answer: {type(exc).__name__}", "latency_s": 0.0}
    latency_s = time.monotonic() - started
    if answer.status_code != 200:
        code = answer.json().get("error", {}).get("code", "?") if answer.headers.get(
            "content-type", "").startswith("application/json") else "?"
        return {"ok": False, "outcome": f"{answer.status_code} {code}", "latency_s": latency_s}
    text = str(answer.json().get("text", "")).lower()
    found = sum(word.lower() in text for word in words) / len(words)
    return {"ok": True, "outcome": "200", "latency_s": latency_s, "words_found": found}


class Recorder:
    """Samples memory every second into the CSV while the load runs."""

    def __init__(self, server: ServerProcess, csv_path: Path, interval_s: float) -> None:
        self.server = server
        self.tree = TreeSampler(server.pid)
        self.interval_s = interval_s
        self.rows: list[dict[str, Any]] = []
        self.jobs_done = 0
        self.failed = 0
        self.csv_file = csv_path.open("w", newline="")
        self.writer = csv.DictWriter(self.csv_file, fieldnames=CSV_FIELDS)
        self.writer.writeheader()
        self.stopped = threading.Event()
        self.started_at = time.monotonic()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        sizes = self.tree.sample()
        try:
            health = httpx.get(self.server.url + "/health", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return
        workers = {w["pid"]: w["rss_bytes"] / MIB for w in health["workers"]}
        row = {"t_s": round(time.monotonic() - self.started_at, 1), "jobs_done": self.jobs_done,
               "failed": self.failed, "service_rss_mb": round(sum(sizes.values()) / MIB, 1),
               "parent_rss_mb": round(sizes.get(self.server.pid, 0) / MIB, 1),
               "workers_rss_mb": round(sum(workers.values()), 1),
               "worker_max_rss_mb": round(max(workers.values(), default=0), 1),
               "workers": len(workers), "recycles": sum(health["recycles"].values()),
               "worker_rss_by_pid": ";".join(f"{p}:{v:.1f}" for p, v in workers.items())}
        self.rows.append(row)
        self.writer.writerow(row)
        self.csv_file.flush()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)
        self.csv_file.close()


def drive(server: ServerProcess, recorder: Recorder, args: argparse.Namespace) -> list[
        dict[str, Any]]:
    results: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=args.concurrency)
    with httpx.Client(base_url=server.url, timeout=120, limits=limits) as client, \
            ThreadPoolExecutor(args.concurrency) as pool:
        futures = [pool.submit(one_job, client, i, args.seed) for i in range(args.jobs)]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            recorder.jobs_done += 1
            recorder.failed += not result["ok"]
            if recorder.jobs_done % max(args.jobs // 20, 1) == 0:
                print(f"{recorder.jobs_done:>7} jobs, {recorder.failed} failed", flush=True)
    return results


def band(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    values = [float(r[key]) for r in rows]
    if not values:
        return {}
    tenth = max(len(values) // 10, 1)
    drift = statistics.fmean(values[-tenth:]) - statistics.fmean(values[:tenth])
    return {"min": min(values), "max": max(values), "mean": round(statistics.fmean(values), 1),
            "drift_first_to_last_tenth": round(drift, 1)}


def summary(args: argparse.Namespace, results: list[dict[str, Any]], recorder: Recorder,
            health: dict[str, Any], elapsed_s: float) -> dict[str, Any]:
    warm = [r for r in recorder.rows if r["jobs_done"] >= args.jobs * args.warmup_fraction]
    latencies = sorted(r["latency_s"] for r in results if r["ok"])
    found = [r["words_found"] for r in results if r["ok"]]
    failed = Counter(r["outcome"] for r in results if not r["ok"])
    return {
        "bench": "soak", "jobs": args.jobs, "label": f"soak run with --jobs {args.jobs}",
        "concurrency": args.concurrency, "workers": args.workers, "seed": args.seed,
        "server_settings": f"ENGINES=ocr, WORKERS={args.workers}, every other setting default",
        "elapsed_s": round(elapsed_s, 1), "jobs_per_s": round(len(results) / elapsed_s, 2),
        "failed_requests": sum(failed.values()), "failed_by_outcome": dict(failed),
        "pass": not failed and len(results) == args.jobs,
        "latency_s": {"p50": round(latencies[len(latencies) // 2], 3),
                      "p99": round(latencies[int(len(latencies) * 0.99)], 3)} if latencies else {},
        "words_found_mean": round(statistics.fmean(found), 3) if found else 0.0,
        "warmup": f"first {args.warmup_fraction:.0%} of jobs",
        "rss_after_warmup_mb": {key: band(warm, key) for key in
                                ("service_rss_mb", "parent_rss_mb", "workers_rss_mb",
                                 "worker_max_rss_mb")},
        "recycles": health.get("recycles", {}), "jobs_done_by_server": health.get("jobs_done"),
        "samples": len(recorder.rows), "sample_every_s": args.sample_every_s,
    }


def plot(rows: list[dict[str, Any]], report: dict[str, Any], png: Path) -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ("matplotlib is not installed, so no PNG was drawn: install it for the bench "
                "only with `.venv/bin/pip install matplotlib` (CSV and JSON are written)")
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    t = [r["t_s"] for r in rows]
    top.plot(t, [r["service_rss_mb"] for r in rows], label="service tree RSS (psutil)")
    top.plot(t, [r["parent_rss_mb"] for r in rows], label="API process RSS")
    top.set_ylabel("MB")
    top.set_ylim(bottom=0)
    top.legend(loc="upper left")
    per_pid: dict[str, list[tuple[float, float]]] = {}
    for row in rows:
        for item in filter(None, row["worker_rss_by_pid"].split(";")):
            pid, value = item.split(":")
            per_pid.setdefault(pid, []).append((row["t_s"], float(value)))
    for points in per_pid.values():
        bottom.plot(*zip(*points, strict=True), linewidth=0.8, color="tab:green")
    bottom.set_ylabel("worker RSS (/health), MB")
    bottom.set_ylim(bottom=0)
    bottom.set_xlabel("seconds")
    twin = bottom.twinx()
    twin.plot(t, [r["recycles"] for r in rows], color="tab:gray", linestyle=":")
    twin.set_ylabel("recycles (dotted)")
    figure.suptitle(f"docwarden soak: {report['jobs']} OCR jobs, concurrency "
                    f"{report['concurrency']}, {report['workers']} workers, "
                    f"{report['failed_requests']} failed")
    figure.tight_layout()
    figure.savefig(png, dpi=100)
    plt.close(figure)
    return f"plot: {png}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup-fraction", type=float, default=0.1)
    parser.add_argument("--sample-every-s", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "soak",
                        help="prefix of the .csv, .png and .json written")
    return parser.parse_args()


def run(args: argparse.Namespace, workdir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    server = ServerProcess({"ENGINES": "ocr", "WORKERS": str(args.workers)}, workdir)
    recorder = Recorder(server, args.out.with_suffix(".csv"), args.sample_every_s)
    try:
        server.wait_ready()
        recorder.thread.start()
        started = time.monotonic()
        results = drive(server, recorder, args)
        elapsed_s = time.monotonic() - started
        recorder.sample()
        health = httpx.get(server.url + "/health", timeout=10).json()
    finally:
        recorder.close()
        server.stop()
    return summary(args, results, recorder, health, elapsed_s), recorder.rows


def main() -> None:
    args = parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docwarden-soak-") as tmp:
        report, rows = run(args, Path(tmp))
    print(plot(rows, report, args.out.with_suffix(".png")))
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(json.dumps(report, indent=1, default=str))
    sys.exit(0 if report["pass"] else 1)


if __name__ == "__main__":
    main()
