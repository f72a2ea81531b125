"""Typed answers of the HTTP API (DESIGN.md section 4).

Parsing is lenient: a field the server leaves out gets a neutral default, and
every object keeps the whole JSON answer in `raw`, so fields added later (or
`gpu_info_before` / `gpu_info_after`) stay reachable without a client update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docwarden.readings import GpuInfo

TERMINAL_JOB_STATUSES = frozenset({"done", "failed", "cancelled"})


def _str(body: dict[str, Any], key: str, default: str = "") -> str:
    value = body.get(key)
    return default if value is None else str(value)


def _opt_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return None if value is None else str(value)


def _float(body: dict[str, Any], key: str, default: float = 0.0) -> float:
    value = body.get(key)
    return float(value) if isinstance(value, int | float) else default


def _opt_float(body: dict[str, Any], key: str) -> float | None:
    value = body.get(key)
    return float(value) if isinstance(value, int | float) else None


def _int(body: dict[str, Any], key: str, default: int = 0) -> int:
    value = body.get(key)
    return int(value) if isinstance(value, int | float) else default


def _opt_bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    return value if isinstance(value, bool) else None


def _dict(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _dicts(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    box: list[list[float]]

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> OcrLine:
        box = body.get("box")
        return cls(_str(body, "text"), _float(body, "score"), box if isinstance(box, list) else [])


@dataclass(frozen=True)
class OcrResult:
    text: str
    lines: list[OcrLine]
    width: int
    height: int
    processing_time_s: float
    worker_pid: int | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> OcrResult:
        pid = body.get("worker_pid")
        return cls(_str(body, "text"), [OcrLine.from_json(x) for x in _dicts(body, "lines")],
                   _int(body, "width"), _int(body, "height"),
                   _float(body, "processing_time_s"), pid if isinstance(pid, int) else None,
                   body)


@dataclass(frozen=True)
class IdCardFields:
    name: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    birth: str | None = None
    address: str | None = None
    id_number: str | None = None
    issuing_authority: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> IdCardFields:
        names = cls.__dataclass_fields__
        return cls(**{name: _opt_str(body, name) for name in names})


@dataclass(frozen=True)
class IdCardChecks:
    id_number_valid: bool | None = None
    birth_matches: bool | None = None
    sex_matches: bool | None = None
    region: str | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> IdCardChecks:
        return cls(_opt_bool(body, "id_number_valid"), _opt_bool(body, "birth_matches"),
                   _opt_bool(body, "sex_matches"), _opt_str(body, "region"))


@dataclass(frozen=True)
class IdCardResult:
    side: str
    fields: IdCardFields
    checks: IdCardChecks
    warnings: list[str]
    processing_time_s: float
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> IdCardResult:
        warnings = body.get("warnings")
        return cls(_str(body, "side"), IdCardFields.from_json(_dict(body, "fields")),
                   IdCardChecks.from_json(_dict(body, "checks")),
                   [str(w) for w in warnings] if isinstance(warnings, list) else [],
                   _float(body, "processing_time_s"), body)


@dataclass(frozen=True)
class PdfPage:
    number: int
    method: str
    chars: int

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> PdfPage:
        return cls(_int(body, "number"), _str(body, "method"), _int(body, "chars"))


@dataclass(frozen=True)
class PdfResult:
    markdown: str
    pages: list[PdfPage]
    processing_time_s: float
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> PdfResult:
        return cls(_str(body, "markdown"), [PdfPage.from_json(p) for p in _dicts(body, "pages")],
                   _float(body, "processing_time_s"), body)


@dataclass(frozen=True)
class WorkerInfo:
    pid: int
    engine: str
    state: str
    jobs_done: int
    rss_bytes: int
    uptime_s: float

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> WorkerInfo:
        return cls(_int(body, "pid"), _str(body, "engine"), _str(body, "state"),
                   _int(body, "jobs_done"), _int(body, "rss_bytes"), _float(body, "uptime_s"))


def _engine_names(value: object) -> list[str]:
    """`engines` as a {name: row} object or a list of names; anything else: none."""
    if isinstance(value, dict | list):
        return [str(name) for name in value]
    return []


@dataclass(frozen=True)
class Health:
    status: str
    uptime_s: float
    jobs_done: int
    workers: list[WorkerInfo]
    recycles: dict[str, int]
    host_available_bytes: int | None
    service_rss_bytes: int | None
    gpus: list[GpuInfo]
    raw: dict[str, Any] = field(repr=False)
    # Served engines (built-in and plug-in), from the answer's `engines` keys.
    engines: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Health:
        memory = _dict(body, "memory")
        gpu = body.get("gpu")
        gpus = [gpu] if isinstance(gpu, dict) else gpu if isinstance(gpu, list) else []
        recycles = {str(k): int(v) for k, v in _dict(body, "recycles").items()
                    if isinstance(v, int | float)}
        available = _opt_float(memory, "host_available_bytes")
        rss = _opt_float(memory, "service_rss_bytes")
        return cls(_str(body, "status", "unknown"), _float(body, "uptime_s"),
                   _int(body, "jobs_done"), [WorkerInfo.from_json(w) for w in
                                             _dicts(body, "workers")],
                   recycles, None if available is None else int(available),
                   None if rss is None else int(rss),
                   [GpuInfo.from_json(g) for g in gpus if isinstance(g, dict)], body,
                   _engine_names(body.get("engines")))


@dataclass(frozen=True)
class JobInfo:
    id: str
    status: str
    engine: str
    progress_done: int
    progress_total: int
    created_at: float | None
    started_at: float | None
    finished_at: float | None
    error: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> JobInfo:
        progress = _dict(body, "progress")
        error = body.get("error")
        return cls(_str(body, "id"), _str(body, "status"), _str(body, "engine"),
                   _int(progress, "done"), _int(progress, "total"),
                   _opt_float(body, "created_at"), _opt_float(body, "started_at"),
                   _opt_float(body, "finished_at"), error if isinstance(error, dict) else None,
                   body)
