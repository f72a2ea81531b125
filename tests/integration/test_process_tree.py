"""Process-tree readings against real processes: helpers started from any thread are found."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest

from docwarden.monitoring import memory
from tests.integration.conftest import wait_for

# A parent that starts one helper from its main thread and one from another
# thread; each helper starts a grandchild.  The tree is 5 processes deep/wide.
FAMILY = """
import subprocess, sys, threading, time
SLEEPER = [sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen("
           "[sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"]
subprocess.Popen(SLEEPER)
threading.Thread(target=lambda: (subprocess.Popen(SLEEPER), time.sleep(60))).start()
time.sleep(60)
"""


@pytest.fixture
def family() -> Iterator[psutil.Process]:
    process = subprocess.Popen([sys.executable, "-c", FAMILY], start_new_session=True)
    root = psutil.Process(process.pid)
    try:
        wait_for(lambda: len(root.children(recursive=True)) == 4)
        yield root
    finally:
        for member in [*root.children(recursive=True), root]:
            member.kill()
        process.wait()


@pytest.mark.parametrize("proc_children", [True, False], ids=["proc-children", "psutil-scan"])
def test_descendants_include_helpers_of_every_thread(
        family: psutil.Process, proc_children: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_PROC_CHILDREN", proc_children and memory._PROC_CHILDREN)
    expected = {p.pid for p in family.children(recursive=True)}
    assert set(memory.descendant_pids(family.pid)) == expected
    assert {p.pid for p in memory.descendants(family.pid)} == expected
    rss = [family.memory_info().rss] + [psutil.Process(p).memory_info().rss for p in expected]
    assert memory.tree_rss_bytes(family.pid) >= 0.8 * sum(rss)  # RSS moves a little between reads


def test_a_process_that_is_gone_reads_as_empty() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert memory.descendant_pids(process.pid) == []
    assert memory.descendants(process.pid) == []
    assert memory.tree_rss_bytes(process.pid) == 0


# Says it is up, starts a helper holding ~64 MB when told to (a line on stdin), waits.
LATE_HELPER = """
import subprocess, sys, time
print("up", flush=True)
sys.stdin.readline()
subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(64 << 20); time.sleep(60)"])
time.sleep(60)
"""


def test_tree_meter_counts_a_late_helper_from_its_next_rescan() -> None:
    process = subprocess.Popen([sys.executable, "-c", LATE_HELPER], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, start_new_session=True)
    root = psutil.Process(process.pid)
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None and stdout is not None
    try:
        assert stdout.readline() == b"up\n"  # started: its own RSS no longer climbs much
        meter = memory.TreeMeter(process.pid, rescan_s=1.0)
        alone = meter.rss_bytes(now=0.0)
        assert 0 < alone < 60 << 20
        stdin.write(b"go\n")
        stdin.flush()
        helper = wait_for(root.children)[0]
        wait_for(lambda: helper.memory_info().rss > 60 << 20)
        assert meter.rss_bytes(now=0.5) < alone + (32 << 20)  # the tree is not re-walked yet
        assert meter.rss_bytes(now=1.0) > alone + (60 << 20)  # rescanned: the helper counts
    finally:
        for member in [*root.children(recursive=True), root]:
            member.kill()
        process.wait()
        stdin.close()
        stdout.close()
    assert meter.rss_bytes(now=1.5) == 0  # gone: like tree_rss_bytes
