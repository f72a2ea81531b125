"""Two commits of docwarden side by side in one run: did a change cost anything?

    .venv/bin/python -m bench.compare.versions OLD_COMMIT [NEW_COMMIT] [--rounds 5]

NEW defaults to the working tree.  Each side is `docwarden serve` (ocr + chaos,
default settings) run from its own source tree (OLD from a temporary `git
worktree`, imported through PYTHONPATH with this environment's dependencies).
Rounds alternate which side goes first, so the host's drift hits both; per
round: the p50 of sequential trivial requests on a kept-alive connection (the
chaos engine's echo: API and dispatch overhead) and OCR throughput over the
shared test images at concurrency 2, then the RSS of each server's process
tree.  Prints medians and NEW/OLD ratios and
writes bench/results/versions_latest.json.  Ratios within a few per cent are
noise on a shared box; the raw rounds are in the JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import RESULTS, ROOT
from bench.compare.context import image_paths
from bench.compare.procs import Fleet, Server, tree_rss_bytes
from bench.compare.servers import Launcher
from bench.compare.stats import median, percentile, ratio, rotated, rounded
from bench.compare.workloads import connected, ocr_http, sequential

ECHO_REQUESTS = 200
OCR_CONCURRENCY = 2
SETTINGS = {"engines": "ocr,chaos", "enable_chaos": "1", "log_level": "WARNING"}


@contextmanager
def checkout(commit: str | None, tmp: Path) -> Iterator[Path]:
    """The source root of `commit` (a temporary worktree), or this tree for None."""
    if commit is None:
        yield ROOT
        return
    where = tmp / f"tree-{commit[:12]}"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(where),
                    commit], check=True)
    try:
        yield where
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],
                       check=False)


def serves_from(src: Path) -> str:
    """Where `import docwarden` resolves with src first on PYTHONPATH (must be src)."""
    found = subprocess.run([sys.executable, "-c", "import docwarden; print(docwarden.__file__)"],
                           env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                           capture_output=True, text=True, check=True).stdout.strip()
    if not found.startswith(str(src)):
        raise RuntimeError(f"PYTHONPATH={src} still imports docwarden from {found}")
    return found


def one_round(server: Server, images: list[tuple[str, bytes]]) -> dict[str, float]:
    with connected(server.url, OCR_CONCURRENCY) as clients:
        echo = sequential(clients[0], "/v1/chaos", {"echo": 1}, ECHO_REQUESTS)
        ocr = ocr_http(clients, images, 1)
    if ocr.failures:
        raise RuntimeError(f"{ocr.failures} OCR requests failed: {dict(ocr.statuses)}")
    return {"echo_p50_ms": percentile(echo, 0.5) * 1000,
            "ocr_jobs_per_s": ocr.jobs / ocr.elapsed_s,
            "tree_rss_mb": tree_rss_bytes(server.pid) / 2**20}


def measure(servers: dict[str, Server], rounds: int) -> dict[str, list[dict[str, float]]]:
    images = [(path.name, path.read_bytes()) for path in image_paths()]
    for server in servers.values():  # warm-up: every model loaded, every path taken once
        one_round(server, images)
    done: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    for index in range(rounds):
        for name in rotated(list(servers), index):
            done[name].append(one_round(servers[name], images))
        print(f"round {index + 1}/{rounds}: " + "; ".join(
            f"{n} echo {r[-1]['echo_p50_ms']:.2f} ms, ocr {r[-1]['ocr_jobs_per_s']:.2f}/s"
            for n, r in done.items()), flush=True)
    return done


def summary(done: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    """Medians over rounds (RSS is sampled after each round: recycling moves it)."""
    medians = {name: {key: rounded(median([r[key] for r in rounds]))
                      for key in rounds[0]} for name, rounds in done.items()}
    ratios = {key: rounded(ratio(medians["new"][key] or 0, medians["old"][key] or 0))
              for key in medians["new"]}
    return {"medians": medians, "new_over_old": ratios}


def run(old: str, new: str | None, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-versions-") as tmp_name:
        tmp = Path(tmp_name)
        fleet = Fleet(tmp)
        launcher = Launcher(fleet, tmp)
        try:
            with checkout(old, tmp) as old_root, checkout(new, tmp) as new_root:
                servers = {}
                for name, root in (("old", old_root), ("new", new_root)):
                    serves_from(root / "src")
                    servers[name] = launcher.docwarden(
                        name, extra_env={"PYTHONPATH": str(root / "src")}, **SETTINGS)
                done = measure(servers, rounds)
        finally:
            fleet.close()
    return {"old": old, "new": new or "working tree", "rounds": done, **summary(done)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="the commit to compare against")
    parser.add_argument("new", nargs="?", help="the newer commit (default: the working tree)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    started = time.monotonic()
    report = run(args.old, args.new, args.rounds)
    report["took_s"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "versions_latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("old", "new", "medians", "new_over_old")},
                     indent=2))


if __name__ == "__main__":
    main()
