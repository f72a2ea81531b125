"""The pure helpers of bench.compare.run: percentiles, ratios, round pairing."""

from __future__ import annotations

import pytest

from bench.compare.stats import latency_summary_ms, median, percentile, ratio, rotated
from bench.compare.throughput import Round, compare_rounds, docwarden_layouts

pytestmark = pytest.mark.timeout(30)


def test_percentile_interpolates_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 4.0
    assert percentile(values, 0.5) == pytest.approx(2.5)
    assert percentile(list(map(float, range(101))), 0.99) == pytest.approx(99.0)
    assert percentile([7.0], 0.99) == 7.0


def test_percentile_rejects_empty_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile([1.0], 1.5)
    with pytest.raises(ValueError):
        median([])


def test_ratio_and_rotation() -> None:
    assert ratio(3.0, 4.0) == pytest.approx(0.75)
    assert ratio(1.0, 0.0) is None
    assert rotated(["a", "b", "c"], 1) == ["b", "c", "a"]
    assert rotated(["a", "b", "c"], 4) == ["b", "c", "a"]
    assert rotated([], 3) == []


def test_latency_summary_is_in_milliseconds() -> None:
    summary = latency_summary_ms([0.001] * 99 + [0.5])
    assert summary["n"] == 100
    assert summary["p50_ms"] == pytest.approx(1.0)
    assert summary["max_ms"] == pytest.approx(500.0)
    assert 1.0 < summary["p99_ms"] < 500.0


def test_compare_rounds_pairs_adjacent_rounds() -> None:
    done = {"bare": [Round(10, 10.0, 0, 5.0), Round(10, 5.0, 0, 5.0)],
            "docwarden_1x1": [Round(10, 20.0, 1, 6.0), Round(10, 5.0, 0, 6.0)]}
    compared = compare_rounds(done, "bare")
    assert compared["median_jobs_per_s"] == {"bare": 1.5, "docwarden_1x1": 1.25}
    assert compared["paired_ratio_vs_bare"]["docwarden_1x1"] == pytest.approx(0.75)
    assert compared["ratio_vs_bare"]["docwarden_1x1"] == pytest.approx(0.833)
    assert compared["cpu_per_job_vs_bare"]["docwarden_1x1"] == pytest.approx(1.2)
    assert compared["failures"] == {"bare": 0, "docwarden_1x1": 1}


def test_layouts_match_the_thread_count_or_the_cores() -> None:
    assert docwarden_layouts(1, 2) == {"docwarden_1x1": {"workers": 1, "threads_per_worker": 1}}
    assert set(docwarden_layouts(2, 2)) == {"docwarden_1x2", "docwarden_2x1"}
    for concurrency in (2, 4):
        for layout in docwarden_layouts(concurrency, 8).values():
            assert layout["workers"] * layout["threads_per_worker"] == concurrency
    over = docwarden_layouts(4, 2)
    assert set(over) == {"docwarden_1x4", "docwarden_2x2", "docwarden_2x1"}
    assert over["docwarden_2x1"] == {"workers": 2, "threads_per_worker": 1}
