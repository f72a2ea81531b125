"""docwarden's benchmarks, grouped by kind; run each as a module from the repository root:

    .venv/bin/python -m bench.accuracy                 # OCR, ID-card and PDF accuracy
    .venv/bin/python -m bench.accuracy.ocr --help      # one benchmark
    .venv/bin/python -m bench.memory --only sizes
    .venv/bin/python -m bench.compare.run --quick
    .venv/bin/python -m bench.chaos.load --jobs 2000 --kills 20

- accuracy/: quality against references: ocr, idcard, plugin (tesseract), enhance
  (PSNR/SSIM, and its peak RSS by size); `python -m bench.accuracy` runs the suite.
- memory/: RSS under load: ocr (allocator options), batch (the client), upload (the
  API process), soak (a long real-OCR run); `python -m bench.memory` runs the suite.
- compare/: docwarden side by side: run (bare serving layouts), peers (LitServe, Ray
  Serve), celery_overhead (celery mode vs local), profile_api (the API's CPU per
  request), and the helpers they share.
- chaos/: load (hostile jobs and SIGKILLed workers against the real server).
- server.py: `docwarden serve` under test and its process-tree RSS (chaos, memory, compare).

Run from the root, `bench` and `tests` are both packages on the path, so the
benchmarks import the test helpers (`tests.textmetrics`, `tests.cardgen`,
`tests.scriptgen`, `tests.conftest_redis`) like the tests do, without touching
sys.path. Results go to bench/results/ (the latest run of each is committed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def module_command(module: str, *args: str) -> list[str]:
    """`python -m MODULE ARGS` with this interpreter; run it with cwd=ROOT."""
    return [sys.executable, "-m", module, *args]


def run_modules(modules: dict[str, list[str]], only: str | None) -> None:
    """Each benchmark (or just `only`) in its own interpreter, stopping at a failure.

    `modules` maps a name to `[module, *args]`, e.g. `["bench.accuracy.ocr"]`.
    """
    for name, (module, *args) in modules.items():
        if only in (None, name):
            print(f"== {name}: python -m {' '.join([module, *args])}", flush=True)
            subprocess.run(module_command(module, *args), cwd=ROOT, check=True)
