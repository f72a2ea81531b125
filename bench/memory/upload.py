"""The API process's memory under concurrent oversized uploads: it must stay in budget.

    .venv/bin/python -m bench.memory.upload [--concurrency 8] [--budget-mb 512]

Issue 15: four concurrent 60 MB JSON posts once took the API process from 80 to
549 MB before their 413.  This starts the real server (ocr engine, 1 worker,
MAX_UPLOAD_MB 50, MAX_BUFFERED_UPLOAD_MB as given) on 127.0.0.1 and sends, for
each kind below, `--concurrency` requests at once while it samples the RSS of
the API process (the server's own pid, not its workers) every 20 ms:

- over the cap, declared: 60 MB multipart file / 60 MB JSON (base64) with a
  Content-Length, to /v1/ocr and /v1/ocr/batch: 413 before a byte is read;
- over the cap, chunked: the same bodies without a Content-Length: 413 once the
  cap has streamed in;
- within the cap, over the budget together: 40 MB multipart files (not images):
  the budget lets some in (they answer 415) and the rest get 429 + Retry-After.

Per kind it reports the answers and the peak RSS growth over the idle baseline,
the ratio of that growth to the budget (the figure to keep under 1), and, side by
side, the growth of the same server with the budget out of the way.
Writes bench/results/upload_memory.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import RESULTS as RESULTS_DIR
from bench.server import ServerProcess

RESULTS = RESULTS_DIR / "upload_memory.json"
MIB = 1024 * 1024
UPLOAD_MB = 50
CHUNK_BYTES = 256 * 1024
SAMPLE_EVERY_S = 0.02
UNBOUNDED_MB = 1_000_000  # the same server with the budget out of the way, for comparison


class RssPeak:
    """The highest RSS of one process while the block runs, sampled on a thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self.process.memory_info().rss)
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def multipart(name: str, data: bytes, field: str = "file") -> tuple[bytes, str]:
    boundary = "docwarden-bench-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


def chunks(body: bytes) -> Iterator[bytes]:
    """A generator body: httpx sends it chunked, without a Content-Length."""
    for start in range(0, len(body), CHUNK_BYTES):
        yield body[start:start + CHUNK_BYTES]


Request = Callable[[httpx.Client], httpx.Response]


def kinds() -> dict[str, tuple[str, Request]]:
    """Each kind: (what it shows, one request)."""
    big = b"\0" * (60 * MIB)
    form, form_type = multipart("big.png", big)
    batch_form, _ = multipart("big.png", big, field="files")
    blob = json.dumps({"image_base64": base64.b64encode(big).decode()}).encode()
    within, _ = multipart("within.bin", b"\1" * (40 * MIB))
    as_json = {"content-type": "application/json"}
    return {
        "multipart 60 MB, declared": ("413 unread", lambda c: c.post(
            "/v1/ocr", content=form, headers={"content-type": form_type})),
        "JSON 60 MB to batch, declared": ("413 unread", lambda c: c.post(
            "/v1/ocr/batch", content=blob, headers=as_json)),
        "multipart 60 MB to batch, chunked": ("413 at the cap", lambda c: c.post(
            "/v1/ocr/batch", content=chunks(batch_form), headers={"content-type": form_type})),
        "JSON 60 MB, chunked": ("413 at the cap", lambda c: c.post(
            "/v1/ocr", content=chunks(blob), headers=as_json)),
        "multipart 40 MB (within the cap)": ("415 or 429 past the budget", lambda c: c.post(
            "/v1/ocr", content=within, headers={"content-type": form_type})),
    }


def answer_label(response: httpx.Response) -> str:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "?"
    retry = " +Retry-After" if "retry-after" in response.headers else ""
    return f"{response.status_code} {code}{retry}"


def send_all(url: str, request: Request, concurrency: int) -> list[str]:
    def one(_: int) -> str:
        with httpx.Client(base_url=url, timeout=120) as client:
            try:
                return answer_label(request(client))
            except httpx.HTTPError as error:  # a server may close a refused upload early
                return f"closed: {type(error).__name__}"

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(concurrency)))


def measure(server: ServerProcess, concurrency: int, budget_mb: float) -> list[dict[str, Any]]:
    process = psutil.Process(server.pid)
    rows = []
    for name, (expected, request) in kinds().items():
        time.sleep(1)  # let the previous kind's buffers go back
        baseline = process.memory_info().rss
        with RssPeak(server.pid) as peak:
            answers = send_all(server.url, request, concurrency)
        growth_mb = max(peak.peak_bytes - baseline, 0) / MIB
        rows.append({"kind": name, "expected": expected, "answers": dict(Counter(answers)),
                     "baseline_mb": round(baseline / MIB, 1),
                     "peak_growth_mb": round(growth_mb, 1),
                     "growth_over_budget": round(growth_mb / budget_mb, 3)})
    return rows


def run_server(budget_mb: float, concurrency: int) -> list[dict[str, Any]]:
    settings = {"ENGINES": "ocr", "WORKERS": "1", "MAX_UPLOAD_MB": str(UPLOAD_MB),
                "MAX_BUFFERED_UPLOAD_MB": str(budget_mb), "QUEUE_SIZE": "64", "COMPAT": ""}
    with tempfile.TemporaryDirectory(prefix="docwarden-upload-") as workdir:
        server = ServerProcess(settings, Path(workdir))
        try:
            server.wait_ready()
            return measure(server, concurrency, budget_mb)
        finally:
            server.stop()


def markdown(report: dict[str, Any]) -> str:
    lines = [f"## upload memory: {report['concurrency']} concurrent requests per kind, "
             f"budget {report['budget_mb']} MB, cap {UPLOAD_MB} MB", "",
             "| kind | answers | API RSS growth (MB) | growth / budget | without the budget "
             "(MB) |", "|---|---|---|---|---|"]
    for row, free in zip(report["kinds"], report["unbudgeted"], strict=True):
        answers = ", ".join(f"{n} x {label}" for label, n in row["answers"].items())
        lines.append(f"| {row['kind']} | {answers} | {row['peak_growth_mb']} | "
                     f"{row['growth_over_budget']} | {free['peak_growth_mb']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--budget-mb", type=float, default=512)
    args = parser.parse_args()
    rows = run_server(args.budget_mb, args.concurrency)
    unbudgeted = run_server(UNBOUNDED_MB, args.concurrency)
    report = {"bench": "upload_memory", "concurrency": args.concurrency,
              "budget_mb": args.budget_mb, "upload_cap_mb": UPLOAD_MB, "kinds": rows,
              "unbudgeted": unbudgeted,
              "machine": {"cpus": psutil.cpu_count(), "python": platform.python_version()}}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    print(f"\nreport: {RESULTS}")


if __name__ == "__main__":
    main()
