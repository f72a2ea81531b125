"""States of a worker and the reasons it is recycled."""

from __future__ import annotations

from enum import StrEnum


class WorkerState(StrEnum):
    LOADING = "loading"      # spawned, engine not loaded yet
    IDLE = "idle"            # loaded, has free capacity and no job
    BUSY = "busy"            # loaded, running at least one job
    RETIRING = "retiring"    # takes no new jobs; stops when its jobs finish
    STOPPING = "stopping"    # told to stop (or being killed), waiting for exit


class RecycleReason(StrEnum):
    MAX_JOBS = "max_jobs"
    RSS_SOFT = "rss_soft"
    RSS_HARD = "rss_hard"
    UPTIME = "uptime"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    GPU_MEMORY = "gpu_memory"
    MANUAL = "manual"
    CANCELLED = "cancelled"  # its job was cancelled and a model call cannot be interrupted
    LOAD_FAILED = "load_failed"
    SHUTDOWN = "shutdown"
