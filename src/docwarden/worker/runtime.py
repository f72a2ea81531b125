"""Process-level set-up of a worker: process group, parent death, threads, allocator.

Everything here runs in the child before the engine is imported, because
thread-count variables and the allocator only take effect if set first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import mmap
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("docwarden.worker")

PR_SET_PDEATHSIG = 1
PARENT_POLL_S = 0.5
JEMALLOC_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
)
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "OMP_THREAD_LIMIT",
)


def find_jemalloc() -> Path | None:
    """The installed jemalloc shared library, if any (Debian: libjemalloc2)."""
    for candidate in JEMALLOC_CANDIDATES:
        if Path(candidate).exists():
            return Path(candidate)
    found = ctypes.util.find_library("jemalloc")
    return Path(found) if found and Path(found).is_absolute() else None


def thread_environment(intra_op_threads: int) -> dict[str, str]:
    """Variables that cap native thread pools to INTRA_OP_THREADS."""
    env = dict.fromkeys(THREAD_VARIABLES, str(intra_op_threads))
    env["ORT_DISABLE_TELEMETRY"] = "1"
    return env


def become_group_leader() -> None:
    """Own process group, so the parent can kill the worker and its children at once."""
    try:
        os.setpgid(0, 0)
    except PermissionError:  # already a session leader (cannot happen under spawn)
        log.warning("could not create a process group for the worker")


def die_with_parent(parent_pid: int, on_orphaned: Callable[[], None]) -> None:
    """Never keep a model loaded for nobody: exit when the server process is gone.

    PR_SET_PDEATHSIG covers a parent killed by SIGKILL or the OOM killer; the
    polling thread covers the cases the signal misses (e.g. the spawning
    thread exited, or the parent died before prctl ran).
    """
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        on_orphaned()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# jemalloc never hands pages back on a timer: a decaying purge ran during jobs and made
# every model run fault its buffers in again (the OCR detector: 76 000 page faults and
# +80 % time a run; tests/integration/test_worker_allocator.py).  The worker purges them
# after a job that leaves more of them than WORKER_RETAIN_FREE_MB (trim_heap).
JEMALLOC_CONF = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
# glibc the same way: blocks under 32 MiB come from the heap (the adaptive threshold
# mapped and unmapped them, ~20 000 faults a detector run) and the heap's top is not
# trimmed mid-job; malloc_trim after a job that leaves much of it hands it back.
GLIBC_ENVIRONMENT = {
    "MALLOC_ARENA_MAX": "2",
    "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
    "MALLOC_TRIM_THRESHOLD_": str(1024 * 1024 * 1024),
}
# mallctl's "all arenas" index (MALLCTL_ARENAS_ALL).
_JEMALLOC_ALL_ARENAS = 4096
_UNMEASURED = 1 << 62  # free bytes when the allocator cannot tell: always hand back


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def trim_heap(retain_bytes: int = 0) -> None:
    """Give freed heap back to the OS (jemalloc's purge, or glibc's malloc_trim) when
    more than `retain_bytes` of it is held."""
    process = _process()
    if process is None:
        return
    mallctl = getattr(process, "mallctl", None)
    if mallctl is not None:
        if _jemalloc_dirty_bytes(mallctl) > retain_bytes:
            mallctl(f"arena.{_JEMALLOC_ALL_ARENAS}.purge".encode(), None, None, None, 0)
        return
    malloc_trim = getattr(process, "malloc_trim", None)
    if malloc_trim is not None and _glibc_free_bytes(process) > retain_bytes:
        malloc_trim(0)


@functools.cache
def _process() -> ctypes.CDLL | None:
    """The process's own symbols (the preloaded allocator's among them), looked up once."""
    try:
        process = ctypes.CDLL(None)
    except OSError:
        return None
    mallinfo2 = getattr(process, "mallinfo2", None)  # glibc >= 2.33
    if mallinfo2 is not None:
        mallinfo2.restype = _MallInfo2
    return process


def _jemalloc_dirty_bytes(mallctl: Any) -> int:
    """Freed pages jemalloc still holds mapped (its stats, refreshed by an epoch bump)."""
    epoch, value = ctypes.c_uint64(1), ctypes.c_size_t(0)
    size = ctypes.c_size_t(ctypes.sizeof(value))
    mallctl(b"epoch", None, None, ctypes.byref(epoch), ctypes.c_size_t(ctypes.sizeof(epoch)))
    if mallctl(f"stats.arenas.{_JEMALLOC_ALL_ARENAS}.pdirty".encode(), ctypes.byref(value),
               ctypes.byref(size), None, ctypes.c_size_t(0)) != 0:
        return _UNMEASURED  # built without statistics
    return int(value.value) * mmap.PAGESIZE


def _glibc_free_bytes(process: ctypes.CDLL) -> int:
    mallinfo2 = getattr(process, "mallinfo2", None)
    return _UNMEASURED if mallinfo2 is None else int(mallinfo2().fordblks)


def current_allocator() -> str:
    return "jemalloc" if "jemalloc" in os.environ.get("LD_PRELOAD", "") else "glibc"
