"""Client memory of `docwarden batch` over many files: it must stay flat.

    .venv/bin/python -m bench.memory.batch [--files 10000] [--concurrency 8]

Creates N small input files in a temporary tree (100 per directory), runs
`run_batch` against an in-process fake server (httpx.MockTransport answering
an OCR-shaped JSON of ~1 KB per file), and samples the process RSS and the
Python heap (tracemalloc) every N/10 requests.  A flat client shows the same
heap after 10 % and after 100 % of the files.  Then reruns once to time the
resume path (every file skipped).  Writes bench/results/batch_memory.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import RESULTS as RESULTS_DIR
from docwarden.client import AsyncDocwardenClient, RetryPolicy
from docwarden.client.batch import run_batch

RESULTS = RESULTS_DIR / "batch_memory.json"
MIB = 1024 * 1024
ANSWER = {"text": "lorem ipsum " * 40, "lines": [{"text": "lorem", "score": 0.9,
                                                  "box": [[0, 0], [1, 0], [1, 1], [0, 1]]}] * 5,
          "width": 640, "height": 480, "processing_time_s": 0.01, "worker_pid": 1}


def make_tree(root: Path, files: int) -> None:
    for index in range(files):
        directory = root / f"d{index // 100:04}"
        directory.mkdir(exist_ok=True)
        (directory / f"f{index:05}.png").write_bytes(b"\x89PNG" + bytes(1020))


class Sampler:
    """The fake server: answers, and samples memory every `every` requests."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.count = 0
        self.samples: list[dict[str, Any]] = []
        self.process = psutil.Process()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.count % self.every == 0:
            current, _peak = tracemalloc.get_traced_memory()
            self.samples.append({"requests": self.count,
                                 "rss_mib": round(self.process.memory_info().rss / MIB, 1),
                                 "heap_mib": round(current / MIB, 2)})
        return httpx.Response(200, json=ANSWER)


def run(root: Path, out: Path, sampler: Sampler, concurrency: int) -> tuple[float, Any]:
    client = AsyncDocwardenClient(transport=httpx.MockTransport(sampler),
                                  retry=RetryPolicy(max_attempts=1))
    started = time.perf_counter()
    summary = run_batch(root, out, client=client, concurrency=concurrency, show_progress=False)
    return time.perf_counter() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "in", Path(tmp) / "out"
        root.mkdir()
        make_tree(root, args.files)
        tracemalloc.start()
        sampler = Sampler(max(args.files // 10, 1))
        elapsed_s, summary = run(root, out, sampler, args.concurrency)
        _current, peak = tracemalloc.get_traced_memory()
        rerun_s, rerun = run(root, out, Sampler(args.files + 1), args.concurrency)
        tracemalloc.stop()
    first, last = sampler.samples[0], sampler.samples[-1]
    report = {
        "files": args.files, "concurrency": args.concurrency, "done": summary.done,
        "elapsed_s": round(elapsed_s, 2), "files_per_s": round(summary.done / elapsed_s, 1),
        "rerun_skipped": rerun.skipped, "rerun_elapsed_s": round(rerun_s, 2),
        "heap_peak_mib": round(peak / MIB, 2),
        "heap_growth_mib_10pct_to_100pct": round(last["heap_mib"] - first["heap_mib"], 2),
        "rss_growth_mib_10pct_to_100pct": round(last["rss_mib"] - first["rss_mib"], 1),
        "samples": sampler.samples, "python": platform.python_version(),
        "note": "in-process fake server (MockTransport); tracemalloc slows the run",
    }
    for sample in sampler.samples:
        print(f"{sample['requests']:>7} requests  rss {sample['rss_mib']:>7} MiB  "
              f"heap {sample['heap_mib']:>6} MiB")
    print(json.dumps({k: v for k, v in report.items() if k != "samples"}, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
