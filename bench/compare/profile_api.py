"""Where docwarden's API process spends its CPU per request: py-spy on the live server.

    python -m bench.compare.profile_api [--seconds 15]     # needs py-spy (installed by bench-peers)

Two loads, each on its own docwarden server (1 worker, on 127.0.0.1): the
trivial chaos job (`sleep_s: 0`, JSON) with a new connection per request,
and a small OCR upload (multipart) on a kept-alive connection. py-spy samples
the API process (on-CPU samples only, all threads, without pausing it); the
stacks are folded into categories (multipart parsing, hashing, pipe I/O, the
supervisor hop, ...) and leaf functions, each as ms of CPU per request.
Prints a JSON report and writes it to $TMPDIR/docwarden_api_profile.json (a run is
kept in bench/results/api_profile.json).  Samples whose leaf is a select/poll wait
are counted apart (`waiting_ms_per_request`): py-spy --nonblocking cannot tell them
from running code.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.compare.chaos_scenarios import CHAOS
from bench.compare.context import IMAGE_DIR
from bench.compare.peer_overhead import client_for
from bench.compare.procs import Fleet, Server
from bench.compare.servers import Launcher

RATE_HZ = 400
# Inclusive: a sample counts for every category one of its frames matches (they overlap).
CATEGORIES = {
    "multipart parsing": ("multipart", "formparsers"),
    "JSON parse/render": ("json/", "JSONResponse", "render ("),
    "pydantic validation/serialization": ("pydantic",),
    "hashing": ("hashlib", "digest", "sha256"),
    "pipe I/O to the worker (send/recv, pickle)": ("multiprocessing/connection.py", "pickle"),
    "supervisor + dispatch": ("docwarden/supervisor/", "docwarden/dispatch"),
    "admission + input guards": ("docwarden/admission", "docwarden/api/limits",
                                 "docwarden/api/uploads"),
    "docwarden routes, auth, errors": ("docwarden/api/",),
    "metrics + logging": ("prometheus_client", "logging/", "docwarden/monitoring"),
    "thread hops (anyio, executors, call_soon_threadsafe)": (
        "anyio/", "concurrent/futures", "call_soon_threadsafe", "run_in_executor"),
    "uvicorn HTTP protocol": ("uvicorn/protocols", "h11", "httptools"),
    "starlette/fastapi routing + middleware": ("starlette/", "fastapi/"),
    "asyncio event loop": ("asyncio/",),
}


WAITING_LEAVES = (".select (selectors.py", "wait (multiprocessing/connection.py",
                  "_poll (multiprocessing/connection.py")


def parse_collapsed(text: str) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) output: `frame;frame;... count` per line, root first."""
    stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def fold(stacks: list[tuple[list[str], int]], requests: int,
         rate_hz: int = RATE_HZ) -> dict[str, Any]:
    """Samples -> ms of CPU per request, by category (inclusive) and by leaf (self)."""
    per_request_ms = 1000.0 / rate_hz / max(requests, 1)
    categories: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    waiting = 0
    for frames, count in stacks:
        # py-spy --nonblocking cannot always tell a thread blocked in select from one
        # running: those samples are waiting for the network or a worker, not CPU.
        if not frames or any(needle in frames[-1] for needle in WAITING_LEAVES):
            waiting += count
            continue
        total += count
        leaves[frames[-1]] += count
        for name, needles in CATEGORIES.items():
            if any(needle in frame for frame in frames for needle in needles):
                categories[name] += count
    return {"samples": total, "requests": requests,
            "cpu_ms_per_request": round(total * per_request_ms, 3),
            "waiting_ms_per_request": round(waiting * per_request_ms, 3),
            "categories_ms": {k: round(v * per_request_ms, 3)
                              for k, v in categories.most_common()},
            "top_leaves_ms": {k: round(v * per_request_ms, 3)
                              for k, v in leaves.most_common(15)}}


def _drive(server: Server, style: str, ocr: bytes | None, stop: threading.Event) -> int:
    sent = 0
    with client_for(server.url, style) as client:
        while not stop.is_set():
            if ocr is None:
                client.post("/v1/chaos", json={"sleep_s": 0})
            else:
                client.post("/v1/ocr", files={"file": ("text_rec.jpg", ocr)})
            sent += 1
    return sent


def profile(server: Server, style: str, ocr: bytes | None, seconds: float,
            out: Path) -> dict[str, Any]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    recorder = subprocess.Popen([spy, "record", "--pid", str(server.pid), "--rate",
                                 str(RATE_HZ), "--duration", str(int(seconds)), "--format",
                                 "raw", "--nonblocking", "--threads", "--output", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # py-spy attached before the first timed request
    stop = threading.Event()
    timer = threading.Timer(seconds - 1.5, stop.set)
    timer.start()
    sent = _drive(server, style, ocr, stop)
    _, err = recorder.communicate(timeout=seconds + 30)
    if recorder.returncode != 0:
        raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
    stacks = [(f[1:] if f and f[0].startswith("thread") else f, c)  # drop the thread frame
              for f, c in parse_collapsed(out.read_text())]
    return {"style": style, "job": "ocr multipart" if ocr else "chaos sleep_s 0 (JSON)",
            **fold(stacks, sent)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    image = (IMAGE_DIR / "text_rec.jpg").read_bytes()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="dwprof-") as tmp:
        fleet = Fleet(Path(tmp))
        launcher = Launcher(fleet, Path(tmp))
        try:
            for name, (settings, style, ocr) in {
                "chaos_new_connection": (CHAOS, "new_connection", None),
                "chaos_keepalive": (CHAOS, "keepalive", None),
                "ocr_keepalive": ({**CHAOS, "engines": "ocr"}, "keepalive", image),
            }.items():
                server = launcher.docwarden(f"profile-{name}", **settings)
                try:
                    results[name] = profile(server, style, ocr, args.seconds,
                                            Path(tmp) / f"{name}.txt")
                finally:
                    fleet.stop(server)
        finally:
            fleet.close()
    text = json.dumps(results, indent=2)
    (Path(tempfile.gettempdir()) / "docwarden_api_profile.json").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
