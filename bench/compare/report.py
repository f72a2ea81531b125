"""Machine facts and the Markdown table: every figure with where and how it was measured."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psutil

from bench.compare.context import ROOT

GIB = 1024**3
Row = tuple[str, str, str, str, str]  # figure, docwarden, baseline, comparison, goal
HEADER: Row = ("figure", "docwarden", "baseline", "comparison", "goal")


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    return {"logical_cores": psutil.cpu_count(), "physical_cores": psutil.cpu_count(logical=False),
            "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "platform": platform.platform(),
            "docwarden": importlib.metadata.version("docwarden"),
            "onnxruntime": importlib.metadata.version("onnxruntime"),
            "git_commit": _git("rev-parse", "--short", "HEAD"),
            "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no"))}


def where(info: dict[str, Any], command: str) -> str:
    return (f"{info['logical_cores']} cores, {info['memory_gib']} GiB; "
            f"reproduce: {command}")


def _ms(summary: dict[str, Any], key: str) -> str:
    return f"{summary[key]:.2f} ms"


def dispatch_rows(r: dict[str, Any]) -> list[Row]:
    s = r["summaries"]
    rows: list[Row] = []
    for key, label in (("p50_ms", "p50"), ("p99_ms", "p99")):
        rows.append((f"1. dispatch overhead, chaos sleep 0, {label} ({s['docwarden']['n']} seq.)",
                     _ms(s["docwarden"], key),
                     f"{_ms(s['bare_async'], key)} async route / "
                     f"{_ms(s['bare_sync'], key)} sync route",
                     f"{r['extra_ms_vs_bare_async'][key]:+.2f} / "
                     f"{r['extra_ms_vs_bare_sync'][key]:+.2f} ms", ""))
    return rows


def throughput_rows(r: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for key, data in r["by_concurrency"].items():
        threads = key[1:]
        bare = data["median_jobs_per_s"]["bare"]
        for name, layout_ratio in data["ratio_vs_bare"].items():
            layout = data["layouts"][name]
            slots = layout["workers"] * layout["threads_per_worker"]
            queued = (f", sized to the cores: {int(threads) - slots} of {threads} requests queue"
                      if slots < int(threads) else "")
            rows.append((f"2. OCR throughput, c={threads}, docwarden {layout['workers']} "
                         f"worker(s) x {layout['threads_per_worker']} thread(s){queued}",
                         f"{data['median_jobs_per_s'][name]:.2f} jobs/s",
                         f"{bare:.2f} jobs/s (bare, {threads} thread(s), one engine)",
                         f"ratio {layout_ratio:.3f} (paired rounds "
                         f"{data['paired_ratio_vs_bare'][name]:.3f}); CPU/job "
                         f"x{data['cpu_per_job_vs_bare'][name]:.2f}{_client_cpu(data, name)}",
                         ">= 0.95"))
    return rows


def _client_cpu(data: dict[str, Any], name: str) -> str:
    api_ms = data.get("api_cpu_ms_per_job", {}).get(name)
    client_ms = data.get("client_cpu_ms_per_job", {}).get(name)
    return ("" if api_ms is None else f"; API process {api_ms:.1f} ms CPU/job") + (
        "" if client_ms is None else f"; HTTP client {client_ms:.1f} ms CPU/job")


MEMORY_LABELS = {"seed_4_web_x_4_pool": "seed: uvicorn 4 workers x ProcessPool(4)",
                 "uvicorn_2_workers": "uvicorn 2 workers, model per worker",
                 "uvicorn_2_workers_docwarden_env": "uvicorn 2 workers, model per worker, "
                                                    "docwarden's allocator/thread env"}


def memory_rows(r: dict[str, Any]) -> list[Row]:
    base = r["layouts"]["docwarden_2_workers"]
    rows: list[Row] = []
    for name, label in MEMORY_LABELS.items():
        if name not in r["layouts"]:
            continue
        row = r["layouts"][name]
        rows.append((f"3. service RSS peak / after, vs {label} ({row['model_copies']} copies)",
                     f"{base['peak_rss_mb']:.0f} / {base['after_rss_mb']:.0f} MB (2 copies)",
                     f"{row['peak_rss_mb']:.0f} / {row['after_rss_mb']:.0f} MB",
                     f"x{row['peak_ratio_vs_docwarden']:.2f} / "
                     f"x{row['after_ratio_vs_docwarden']:.2f}",
                     ""))
    return rows


def hang_rows(r: dict[str, Any]) -> list[Row]:
    return [("4a. hung job: 504 after its 1 s deadline, median (max)",
             f"{r['median_after_deadline_s']:+.3f} s ({r['max_after_deadline_s']:+.3f} s)",
             "no deadline (hangs forever)", f"statuses {sorted(set(r['statuses']))}, "
             f"{r['stray_grandchildren']} stray processes", "")]


def death_rows(r: dict[str, Any]) -> list[Row]:
    bare = r["bare_load"]
    return [("4b. OCR worker SIGKILL -> replacement loaded, median",
             f"{r['median_replacement_loaded_s']:.2f} s",
             f"{bare['wall_s']:.2f} s bare fresh-process load (load() {bare['load_s']:.2f} s)",
             f"{r['median_extra_vs_bare_s']:+.2f} s", "")]


def recycling_rows(r: dict[str, Any]) -> list[Row]:
    rates, cpu = r["median_jobs_per_s"], r["median_cpu_s_per_job"]
    recycled = sum(r["recycles_by_reason"]["max_jobs_10"].values())
    failed = r["failed_requests"]
    return [("5. recycling: OCR 2 workers, c=2, MAX_JOBS_PER_WORKER=10 vs 0 (unlimited)",
             f"{rates['max_jobs_10']:.2f} jobs/s, {recycled} recycles, "
             f"{failed['max_jobs_10']} failed of {r['measured_jobs']['max_jobs_10']}",
             f"{rates['unlimited']:.2f} jobs/s, {failed['unlimited']} failed",
             f"ratio {r['ratio_max_jobs_10_vs_unlimited']:.3f}; CPU/job "
             f"x{cpu['max_jobs_10'] / cpu['unlimited']:.2f}", "0 failed")]


def overload_rows(r: dict[str, Any]) -> list[Row]:
    bare = r["bare_burst_200"]["answer_time"] or {}
    rows: list[Row] = []
    for key, label in (("burst", f"burst, {r['burst']['in_flight']} in flight"),
                       ("sequential", "one by one")):
        part = r[key]
        answer = part["answer_time"] or {}
        baseline = (f"bare route answering 200: p50 {bare.get('p50_ms', 0):.2f} / "
                    f"p99 {bare.get('p99_ms', 0):.2f} ms" if key == "burst" else "")
        rows.append((f"6. overload: 429 answer time, queue full, {label}",
                     f"p50 {answer.get('p50_ms', 0):.2f} / p99 {answer.get('p99_ms', 0):.2f} ms",
                     baseline, f"{part['statuses'].get('429', 0)}/{part['requests']} answered 429",
                     ""))
    return rows


ROW_BUILDERS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "dispatch": dispatch_rows, "throughput": throughput_rows, "memory": memory_rows,
    "hang_timeout": hang_rows, "worker_death": death_rows, "recycling": recycling_rows,
    "overload": overload_rows,
}


def rows_of(name: str, result: dict[str, Any]) -> list[Row]:
    if "error" in result:
        return [(f"{name}: not measured", "", "", result["error"][:120], "")]
    return ROW_BUILDERS[name](result)


def markdown(results: dict[str, Any]) -> str:
    info, command = results["machine"], results["command"]
    lines = [f"Measured {results['started_at']} on {info['logical_cores']} cores "
             f"({info['physical_cores']} physical), {info['memory_gib']} GiB RAM, "
             f"Python {info['python']}, onnxruntime {info['onnxruntime']}, "
             f"commit {info['git_commit']}{' (dirty)' if info['git_dirty'] else ''}; "
             f"run took {results['duration_s'] / 60:.1f} min; 1-min load average "
             f"{_load_range(results)} (other tenants included). Reproduce: `{command}`.", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for name, result in results["scenarios"].items():
        lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |"
                  for row in rows_of(name, result)]
    return "\n".join([*lines, "", *NOTES]) + "\n"


def _load_range(results: dict[str, Any]) -> str:
    loads = [x for r in results["scenarios"].values() for x in r.get("load_average", [])]
    return f"{min(loads):.1f}-{max(loads):.1f}" if loads else "unknown"


NOTES = [
    "Notes: every server runs as its own subprocess on 127.0.0.1 (uvicorn, one event loop "
    "per web process); the client is httpx with keep-alive, on the same machine. "
    "Medians over alternating rounds; latencies in ms per request.",
    "- 1: docwarden WORKERS=1, MAX_JOBS_PER_WORKER=0; baseline: a bare FastAPI route calling "
    "ChaosEngine.run in-process (async route on the event loop / sync `def` route).",
    "- 2: the bare side is one process with N threads sharing one OcrEngine, with the "
    "allocator and thread variables a docwarden worker gets; images: tests/data/ocr; "
    "docwarden MAX_JOBS_PER_WORKER=0, requests are multipart uploads. Paired: median of "
    "per-round ratios of adjacent rounds. CPU/job: CPU seconds of the serving process tree "
    "per job (the client excluded), docwarden over bare; API process: of that, what "
    "docwarden's web/supervisor process spent (the rest is its workers); HTTP client: CPU "
    "the benchmark's own httpx client spent per job on the same cores (the bare side has "
    "no client); clients are connected before the first round.",
    "- 3: RSS summed over the whole process tree (parent + descendants), sampled every "
    "0.2 s during the workload (peak) and 2 s after it. Workload: a burst at concurrency 16 "
    "(repeated, at most 5 times, until every model copy is loaded), then passes at "
    "concurrency 4; copies = processes with onnxruntime mapped. Bare layouts use the "
    "default glibc malloc unless stated.",
    "- 4b: from SIGKILL to /health listing a new worker pid as loaded; baseline: a fresh "
    "interpreter importing docwarden's OcrEngine and running load() (incl. its warm-up).",
]


def stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")
