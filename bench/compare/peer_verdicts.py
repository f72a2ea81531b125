"""How a failure scenario is judged, the same way for every server (pure, unit-tested).

- never answered: no HTTP answer within the client timeout (status 0), the
  "lost or hung" requests; an error status (502, 504, 429, ...) is an answer.
- memory bounded: the process tree's peak RSS over its idle baseline stayed
  within GROWTH_BOUND_MB (docwarden's configured limits: 2 workers x 400 MB
  hard, plus a replacement loading beside them).
- kept serving: every ordinary job sent after the scenario answered 200.
- orphans: processes of the server still running after its root exited on
  SIGTERM (or the root itself, when it did not exit).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

GROWTH_BOUND_MB = 1024


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (client timeout or connection dropped)
    seconds: float


def status_counts(answers: list[Answer]) -> dict[str, int]:
    counts = Counter("none" if a.status == 0 else str(a.status) for a in answers)
    return dict(sorted(counts.items()))


def verdict(answers: list[Answer], after: list[Answer], peak_growth_mb: float,
            after_growth_mb: float, stopped: dict[str, Any], stopped_early: str = "",
            ) -> dict[str, Any]:
    """One server's row for one scenario."""
    never = [a for a in answers if a.status == 0]
    slowest = max((a.seconds for a in answers if a.status != 0), default=None)
    left = list(stopped["left_running"])
    return {"sent": len(answers), "statuses": status_counts(answers),
            "ok": sum(1 for a in answers if 200 <= a.status < 300),
            "never_answered": len(never),
            "slowest_answer_s": None if slowest is None else round(slowest, 2),
            "peak_growth_mb": round(peak_growth_mb), "after_growth_mb": round(after_growth_mb),
            "memory_bounded": peak_growth_mb <= GROWTH_BOUND_MB,
            "serving_after": f"{sum(1 for a in after if a.status == 200)}/{len(after)}",
            "kept_serving": bool(after) and all(a.status == 200 for a in after),
            "exit_on_term_s": stopped["exit_on_term_s"], "orphans": len(left),
            "orphan_commands": left, "stopped_early": stopped_early}


def clean(row: dict[str, Any]) -> bool:
    """Nothing lost or hung, memory bounded, still serving, nothing left behind."""
    return (row["never_answered"] == 0 and row["memory_bounded"] and row["kept_serving"]
            and row["orphans"] == 0)


def failure_goal(scenarios: dict[str, dict[str, dict[str, Any]]], base: str) -> dict[str, Any]:
    """The goal: `base` clean in every scenario, and the only server that is."""
    base_clean = all(clean(rows[base]) for rows in scenarios.values() if base in rows)
    peers_clean = sorted({side for rows in scenarios.values() for side in rows if side != base}
                         - {side for rows in scenarios.values()
                            for side, row in rows.items() if not clean(row)})
    return {"base_clean_everywhere": base_clean, "peers_clean_everywhere": peers_clean,
            "met": base_clean and not peers_clean}


def throughput_goal(by_concurrency: dict[str, dict[str, Any]], rss_goal: float = 0.6,
                    ) -> dict[str, Any]:
    """Per concurrency and peer: docwarden's rate >= the peer's, RSS <= rss_goal x theirs."""
    rows: dict[str, dict[str, Any]] = {}
    for key, data in by_concurrency.items():
        for peer, rate_ratio in data["ratio_vs_docwarden"].items():
            rss_ratio = data["rss_vs_peer"].get(peer)
            rows[f"{key}/{peer}"] = {
                "throughput_ok": rate_ratio is not None and rate_ratio <= 1.0,
                "rss_ok": rss_ratio is not None and rss_ratio <= rss_goal}
    return {"rows": rows, "met": bool(rows) and all(
        r["throughput_ok"] and r["rss_ok"] for r in rows.values())}
