"""The Markdown of bench.compare.peers: throughput, failures and overhead tables (pure)."""

from __future__ import annotations

from typing import Any

from bench.compare.peer_verdicts import clean

SIDES = {"docwarden": "docwarden", "litserve": "LitServe", "ray": "Ray Serve"}
SCENARIO_LABELS = {
    "leak": "leak 40 MB/job", "spike": "spike 3 GB", "hang": "hung job",
    "segfault": "segfault", "poison": "same crashing input x{n}", "burst": "burst 4x capacity",
}


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), "|" + "---|" * len(header), *map(_row, rows)]


def throughput_table(result: dict[str, Any]) -> list[str]:
    rows = []
    for key, data in result["by_concurrency"].items():
        for side, label in SIDES.items():
            if side not in data["median_jobs_per_s"]:
                continue
            lat = data["latency_ms"][side]
            ratio = data["ratio_vs_docwarden"].get(side)
            rss_ratio = data["rss_vs_peer"].get(side)
            rows.append([key[1:], label, f"{data['median_jobs_per_s'][side]:.2f}",
                         "1 (base)" if ratio is None else f"{ratio:.3f}",
                         f"{lat['p50_ms']:.0f} / {lat['p99_ms']:.0f}",
                         f"{data['steady_rss_mb'][side]:.0f}",
                         "" if rss_ratio is None else f"x{rss_ratio:.2f}",
                         f"{data['median_cpu_s_per_job'][side] * 1000:.0f}",
                         str(data["failures"][side])])
    header = ["c", "server", "jobs/s", "vs docwarden", "p50 / p99 ms", "steady RSS MB",
              "docwarden RSS / this", "CPU ms/job", "failed"]
    layout = result.get("docwarden_layout")
    if layout is None:
        return _table(header, rows)
    models = "one model copy per slot" if layout["threads_per_worker"] == 1 else \
        "one model shared by its threads"
    return [f"docwarden: {layout['workers']} worker(s) x {layout['threads_per_worker']} "
            f"thread(s) ({models})", "", *_table(header, rows)]


def failure_cell(row: dict[str, Any]) -> str:
    """One server in one scenario, in a few words."""
    statuses = ", ".join(f"{n}x{code}" for code, n in row["statuses"].items())
    parts = [f"{statuses}", f"never answered {row['never_answered']}",
             f"slowest {row['slowest_answer_s']} s" if row["slowest_answer_s"] is not None
             else "no answer",
             f"RSS +{row['peak_growth_mb']} MB peak / +{row['after_growth_mb']} after"
             + ("" if row["memory_bounded"] else " (unbounded)"),
             f"serving after {row['serving_after']}", f"orphans {row['orphans']}"]
    if row["stopped_early"]:
        parts.append(row["stopped_early"])
    return ("OK: " if clean(row) else "FAIL: ") + "; ".join(parts)


def failures_table(result: dict[str, Any]) -> list[str]:
    sides = [s for s in SIDES if any(s in rows for rows in result["scenarios"].values())]
    rows = []
    for name, by_side in result["scenarios"].items():
        label = SCENARIO_LABELS.get(name, name).format(n=by_side and next(
            iter(by_side.values()))["sent"])
        rows.append([label, *[failure_cell(by_side[s]) if s in by_side else "" for s in sides]])
    return _table(["scenario", *[SIDES[s] for s in sides]], rows)


def overhead_table(result: dict[str, Any]) -> list[str]:
    s = result["summaries"]
    rows = []
    for style, label in (("keepalive", "kept-alive connection"),
                         ("new_connection", "new connection per request")):
        dw, bare = s[f"docwarden/{style}"], s[f"bare_async/{style}"]
        extra = result["extra_ms"][style]
        rows.append([label, f"{dw['p50_ms']:.2f} / {dw['p99_ms']:.2f}",
                     f"{bare['p50_ms']:.2f} / {bare['p99_ms']:.2f}",
                     f"{extra['p50_ms']:+.2f} / {extra['p99_ms']:+.2f}", str(dw["n"])])
    return _table(["connections", "docwarden p50 / p99 ms", "bare async route p50 / p99 ms",
                   "overhead p50 / p99 ms", "requests each"], rows)


def skipped_lines(results: dict[str, Any]) -> list[str]:
    skipped: dict[str, str] = {}
    for part in results["parts"].values():
        skipped.update(part.get("skipped", {}))
    return [f"- skipped {SIDES.get(k, k)}: {why}" for k, why in sorted(skipped.items())]


def markdown(results: dict[str, Any]) -> str:
    info = results["machine"]
    lines = [f"Measured {results['started_at']} on {info['logical_cores']} cores, "
             f"{info['memory_gib']} GiB RAM (shared with other tenants; 1-min load "
             f"{results['load_average'][0]:.1f} at start, {results['load_average'][1]:.1f} at "
             f"end), Python {info['python']}, {results['versions']}; commit "
             f"{info['git_commit']}{' (dirty)' if info['git_dirty'] else ''}; run took "
             f"{results['duration_s'] / 60:.1f} min. Reproduce: `{results['command']}`.", ""]
    builders = {"throughput": ("Same OCR engine, three servers", throughput_table),
                "failures": ("The seeds' failures on each server", failures_table),
                "overhead": ("docwarden's per-request overhead over a bare route",
                             overhead_table)}
    for name, (title, build) in builders.items():
        part = results["parts"].get(name)
        if part is None:
            continue
        lines += [f"**{title}**", ""]
        lines += ([f"not measured: {part['error'][:200]}"] if "error" in part else build(part))
        lines.append("")
    return "\n".join([*lines, *skipped_lines(results)]).rstrip() + "\n"
