"""docwarden's per-request overhead over a bare FastAPI route, both connection styles.

The same trivial job (chaos `sleep_s: 0`) through docwarden (1 worker) and
through a bare `async` route calling the engine in-process (bench.compare.bare_app),
sent one by one: on kept-alive connections (what bench.compare.run measures) and
with a NEW TCP connection per request (`Connection: close`, what an outside
check with curl or a fresh client per call measures). Blocks of requests
alternate between targets and styles so drift hits every cell.
"""

from __future__ import annotations

from typing import Any

import httpx

from bench.compare.chaos_scenarios import CHAOS
from bench.compare.context import Bench
from bench.compare.stats import latency_summary_ms, rotated
from bench.compare.workloads import REQUEST_TIMEOUT_S, sequential

STYLES = ("keepalive", "new_connection")
BODY = {"sleep_s": 0}


def client_for(url: str, style: str) -> httpx.Client:
    """keepalive: one pooled connection; new_connection: none kept, so each request
    opens (and closes) its own TCP connection."""
    if style == "keepalive":
        return httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S)
    return httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S,
                        limits=httpx.Limits(max_keepalive_connections=0),
                        headers={"Connection": "close"})


def overhead(bench: Bench) -> dict[str, Any]:
    counts = bench.counts
    docwarden = bench.launcher.docwarden("overhead-docwarden", **CHAOS)
    bare = bench.launcher.bare("overhead-bare", "chaos", web_workers=1)
    urls = {"docwarden": docwarden.url, "bare_async": bare.url}
    cells = [f"{side}/{style}" for side in urls for style in STYLES]
    clients = {cell: client_for(urls[cell.split("/")[0]], cell.split("/")[1]) for cell in cells}
    latencies: dict[str, list[float]] = {cell: [] for cell in cells}
    try:
        for client in clients.values():
            sequential(client, "/v1/chaos", BODY, counts.warmup_requests)
        for block in range(counts.dispatch_requests // counts.dispatch_block):
            for cell in rotated(cells, block):
                latencies[cell] += sequential(clients[cell], "/v1/chaos", BODY,
                                              counts.dispatch_block)
    finally:
        for client in clients.values():
            client.close()
        bench.launcher.fleet.stop(docwarden)
        bench.launcher.fleet.stop(bare)
    summaries = {cell: latency_summary_ms(values) for cell, values in latencies.items()}
    return {"body": BODY, "docwarden_settings": CHAOS, "summaries": summaries,
            "extra_ms": {style: extra_ms(summaries, style) for style in STYLES}}


def extra_ms(summaries: dict[str, dict[str, float | int]], style: str) -> dict[str, float]:
    """docwarden minus the bare route, p50 and p99, for one connection style."""
    return {key: round(float(summaries[f"docwarden/{style}"][key])
                       - float(summaries[f"bare_async/{style}"][key]), 3)
            for key in ("p50_ms", "p99_ms")}
