"""Server subprocesses on free loopback ports, their process trees, and their memory.

Every server is started through a `Fleet`, which stops all of them (TERM,
then KILL of every descendant seen) when the benchmark ends, fails or is
interrupted: no orphan keeps a model loaded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

LOOPBACK = "127.0.0.1"
MIB = 1024 * 1024
STOP_WAIT_S = 20.0
MAX_SERVERS = 24  # bound: a bug in a scenario must not start servers without end


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def tree(pid: int) -> list[psutil.Process]:
    """A process and all its descendants (empty when it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def tree_rss_bytes(pid: int) -> int:
    total = 0
    for process in tree(pid):
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def tree_pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them."""
    total = 0
    for process in tree(pid):
        with contextlib.suppress(psutil.Error):
            total += process.memory_full_info().pss
    return total


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process tree, reaped children included."""
    total = 0.0
    for process in tree(pid):
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


def own_cpu_s(pid: int) -> float:
    """CPU seconds of one process alone (its threads, not its children); 0 once gone."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    seen: list[psutil.Process] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def remember_tree(self) -> None:
        """Keep handles on every descendant, so the stop can reach re-parented ones."""
        known = {p.pid for p in self.seen}
        self.seen.extend(p for p in tree(self.pid)[1:] if p.pid not in known)

    def wait_status(self, path: str, timeout_s: float, status: int = 200) -> float:
        """Poll `path` until it answers `status`; returns the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + path, timeout=5).status_code == status:
                    self.remember_tree()
                    return time.monotonic() - started
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: {path} not {status} in {timeout_s} s:\n{self.log_tail()}")

    def stop(self) -> None:
        self.remember_tree()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for process in self.seen:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(self.seen, timeout=5)


class Fleet:
    """Starts servers (bounded count) and stops every one of them on close."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started = 0
        self.running: list[Server] = []
        self._lock = threading.Lock()

    def start(self, name: str, argv: list[str], env: dict[str, str], port: int) -> Server:
        with self._lock:
            if self.started >= MAX_SERVERS:
                raise RuntimeError(f"more than {MAX_SERVERS} servers in one run: a bench bug")
            self.started += 1
            log_path = self.log_dir / f"{self.started:02d}-{name}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL)
            server = Server(name, process, port, log_path)
            self.running.append(server)
            return server

    def stop(self, server: Server) -> None:
        server.stop()
        with self._lock:
            if server in self.running:
                self.running.remove(server)

    def close(self) -> None:
        for server in list(self.running):
            self.stop(server)


def orphans(tmp_dir: Path, wait_s: float = 5.0) -> list[int]:
    """Pids of processes still running with a TMPDIR inside this run's directory."""
    prefix = str(tmp_dir)
    deadline = time.monotonic() + wait_s
    while True:
        found = []
        for process in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if process.pid != os.getpid() and process.environ().get(
                        "TMPDIR", "").startswith(prefix):
                    found.append(process.pid)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def base_environment(tmp_dir: Path) -> dict[str, str]:
    """The benchmark's own environment minus DOCWARDEN_* settings, with a private TMPDIR."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCWARDEN_")}
    env["TMPDIR"] = str(tmp_dir)
    return env


class RssSampler:
    """Peak tree RSS of a server, sampled from a thread while a workload runs."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_bytes = 0
        self.max_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.pid))
            self.max_processes = max(self.max_processes, len(tree(self.pid)))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
