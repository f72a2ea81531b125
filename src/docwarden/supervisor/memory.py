"""Memory readings: a worker's whole process tree, and the host's headroom."""

from __future__ import annotations

import psutil

MIB = 1024 * 1024


def tree_rss_bytes(pid: int) -> int:
    """RSS of a process plus all its descendants (a worker may run helpers)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return []


def host_available_bytes() -> int:
    return int(psutil.virtual_memory().available)


def mb(value_bytes: float) -> float:
    return round(value_bytes / MIB, 1)
