"""The client side: the same requests, sent the same way, to every server compared."""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

REQUEST_TIMEOUT_S = 120.0
BARE_LOOP = Path(__file__).resolve().parent / "bare_loop.py"


@dataclass
class HttpRun:
    """What one workload saw: wall time, status counts, per-request latencies."""

    elapsed_s: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)

    @property
    def jobs(self) -> int:
        return sum(self.statuses.values())

    @property
    def failures(self) -> int:
        return self.jobs - self.statuses.get(200, 0)


def sequential(client: httpx.Client, path: str, body: dict[str, Any], count: int) -> list[float]:
    """Latency of `count` requests sent one after another on one keep-alive connection."""
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.post(path, json=body)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    return latencies


@contextlib.contextmanager
def connected(url: str, count: int) -> Iterator[list[httpx.Client]]:
    """`count` keep-alive clients, each connected before the caller times anything.

    Building an httpx.Client costs ~30 ms of CPU (its TLS context) and a
    connection a TCP handshake: paid inside a timed round, they were charged
    to the server measured, on the same cores as the work.
    """
    clients = [httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) for _ in range(count)]
    try:
        for client in clients:
            client.get("/ready")
        yield clients
    finally:
        for client in clients:
            client.close()


def ocr_http(clients: list[httpx.Client], images: list[tuple[str, bytes]],
             passes: int) -> HttpRun:
    """Every image `passes` times through POST /v1/ocr, one request per client at a time."""
    pending: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
    for item in images * passes:
        pending.put(item)
    run = HttpRun()
    lock = threading.Lock()

    def work(client: httpx.Client) -> None:
        while True:
            try:
                name, data = pending.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                status = client.post("/v1/ocr", files={"file": (name, data)}).status_code
            except httpx.HTTPError:
                status = 0  # connection reset or timeout: a failed request
            with lock:
                run.latencies_s.append(time.perf_counter() - started)
                run.statuses[status] += 1

    run.elapsed_s = _in_threads(work, clients)
    return run


def ocr_http_once(url: str, images: list[tuple[str, bytes]], passes: int,
                  concurrency: int) -> HttpRun:
    """ocr_http on clients made for this one run (where no round is timed against another)."""
    with connected(url, concurrency) as clients:
        return ocr_http(clients, images, passes)


def burst(url: str, path: str, bodies: list[dict[str, Any]],
          in_flight: int) -> list[tuple[int, float, str | None]]:
    """All bodies, `in_flight` threads each sending its share back to back on its own
    keep-alive connection: status, answer time and Retry-After of each request."""
    pending: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
    for body in bodies:
        pending.put(body)
    answers: list[tuple[int, float, str | None]] = []
    lock = threading.Lock()

    def work(client: httpx.Client) -> None:
        while True:
            try:
                body = pending.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            response = client.post(path, json=body)
            answer = (response.status_code, time.perf_counter() - started,
                      response.headers.get("retry-after"))
            with lock:
                answers.append(answer)

    with connected(url, in_flight) as clients:  # the burst times answers, not handshakes
        _in_threads(work, clients)
    return answers


def _in_threads(work: Callable[[httpx.Client], None], clients: list[httpx.Client]) -> float:
    """`work(client)` in one thread per client; the wall time until all have returned."""
    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


class BareLoop:
    """The bare_loop.py subprocess: one loaded OcrEngine driven by JSON lines on stdin."""

    def __init__(self, images: list[Path], env: dict[str, str]) -> None:
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, str(BARE_LOOP), *map(str, images)], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.loaded = self._answer()
        self.loaded["wall_s"] = time.perf_counter() - started

    def _answer(self) -> dict[str, Any]:
        stdout: IO[str] | None = self.process.stdout
        line = stdout.readline() if stdout else ""
        if not line:
            raise RuntimeError(f"bare_loop.py ended (exit code {self.process.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, threads: int, passes: int) -> dict[str, Any]:
        stdin = self.process.stdin
        if stdin is None:
            raise RuntimeError("bare_loop.py has no stdin")
        stdin.write(json.dumps({"threads": threads, "passes": passes}) + "\n")
        stdin.flush()
        return self._answer()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> BareLoop:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def bare_load_timings(env: dict[str, str]) -> dict[str, float]:
    """Interpreter start + imports + OcrEngine.load() in a fresh process, as a worker spawn."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(BARE_LOOP), "--load-only"], env=env, check=True,
                          capture_output=True, text=True, timeout=120)
    wall_s = time.perf_counter() - started
    timings: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    timings["wall_s"] = wall_s
    return timings
