"""Which workers must go, decided apart from acting on it.

`judge` is a pure function of what the pool sees of a worker (a `WorkerView`)
and the limits of the settings: the pool measures, asks, and carries the
verdicts out (kills, retirements), so every rule here is unit-tested without
processes.  `handover_keep` says how many retirees may serve on while their
replacement loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from docwarden.readings import MIB
from docwarden.settings import Settings
from docwarden.supervisor.states import RecycleReason


class PoolPhase(StrEnum):
    SERVING = "serving"    # takes jobs, keeps WORKERS workers
    CLOSING = "closing"    # refuses new jobs; replaces a worker only for queued work
    STOPPING = "stopping"  # every worker is told to stop (or killed while loading)


class Fate(StrEnum):
    KILL = "kill"      # now, with its jobs in flight (they fail or retry elsewhere)
    RETIRE = "retire"  # takes no new job and goes when its jobs are done


@dataclass(frozen=True)
class WorkerView:
    """What the policy needs to know of one worker, read once per check."""

    slot: int
    loaded: bool
    dying: bool  # a kill is already under way
    rss_bytes: int
    uptime_s: float
    gpu_used_mb: float | None = None


@dataclass(frozen=True)
class Limits:
    hard_rss_bytes: int
    max_uptime_s: float
    max_gpu_mb: float  # 0: no per-worker GPU limit

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.hard_worker_rss_mb * MIB, settings.max_worker_uptime_s,
                   settings.max_worker_gpu_mb or 0)


@dataclass(frozen=True)
class Verdict:
    slot: int
    fate: Fate
    reason: RecycleReason


def judge(worker: WorkerView, limits: Limits) -> Verdict | None:
    """The one fate a worker has now, the most urgent first: over the hard RSS limit it
    is killed (loading or not); a loaded one over its GPU memory or uptime retires."""
    if worker.dying:
        return None
    if worker.rss_bytes > limits.hard_rss_bytes:
        return Verdict(worker.slot, Fate.KILL, RecycleReason.RSS_HARD)
    if not worker.loaded:
        return None
    gpu_mb = worker.gpu_used_mb
    if limits.max_gpu_mb and gpu_mb is not None and gpu_mb > limits.max_gpu_mb:
        return Verdict(worker.slot, Fate.RETIRE, RecycleReason.GPU_MEMORY)
    if worker.uptime_s > limits.max_uptime_s:
        return Verdict(worker.slot, Fate.RETIRE, RecycleReason.UPTIME)
    return None


def judge_all(workers: Iterable[WorkerView], limits: Limits) -> list[Verdict]:
    return [v for v in (judge(w, limits) for w in workers) if v is not None]


def handover_keep(fresh_loaded: bool, replacement_coming: bool) -> int:
    """Retirees that may keep serving: the last one, only while a replacement is on its
    way and none is loaded yet (so /ready does not dip); with no room for two copies
    the replacement never starts and the retiree must go first."""
    return 1 if replacement_coming and not fresh_loaded else 0


def deadline_verdict(queued_s: float, running_s: float, timeout_s: float,
                     default_timeout_s: float) -> tuple[str, bool]:
    """The error message for a job killed at its deadline, and whether it is a strike.

    Only a job that had the server's full deadline, and most of it on a worker,
    is evidence against its input: a caller's shorter deadline or a long wait in
    the queue proves nothing, and a strike then could quarantine a good file.
    """
    starved = queued_s > running_s
    strike = timeout_s >= default_timeout_s and not starved
    where = (f"waited {queued_s:.1f} s in the queue and ran {running_s:.1f} s, past"
             if starved else "exceeded")
    return (f"job {where} its {timeout_s:g} s deadline; the worker was killed and replaced",
            strike)
