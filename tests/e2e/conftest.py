"""A real `docwarden serve` process on a free loopback port, driven over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

READY_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    tmp_dir: Path

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            return []

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log()[-3000:]}")
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not ready in {timeout_s} s:\n{self.log()[-3000:]}")

    def wait_listening(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/health", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"server not listening:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for child in self.descendants():
            child.kill()


ServerFactory = Callable[..., Server]


def launch(tmp_path: Path, wait: str = "ready", **settings: Any) -> Server:
    """Start `docwarden serve` (chaos enabled) with DOCWARDEN_* settings; TMPDIR private."""
    port = free_port()
    tmp_dir = tmp_path / f"tmp-{port}"
    tmp_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCWARDEN_")}
    env.update({"DOCWARDEN_PORT": str(port), "DOCWARDEN_ENGINES": "chaos",
                "DOCWARDEN_ENABLE_CHAOS": "1", "DOCWARDEN_DATA_DIR": str(tmp_path / "data"),
                "DOCWARDEN_MIN_FREE_MEMORY_MB": "0", "TMPDIR": str(tmp_dir)})
    env.update({f"DOCWARDEN_{k.upper()}": str(v) for k, v in settings.items()})
    log_path = tmp_path / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "docwarden.cli", "serve"], env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log_path, tmp_dir)
    try:
        if wait == "ready":
            server.wait_ready()
        elif wait == "listening":
            server.wait_listening()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[ServerFactory]:
    servers: list[Server] = []

    def factory(wait: str = "ready", **settings: Any) -> Server:
        server = launch(tmp_path, wait, **settings)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The DESIGN.md error shape, exactly."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert {"code", "message", "retryable"} <= set(error), error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["retryable"], bool)
    return error
