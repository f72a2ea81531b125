"""The pure parts of bench.compare.peers: failure verdicts, goals and the Markdown tables."""

from __future__ import annotations

import pytest

from bench.compare.peer_report import failure_cell, failures_table, throughput_table
from bench.compare.peer_verdicts import (
    GROWTH_BOUND_MB,
    Answer,
    clean,
    failure_goal,
    throughput_goal,
    verdict,
)

pytestmark = pytest.mark.timeout(30)
STOPPED = {"exit_on_term_s": 0.3, "left_running": []}
OK_AFTER = [Answer(200, 0.05)] * 4


def test_verdict_counts_unanswered_apart_from_error_answers() -> None:
    row = verdict([Answer(504, 5.1), Answer(0, 30.0), Answer(200, 0.1)], OK_AFTER, 10, 0,
                  STOPPED)
    assert row["statuses"] == {"200": 1, "504": 1, "none": 1}
    assert row["never_answered"] == 1
    assert row["ok"] == 1
    assert row["slowest_answer_s"] == 5.1  # of the answered ones: the lost one has no time
    assert not clean(row)


def test_verdict_memory_bound_serving_and_orphans() -> None:
    grown = verdict([Answer(200, 1.0)], OK_AFTER, GROWTH_BOUND_MB + 1, 900, STOPPED)
    assert not grown["memory_bounded"] and not clean(grown)
    broken = verdict([Answer(502, 0.1)], [Answer(200, 0.1), Answer(0, 30)], 0, 0, STOPPED)
    assert broken["serving_after"] == "1/2" and not broken["kept_serving"]
    left = verdict([Answer(504, 5.0)], OK_AFTER, 0, 0,
                   {"exit_on_term_s": None, "left_running": ["python -c sleep"]})
    assert left["orphans"] == 1 and not clean(left)
    fine = verdict([Answer(502, 0.1)], OK_AFTER, 0, 0, STOPPED)
    assert clean(fine)  # an error answer to a crashing job is an answer, not a loss
    assert verdict([], [], 0, 0, STOPPED)["kept_serving"] is False


def test_failure_goal_needs_base_clean_and_every_peer_failing_somewhere() -> None:
    ok = verdict([Answer(504, 5.0)], OK_AFTER, 0, 0, STOPPED)
    lost = verdict([Answer(0, 30.0)], OK_AFTER, 0, 0, STOPPED)
    scenarios = {"hang": {"docwarden": ok, "litserve": lost, "ray": ok},
                 "spike": {"docwarden": ok, "litserve": ok, "ray": lost}}
    assert failure_goal(scenarios, "docwarden")["met"] is True
    scenarios["spike"]["ray"] = ok
    goal = failure_goal(scenarios, "docwarden")
    assert goal["peers_clean_everywhere"] == ["ray"] and goal["met"] is False
    scenarios["hang"]["docwarden"] = lost
    assert failure_goal(scenarios, "docwarden")["base_clean_everywhere"] is False


def _throughput_part(peer_ratio: float, rss_ratio: float) -> dict:
    latency = {"n": 3, "p50_ms": 100.0, "p90_ms": 150.0, "p99_ms": 200.0, "max_ms": 210.0}
    return {"by_concurrency": {"c2": {
        "median_jobs_per_s": {"docwarden": 8.0, "ray": 8.0 * peer_ratio},
        "ratio_vs_docwarden": {"ray": peer_ratio}, "rss_vs_peer": {"ray": rss_ratio},
        "latency_ms": {"docwarden": latency, "ray": latency},
        "steady_rss_mb": {"docwarden": 450.0, "ray": 450.0 / rss_ratio},
        "median_cpu_s_per_job": {"docwarden": 0.15, "ray": 0.17},
        "failures": {"docwarden": 0, "ray": 0}}}}


def test_throughput_goal_per_row() -> None:
    assert throughput_goal(_throughput_part(0.9, 0.3)["by_concurrency"])["met"] is True
    faster_peer = throughput_goal(_throughput_part(1.05, 0.3)["by_concurrency"])
    assert faster_peer["rows"]["c2/ray"] == {"throughput_ok": False, "rss_ok": True}
    assert throughput_goal(_throughput_part(0.9, 0.7)["by_concurrency"])["met"] is False


def test_tables_render_every_side_and_mark_failures() -> None:
    lines = throughput_table(_throughput_part(0.9, 0.3))
    assert lines[0].startswith("| c | server | jobs/s")
    assert any("| Ray Serve | 7.20 | 0.900 |" in line and "x0.30" in line for line in lines)
    ok = verdict([Answer(504, 5.0)], OK_AFTER, 12, 0, STOPPED)
    lost = verdict([Answer(0, 30.0)], OK_AFTER, 2000, 1500, STOPPED, "stopped after 70 jobs")
    assert failure_cell(ok).startswith("OK: 1x504")
    cell = failure_cell(lost)
    assert cell.startswith("FAIL: 1xnone") and "(unbounded)" in cell and "70 jobs" in cell
    table = failures_table({"scenarios": {"poison": {"docwarden": ok, "litserve": lost}}})
    assert table[0] == "| scenario | docwarden | LitServe |"
    assert table[2].startswith("| same crashing input x1 | OK: ")


def test_the_docwarden_layout_is_named_above_the_throughput_table() -> None:
    from bench.compare.peer_throughput import docwarden_layout

    assert docwarden_layout(2, one_model=False) == {"workers": 2, "threads_per_worker": 1}
    assert docwarden_layout(2, one_model=True) == {"workers": 1, "threads_per_worker": 2}
    part = {**_throughput_part(0.9, 0.3), "docwarden_layout": docwarden_layout(2, True)}
    lines = throughput_table(part)
    assert lines[0] == "docwarden: 1 worker(s) x 2 thread(s) (one model shared by its threads)"
    assert lines[2].startswith("| c | server | jobs/s")


def test_profile_folding_counts_categories_inclusively_and_leaves_by_self() -> None:
    from bench.compare.profile_api import fold, parse_collapsed

    text = ("run (asyncio/base_events.py:1);parse (python_multipart/multipart.py:9) 30\n"
            "run (asyncio/base_events.py:1);send (multiprocessing/connection.py:2) 10\n"
            "garbage line\n")
    stacks = parse_collapsed(text)
    assert stacks[1] == (["run (asyncio/base_events.py:1)",
                          "send (multiprocessing/connection.py:2)"], 10)
    folded = fold(stacks, requests=10, rate_hz=100)  # a sample is 10 ms, over 10 requests
    assert folded["cpu_ms_per_request"] == 40.0
    assert folded["categories_ms"]["multipart parsing"] == 30.0
    assert folded["categories_ms"]["asyncio event loop"] == 40.0  # inclusive
    assert folded["top_leaves_ms"]["send (multiprocessing/connection.py:2)"] == 10.0
