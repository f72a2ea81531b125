"""docwarden's comparative benchmark: the governed server vs bare serving layouts.

    .venv/bin/python -m bench.compare.run            # the reported run (~7 min on 2 cores)
    .venv/bin/python -m bench.compare.run --quick    # smoke check, small counts (~3 min)
    .venv/bin/python -m bench.compare.run --only dispatch,overload

Measures in one run, on this machine, each side started as a server
subprocess on a free loopback port: (1) dispatch overhead, (2) OCR
throughput at concurrency 1/2/4, (3) service memory by layout, (4) recovery
from a hung job and a killed worker, (5) the cost of recycling, (6) the 429
answer time under overload.  Writes bench/results/tmp/run_<timestamp>.json; a
full default run (no --quick, no --only) also writes run_latest.json and
run_latest.md (the table the README includes).  Every server is stopped at
the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
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
from bench.compare import chaos_scenarios, ocr_scenarios, report, throughput
from bench.compare.context import Bench, Counts, image_paths
from bench.compare.procs import Fleet, orphans
from bench.compare.servers import Launcher

RESULTS_DIR = RESULTS
Scenario = Callable[[Bench], dict[str, Any]]
SCENARIOS: dict[str, Scenario] = {
    "dispatch": chaos_scenarios.dispatch_overhead,
    "throughput": throughput.throughput,
    "memory": ocr_scenarios.memory,
    "hang_timeout": chaos_scenarios.hang_timeout,
    "worker_death": ocr_scenarios.worker_death,
    "recycling": ocr_scenarios.recycling,
    "overload": chaos_scenarios.overload,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke check")
    parser.add_argument("--only", default="", help="comma-separated scenarios: "
                        + ", ".join(SCENARIOS))
    args = parser.parse_args(argv)
    unknown = set(filter(None, args.only.split(","))) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


def command_line(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python -m bench.compare.run"]
    if args.quick:
        parts.append("--quick")
    if args.only:
        parts.append(f"--only {args.only}")
    return " ".join(parts)


def _stop_on_term(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)  # unwinds through the finally blocks that stop the servers


def run_scenarios(bench: Bench, names: list[str], suffix: str) -> dict[str, Any]:
    """Each scenario on its own: one that fails is recorded, the others still run."""
    results: dict[str, Any] = {}
    for name in names:
        started, load_before = time.monotonic(), os.getloadavg()[0]
        print(f"== {name} ...", flush=True)
        try:
            result = SCENARIOS[name](bench)
        except Exception as error:
            traceback.print_exc()
            result = {"error": f"{type(error).__name__}: {error}"}
        result["duration_s"] = round(time.monotonic() - started, 1)
        result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        results[name] = result
        for row in report.rows_of(name, result):
            print(f"   {row[0]}: {row[1]} | {row[2]} | {row[3]}  [{suffix}]", flush=True)
    return results


def write_results(results: dict[str, Any], latest: bool) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2) + "\n"
    path = RESULTS_DIR / "tmp" / f"run_{results['stamp']}.json"  # not committed
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if latest:
        (RESULTS_DIR / "run_latest.json").write_text(text)
        (RESULTS_DIR / "run_latest.md").write_text(report.markdown(results))
    return path


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    names = [n for n in SCENARIOS if not args.only or n in args.only.split(",")]
    info, command = report.machine(), command_line(args)
    results: dict[str, Any] = {"stamp": report.stamp(), "command": command, "machine": info,
                               "started_at": time.strftime("%Y-%m-%d %H:%M"),
                               "counts": vars(Counts.quick() if args.quick else Counts.full())}
    signal.signal(signal.SIGTERM, _stop_on_term)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="docwarden-bench-") as tmp:
        fleet = Fleet(Path(tmp))
        try:
            bench = Bench(Launcher(fleet, Path(tmp)), Counts.quick() if args.quick
                          else Counts.full(), tuple(image_paths(args.quick)), Path(tmp))
            results["scenarios"] = run_scenarios(bench, names, report.where(info, command))
        finally:
            fleet.close()
            results["orphans_after_stop"] = orphans(Path(tmp))
    results["duration_s"] = round(time.monotonic() - started, 1)
    path = write_results(results, latest=not args.quick and not args.only)
    print("\n" + report.markdown(results))
    print(f"results: {path}")
    failed = [name for name, r in results["scenarios"].items() if "error" in r]
    if results["orphans_after_stop"]:
        print(f"processes left running: {results['orphans_after_stop']}")
    return 1 if failed or results["orphans_after_stop"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
