"""The bare engine in one process: OcrEngine loaded once, N threads share it.

Started by the benchmark as a subprocess (with the same allocator and thread
variables docwarden gives its workers) so that it runs in a fresh interpreter:

    python bench/compare/bare_loop.py IMAGE...          # then JSON commands on stdin
    python bench/compare/bare_loop.py --load-only       # print load timings, exit

Prints one JSON line when loaded (`import_s`, `load_s`), then answers each
stdin line `{"threads": N, "passes": P}` with one JSON line: the images run
P times over by N threads pulling from one shared queue, and the wall time.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any

STARTED_AT = time.perf_counter()

from docwarden.engines.base import Engine, JobInput  # noqa: E402
from docwarden.engines.ocr.engine import OcrEngine  # noqa: E402
from docwarden.settings import Settings  # noqa: E402


def run_jobs(engine: Engine, jobs: list[bytes], threads: int) -> dict[str, Any]:
    """Every job once, `threads` at a time; wall time and failures."""
    pending: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    for data in jobs:
        pending.put(data)
    failures: list[str] = []

    def work() -> None:
        while True:
            try:
                data = pending.get_nowait()
            except queue.Empty:
                return
            try:
                engine.run(JobInput(data=data))
            except Exception as error:  # counted and reported, never hidden
                failures.append(repr(error))

    started = time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"jobs": len(jobs), "elapsed_s": time.perf_counter() - started,
            "failures": len(failures), "errors": failures[:3]}


def main(argv: list[str]) -> None:
    imported_s = time.perf_counter() - STARTED_AT
    engine = OcrEngine(Settings())
    started = time.perf_counter()
    engine.load()
    print(json.dumps({"import_s": imported_s, "load_s": time.perf_counter() - started}),
          flush=True)
    if argv[:1] == ["--load-only"]:
        return
    images = [Path(name).read_bytes() for name in argv]
    for line in sys.stdin:
        command = json.loads(line)
        jobs = images * int(command["passes"])
        print(json.dumps(run_jobs(engine, jobs, int(command["threads"]))), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
