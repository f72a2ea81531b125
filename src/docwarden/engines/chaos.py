"""The `chaos` test engine: misbehaves on request so the governance can be tested.

Served only with ENABLE_CHAOS=1.  Each job can sleep (in steps that report
progress), leak memory for good, spike memory for the length of the job, crash
(exit, segfault, exception) or hang while holding a grandchild process.  Load
can be made slow or failing.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import threading
import time
from typing import Any, ClassVar

from docwarden.engines.base import Engine, JobInput
from docwarden.errors import InvalidInput
from docwarden.jobdata import EngineResult
from docwarden.readings import MIB

SPIKE_STEP_MB = 25
SPIKE_STEP_PAUSE_S = 0.01
CRASH_MODES = ("exit", "segfault", "exception")
_LEAKED: list[bytes] = []
GRANDCHILD_CODE = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(3600)"
)


def _touched_block(size_mb: int) -> bytes:
    """Memory that is really resident: every page written, not just reserved."""
    return b"\x01" * (size_mb * MIB)


def _number(params: dict[str, Any], name: str) -> float:
    value = params.get(name) or 0
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number, not {value!r}") from None
    if number < 0:
        raise InvalidInput(f"{name} must not be negative")
    return number


class ChaosEngine(Engine):
    name: ClassVar[str] = "chaos"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._jobs_done = 0
        self._lock = threading.Lock()

    def load(self) -> None:
        if self.settings.chaos_load_delay_s:
            time.sleep(self.settings.chaos_load_delay_s)
        if self.settings.chaos_fail_load:
            raise RuntimeError("chaos engine told to fail its load (CHAOS_FAIL_LOAD=1)")

    def run(self, job: JobInput) -> EngineResult:
        params = job.params
        crash = params.get("crash")
        if crash is not None and crash not in CRASH_MODES:
            raise InvalidInput(f"crash must be one of {', '.join(CRASH_MODES)}")
        leak_mb, spike_mb = _number(params, "leak_mb"), _number(params, "spike_mb")
        if leak_mb:
            _LEAKED.append(_touched_block(int(leak_mb)))
        if spike_mb:
            self._spike(int(spike_mb))
        self._sleep(job, _number(params, "sleep_s"), _number(params, "steps"))
        if params.get("hang") in (True, "true", "1", 1):
            self._hang()
        if crash:
            self._crash(str(crash))
        with self._lock:
            self._jobs_done += 1
            done = self._jobs_done
        return {"pid": os.getpid(), "jobs_done": done, "echo": params.get("echo")}

    def sample_job(self) -> JobInput:
        return JobInput(params={"sleep_s": 0.01})

    @staticmethod
    def _sleep(job: JobInput, sleep_s: float, steps: float) -> None:
        """Sleep in `steps` equal parts (the API bounds them), reporting progress after
        each: the async-job tests watch it."""
        parts = max(int(steps), 1)
        for done in range(1, parts + 1 if sleep_s else 1):
            time.sleep(sleep_s / parts)
            if parts > 1:
                job.progress(done, parts)

    @staticmethod
    def _spike(size_mb: int) -> None:
        """Climb in steps so the supervisor can watch RSS rise, then let go."""
        blocks = []
        for _ in range(size_mb // SPIKE_STEP_MB):
            blocks.append(_touched_block(SPIKE_STEP_MB))
            time.sleep(SPIKE_STEP_PAUSE_S)
        blocks.clear()

    @staticmethod
    def _hang() -> None:
        """Hang holding a grandchild that ignores TERM: only a group KILL ends both."""
        subprocess.Popen([sys.executable, "-c", GRANDCHILD_CODE])
        while True:
            time.sleep(3600)

    @staticmethod
    def _crash(mode: str) -> None:
        if mode == "exit":
            os._exit(3)
        if mode == "segfault":
            ctypes.string_at(0)
        raise RuntimeError("chaos engine raised on request")
