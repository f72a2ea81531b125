"""`docwarden serve` under test, and its process tree's RSS: shared by the benchmarks that
drive the real server (bench.chaos.load, bench.memory.soak, bench.memory.upload,
bench.compare.celery_overhead).

Each server runs on a free loopback port with its own data dir and TMPDIR, and carries a
marker variable that every descendant inherits, so leftovers can be found once it stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from bench.compare.procs import MIB, free_port, tree

__all__ = ["MARKER", "MIB", "SAMPLE_EVERY_S", "ServerProcess", "TreeSampler"]

MARKER = "BENCH_RUN_MARKER"
SAMPLE_EVERY_S = 0.2


class ServerProcess:
    """`docwarden serve` on a free loopback port with its own data dir, TMPDIR and marker."""

    def __init__(self, settings: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.marker = uuid.uuid4().hex
        self.log_path = workdir / "server.log"
        (workdir / "tmp").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCWARDEN_")}
        env.update({f"DOCWARDEN_{k}": v for k, v in settings.items()})
        env.update({"DOCWARDEN_HOST": "127.0.0.1", "DOCWARDEN_PORT": str(self.port),
                    "DOCWARDEN_DATA_DIR": str(workdir / "data"), "TMPDIR": str(workdir / "tmp"),
                    MARKER: self.marker})
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "docwarden.cli", "serve"],
                                            env=env, stdout=log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid

    def wait_ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited early; see {self.log_path}")
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"server not ready in {timeout_s} s; see {self.log_path}")

    def stop(self, timeout_s: float = 60) -> int | None:
        """SIGTERM, as an operator would; the exit status (None: had to be SIGKILLed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def survivors(self, seen: dict[int, float]) -> list[int]:
        """Live processes that inherited this run's marker (every descendant of the server
        does) or that were seen in its tree (same pid and start time): orphans once it is
        gone."""
        alive = set()
        for process in psutil.process_iter():
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    continue
                if seen.get(process.pid) == process.create_time() or \
                        process.environ().get(MARKER) == self.marker:
                    alive.add(process.pid)
            except psutil.Error:
                continue
        return sorted(alive)


@dataclass
class TreeSampler:
    """RSS of the server's process tree every 0.2 s; every pid seen, for the orphan check."""

    pid: int
    interval_s: float = SAMPLE_EVERY_S
    samples: int = 0
    peak_tree_bytes: int = 0
    peak_parent_bytes: int = 0
    peak_child_bytes: int = 0
    last_tree_bytes: int = 0
    seen: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval_s):
            self.sample()

    def sample(self) -> dict[int, int]:
        """RSS by pid of the server (first) and its descendants; peaks updated."""
        family = tree(self.pid)
        if not family:
            return {}
        sizes: dict[int, int] = {}
        for process in family:
            try:
                sizes[process.pid] = process.memory_info().rss
                self.seen.setdefault(process.pid, process.create_time())
            except psutil.Error:
                continue
        parent = sizes.get(self.pid, 0)
        self.last_tree_bytes = sum(sizes.values())
        self.peak_tree_bytes = max(self.peak_tree_bytes, self.last_tree_bytes)
        self.peak_parent_bytes = max(self.peak_parent_bytes, parent)
        children = [rss for pid, rss in sizes.items() if pid != self.pid]
        self.peak_child_bytes = max([self.peak_child_bytes, *children])
        self.samples += 1
        return sizes
