"""Memory readings: a worker's whole process tree, and the host's headroom."""

from __future__ import annotations

import contextlib
import os
import time

import psutil

# Linux lists each thread's children in /proc/PID/task/TID/children: reading the
# worker's few threads costs ~0.03 ms, where psutil's children() scans every
# process of the host (~1.3 ms with 64 processes, ten times that on a busy box),
# and the supervisor reads every worker's tree ten times a second.
_PROC_CHILDREN = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _proc_child_pids(pid: int) -> list[int]:
    """Direct children of every thread of `pid`; [] when it is gone."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    children: list[int] = []
    for tid in threads:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/children") as f:
            children.extend(int(child) for child in f.read().split())
    return children


def descendant_pids(pid: int) -> list[int]:
    """Children, grandchildren and so on (a worker may run helpers that hold memory)."""
    if not _PROC_CHILDREN:
        try:
            return [p.pid for p in psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            return []
    found: list[int] = []
    frontier = [pid]
    while frontier:
        children = [child for parent in frontier for child in _proc_child_pids(parent)]
        found.extend(children)
        frontier = children
    return found


def tree_rss_bytes(pid: int) -> int:
    """RSS of a process plus all its descendants, walked now; 0 when the process is gone."""
    return TreeMeter(pid).rss_bytes()


class TreeMeter:
    """RSS of one worker's tree, read every tick; the tree itself re-walked every `rescan_s`.

    Walking the tree reads a file per thread of every member (~0.2 ms for a
    worker with a few threads), reading RSS one file per member (~0.02 ms):
    ten times a second per worker, the walk was most of an idle server's CPU.
    A helper process is counted from the first rescan after it starts.
    """

    def __init__(self, pid: int, rescan_s: float = 1.0) -> None:
        self.pid = pid
        self.rescan_s = rescan_s
        self._members: list[psutil.Process] = []
        self._root: psutil.Process | None = None
        self._scanned_at = -rescan_s

    def rss_bytes(self, now: float | None = None) -> int:
        """RSS of the tree's members; 0 once the root is gone."""
        now = time.monotonic() if now is None else now
        if self._root is None or now - self._scanned_at >= self.rescan_s:
            self._rescan(now)
        total = 0
        for member in self._members:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                if member is self._root:
                    return 0
        return total

    def _rescan(self, now: float) -> None:
        self._scanned_at = now
        try:
            self._root = self._root or psutil.Process(self.pid)
        except psutil.Error:
            self._members = []
            return
        self._members = [self._root, *descendants(self.pid)]


def descendants(pid: int) -> list[psutil.Process]:
    """Descendants as psutil handles: they remember each start time, so a recycled pid is safe."""
    processes: list[psutil.Process] = []
    for member in descendant_pids(pid):
        with contextlib.suppress(psutil.Error):
            processes.append(psutil.Process(member))
    return processes


def host_available_bytes() -> int:
    return int(psutil.virtual_memory().available)
