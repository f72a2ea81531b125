"""What the LitServe and Ray Serve apps share: docwarden's engines, loaded as its workers do.

The peers (bench.compare.peer_litserve, bench.compare.peer_ray) are started by
bench.compare.peers as `python -m bench.compare.peer_<name> ocr|chaos PORT SLOTS DEADLINE_S`
with the repository root on PYTHONPATH and docwarden's worker variables (thread caps,
allocator) in the environment of their whole process tree.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

from docwarden.engines.base import Engine
from docwarden.settings import Settings

LOOPBACK = "127.0.0.1"
MODES = ("ocr", "chaos")


@dataclass(frozen=True)
class PeerArgs:
    mode: str
    port: int
    slots: int
    deadline_s: float


def parse(argv: list[str]) -> PeerArgs:
    mode, port, slots, deadline_s = argv
    if mode not in MODES:
        raise SystemExit(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    return PeerArgs(mode, int(port), int(slots), float(deadline_s))


def load_engine(mode: str) -> Engine:
    """The engine a docwarden worker would load for `mode`, with docwarden's Settings."""
    if mode == "ocr":
        from docwarden.engines.ocr.engine import OcrEngine

        engine: Engine = OcrEngine(Settings())
    else:
        from docwarden.engines.chaos import ChaosEngine

        engine = ChaosEngine(Settings())
    engine.load()
    return engine


def as_json(result: Any) -> Any:
    """An engine result as a JSON-ready value (pydantic models dumped)."""
    dump = getattr(result, "model_dump", None)
    return dump(mode="json") if callable(dump) else result


def _stop_on_term(_signum: int, _frame: object) -> None:
    raise SystemExit(143)  # unwinds through the peer's own shutdown code


def _interrupt_on_term(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # LitServe's graceful path is the one Ctrl-C takes


def exit_on_term(as_ctrl_c: bool = False) -> None:
    """SIGTERM (what docker, systemd and the benchmark send) into the peer's own way down."""
    signal.signal(signal.SIGTERM, _interrupt_on_term if as_ctrl_c else _stop_on_term)
