"""How each side of a comparison is started: docwarden itself, and the bare layouts."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.compare.procs import LOOPBACK, Fleet, Server, base_environment, free_port

ROOT = Path(__file__).resolve().parents[2]  # on PYTHONPATH: `bench` is a package there
READY_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Launcher:
    """Starts servers into one fleet; every server gets its own temporary directory."""

    fleet: Fleet
    tmp_dir: Path

    def _private_dir(self, port: int) -> Path:
        path = self.tmp_dir / f"srv-{port}"  # read back by private_dir()
        path.mkdir()
        return path

    def docwarden(self, name: str, extra_env: dict[str, str] | None = None,
                  **settings: Any) -> Server:
        """`docwarden serve` with DOCWARDEN_* settings (chaos enabled when served);
        `extra_env` e.g. PYTHONPATH=<another checkout>/src to serve another commit."""
        port = free_port()
        private = self._private_dir(port)
        env = base_environment(private)
        env.update(extra_env or {})
        env.update({"DOCWARDEN_HOST": LOOPBACK, "DOCWARDEN_PORT": str(port),
                    "DOCWARDEN_DATA_DIR": str(private / "data")})
        env.update({f"DOCWARDEN_{k.upper()}": str(v) for k, v in settings.items()})
        argv = [sys.executable, "-m", "docwarden.cli", "serve"]
        server = self.fleet.start(name, argv, env, port)
        return self._ready(server, "/ready")

    def bare(self, name: str, mode: str, web_workers: int,
             extra_env: dict[str, str] | None = None) -> Server:
        """A bare FastAPI app (bench.compare.bare_app) under uvicorn, like the seed deployments."""
        port = free_port()
        env = base_environment(self._private_dir(port))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT),
                                                          env.get("PYTHONPATH")]))
        env["BENCH_BARE_MODE"] = mode
        env.update(extra_env or {})
        argv = [sys.executable, "-m", "uvicorn", "bench.compare.bare_app:create_app", "--factory",
                "--host", LOOPBACK, "--port", str(port), "--workers", str(web_workers),
                "--no-access-log", "--log-level", "warning"]
        server = self.fleet.start(name, argv, env, port)
        return self._ready(server, "/ready")

    def peer(self, name: str, peer: str, mode: str, slots: int, deadline_s: float,
             extra_env: dict[str, str]) -> Server:
        """LitServe or Ray Serve (bench.compare.peer_litserve / peer_ray) serving docwarden's
        engine in-process; `extra_env` (docwarden's worker variables) reaches its whole tree."""
        port = free_port()
        env = base_environment(self._private_dir(port))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT),
                                                          env.get("PYTHONPATH")]))
        env.update({"RAY_USAGE_STATS_ENABLED": "0", **extra_env})
        argv = [sys.executable, "-m", f"bench.compare.peer_{peer}", mode, str(port), str(slots),
                str(deadline_s)]
        server = self.fleet.start(name, argv, env, port)
        return self._ready(server, "/ready")

    def private_dir(self, server: Server) -> Path:
        """The server's own TMPDIR: every process it leaves behind carries it."""
        return self.tmp_dir / f"srv-{server.port}"

    def _ready(self, server: Server, path: str) -> Server:
        try:
            server.wait_status(path, READY_TIMEOUT_S)
        except BaseException:
            self.fleet.stop(server)
            raise
        return server
