"""The pool's policy as a pure function: which worker goes, how and why (issue 22)."""

from __future__ import annotations

import itertools

import pytest

from docwarden.readings import MIB
from docwarden.settings import Settings
from docwarden.supervisor.policy import (
    Fate,
    Limits,
    Verdict,
    WorkerView,
    deadline_verdict,
    handover_keep,
    judge,
    judge_all,
)
from docwarden.supervisor.states import RecycleReason

LIMITS = Limits(hard_rss_bytes=400 * MIB, max_uptime_s=3600, max_gpu_mb=2000)


def view(**overrides: object) -> WorkerView:
    fields: dict[str, object] = {"slot": 0, "loaded": True, "dying": False,
                                 "rss_bytes": 100 * MIB, "uptime_s": 10, "gpu_used_mb": 500}
    fields.update(overrides)
    return WorkerView(**fields)  # type: ignore[arg-type]


def test_a_healthy_worker_stays() -> None:
    assert judge(view(), LIMITS) is None


@pytest.mark.parametrize("loaded", [True, False])
def test_over_the_hard_limit_is_killed_loading_or_not(loaded: bool) -> None:
    assert judge(view(loaded=loaded, rss_bytes=401 * MIB), LIMITS) == Verdict(
        0, Fate.KILL, RecycleReason.RSS_HARD)


def test_the_hard_limit_is_strictly_over() -> None:
    assert judge(view(rss_bytes=400 * MIB), LIMITS) is None


def test_gpu_memory_and_uptime_retire_a_loaded_worker_only() -> None:
    assert judge(view(gpu_used_mb=2001), LIMITS) == Verdict(0, Fate.RETIRE,
                                                           RecycleReason.GPU_MEMORY)
    assert judge(view(uptime_s=3601), LIMITS) == Verdict(0, Fate.RETIRE, RecycleReason.UPTIME)
    assert judge(view(loaded=False, gpu_used_mb=9999, uptime_s=9999), LIMITS) is None


def test_no_gpu_limit_or_no_reading_never_retires_for_gpu() -> None:
    assert judge(view(gpu_used_mb=None), LIMITS) is None
    unlimited = Limits(LIMITS.hard_rss_bytes, LIMITS.max_uptime_s, max_gpu_mb=0)
    assert judge(view(gpu_used_mb=99_999), unlimited) is None


def test_a_dying_worker_gets_no_second_verdict() -> None:
    assert judge(view(dying=True, rss_bytes=10_000 * MIB, uptime_s=99_999), LIMITS) is None


@pytest.mark.parametrize(("over_rss", "over_gpu", "over_uptime"),
                         list(itertools.product([False, True], repeat=3)))
def test_the_most_urgent_reason_wins(over_rss: bool, over_gpu: bool, over_uptime: bool) -> None:
    worker = view(rss_bytes=(500 if over_rss else 100) * MIB,
                  gpu_used_mb=3000 if over_gpu else 100, uptime_s=4000 if over_uptime else 1)
    verdict = judge(worker, LIMITS)
    expected = (RecycleReason.RSS_HARD if over_rss else RecycleReason.GPU_MEMORY if over_gpu
                else RecycleReason.UPTIME if over_uptime else None)
    assert (verdict.reason if verdict else None) is expected
    if verdict is not None:
        assert verdict.fate is (Fate.KILL if over_rss else Fate.RETIRE)


def test_judge_all_names_each_worker_by_slot() -> None:
    verdicts = judge_all([view(slot=0), view(slot=1, rss_bytes=900 * MIB),
                          view(slot=2, uptime_s=5000)], LIMITS)
    assert [(v.slot, v.reason) for v in verdicts] == [(1, RecycleReason.RSS_HARD),
                                                      (2, RecycleReason.UPTIME)]


def test_limits_come_from_the_settings() -> None:
    limits = Limits.from_settings(Settings(hard_worker_rss_mb=123, max_worker_uptime_s=60))
    assert (limits.hard_rss_bytes, limits.max_uptime_s) == (123 * MIB, 60)


@pytest.mark.parametrize(("fresh_loaded", "coming", "keep"), [
    (False, True, 1), (True, True, 0), (False, False, 0), (True, False, 0)])
def test_the_last_retiree_serves_only_until_a_replacement_is_coming_and_not_loaded(
        fresh_loaded: bool, coming: bool, keep: int) -> None:
    assert handover_keep(fresh_loaded, coming) == keep


@pytest.mark.parametrize(("queued_s", "running_s", "timeout_s", "strike", "words"), [
    (0.1, 2.9, 3, True, "exceeded its 3 s deadline"),
    (2.9, 0.1, 3, False, "waited 2.9 s in the queue and ran 0.1 s, past its 3 s"),
    (0.0, 1.0, 1, False, "exceeded its 1 s deadline"),  # the caller's shorter deadline
    (0.1, 9.9, 10, True, "exceeded"),
])
def test_a_deadline_kill_is_a_strike_only_with_the_full_deadline_mostly_on_a_worker(
        queued_s: float, running_s: float, timeout_s: float, strike: bool, words: str) -> None:
    message, is_strike = deadline_verdict(queued_s, running_s, timeout_s, default_timeout_s=3)
    assert is_strike is strike and words in message
