"""docwarden side by side with LitServe and Ray Serve, in one run on this machine.

    pip install -e '.[test,bench-peers]'                 # the peers are bench-only
    python -m bench.compare.peers            # the reported run (~15 min on 2 cores)
    python -m bench.compare.peers --quick    # smoke check: small counts, fewer rounds
    python -m bench.compare.peers --only failures --scenarios hang,segfault --peers litserve

Three parts, each server a subprocess on a free 127.0.0.1 port: (1) the same
OCR engine (docwarden's OcrEngine, its thread and allocator variables) served
by docwarden, LitServe and Ray Serve, two slots each, at concurrency 1/2/4;
(2) the seeds' failures (leak, spike, hang, segfault, a repeated crashing
input, a burst of 4x capacity) on each; (3) docwarden's overhead over a bare
route, with kept-alive and with new connections. A peer that is not installed
is skipped with a message. A full run (no --quick, --only, --scenarios or
--peers) writes bench/results/peers_latest.json and .md. Every server is
stopped at the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from bench import RESULTS
from bench.compare import peer_report, report
from bench.compare.context import Bench, Counts, image_paths
from bench.compare.peer_failures import SCENARIOS, peer_failures
from bench.compare.peer_overhead import overhead
from bench.compare.peer_throughput import PEERS, missing_peers, peer_throughput
from bench.compare.peer_verdicts import failure_goal, throughput_goal
from bench.compare.procs import Fleet, orphans
from bench.compare.servers import Launcher

RESULTS_DIR = RESULTS
PARTIAL_RESULTS = Path(tempfile.gettempdir()) / "docwarden_peers_partial.json"  # not kept
PARTS = ("throughput", "failures", "overhead")
VERSIONED = ("docwarden", "litserve", "ray", "fastapi", "uvicorn", "onnxruntime", "rapidocr")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke check")
    parser.add_argument("--only", default="", help="parts: " + ", ".join(PARTS))
    parser.add_argument("--scenarios", default="", help="failures: " + ", ".join(SCENARIOS))
    parser.add_argument("--peers", default=",".join(PEERS), help="peers to compare with")
    parser.add_argument("--docwarden-layout", choices=("per-slot", "shared"),
                        default="per-slot", help="throughput: one model copy per slot (the "
                        "planner's layout), or one worker whose threads share one model")
    args = parser.parse_args(argv)
    for option, known in (("only", PARTS), ("scenarios", SCENARIOS), ("peers", PEERS)):
        unknown = set(filter(None, getattr(args, option).split(","))) - set(known)
        if unknown:
            parser.error(f"unknown --{option}: {', '.join(sorted(unknown))}")
    return args


def counts(quick: bool) -> Counts:
    if quick:
        return dataclasses.replace(Counts.quick(), concurrencies=(1, 4), dispatch_requests=100)
    return dataclasses.replace(Counts.full(), throughput_rounds=5)


def skipped_peers(wanted: str) -> dict[str, str]:
    skipped = missing_peers()
    for peer in PEERS:
        if peer not in wanted.split(",") and peer not in skipped:
            skipped[peer] = "left out by --peers"
    for why in skipped.values():
        print(f"skipping a peer: {why}", flush=True)
    return skipped


def versions() -> str:
    found = []
    for name in VERSIONED:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    return ", ".join(found)


def run_parts(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    skipped = skipped_peers(args.peers)
    only = tuple(filter(None, args.scenarios.split(",")))
    parts: dict[str, Callable[[], dict[str, Any]]] = {
        "throughput": lambda: peer_throughput(bench, skipped,
                                              one_model=args.docwarden_layout == "shared"),
        "failures": lambda: peer_failures(bench, skipped, only),
        "overhead": lambda: overhead(bench)}
    results: dict[str, Any] = {}
    for name, run in parts.items():
        if args.only and name not in args.only.split(","):
            continue
        started = time.monotonic()
        print(f"== {name} ...", flush=True)
        try:
            results[name] = run()
        except Exception as error:
            traceback.print_exc()
            results[name] = {"error": f"{type(error).__name__}: {error}"}
        results[name]["duration_s"] = round(time.monotonic() - started, 1)
    return results


def goals(parts: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if "by_concurrency" in parts.get("throughput", {}):
        found["throughput_and_rss"] = throughput_goal(parts["throughput"]["by_concurrency"])
    if "scenarios" in parts.get("failures", {}):
        found["failures"] = failure_goal(parts["failures"]["scenarios"], "docwarden")
    return found


def _stop_on_term(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)  # unwinds through the finally blocks that stop the servers


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    full = not (args.quick or args.only or args.scenarios or args.peers != ",".join(PEERS)
                or args.docwarden_layout != "per-slot")
    command = "python -m bench.compare.peers " + " ".join(argv)
    results: dict[str, Any] = {"command": command.strip(), "machine": report.machine(),
                               "versions": versions(), "counts": vars(counts(args.quick)),
                               "started_at": time.strftime("%Y-%m-%d %H:%M")}
    signal.signal(signal.SIGTERM, _stop_on_term)
    started, load_before = time.monotonic(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dwpeers-") as tmp:
        fleet = Fleet(Path(tmp))
        try:
            bench = Bench(Launcher(fleet, Path(tmp)), counts(args.quick),
                          tuple(image_paths(args.quick)), Path(tmp))
            results["parts"] = run_parts(bench, args)
        finally:
            fleet.close()
            results["orphans_after_stop"] = orphans(Path(tmp))
    results["duration_s"] = round(time.monotonic() - started, 1)
    results["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    results["goals"] = goals(results["parts"])
    text = peer_report.markdown(results)
    print("\n" + text + "\ngoals: " + json.dumps(results["goals"]))
    path = RESULTS_DIR / "peers_latest.json" if full else PARTIAL_RESULTS
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    if full:
        (RESULTS_DIR / "peers_latest.md").write_text(text)
    print(f"results: {path}")
    failed = [name for name, part in results["parts"].items() if "error" in part]
    return 1 if failed or results["orphans_after_stop"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
