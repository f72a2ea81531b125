"""Running an engine from any route: parameters, input guards, admission, dispatch.

The generated /v1 routes, async jobs and the compatibility profiles all go
through these few functions, so governance (guards, queue bound, memory and
GPU headroom, deadlines, poison table) is identical behind every interface.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from docwarden.admission import IMAGES, PDF
from docwarden.api.context import ServiceContext
from docwarden.api.errors import validation_message
from docwarden.engines.registry import engine_specs
from docwarden.engines.spec import EngineSpec, InputKind
from docwarden.errors import InvalidInput, NotReady
from docwarden.jobdata import JobOutcome, JobPayload
from docwarden.jobs.models import JobRecord
from docwarden.media import MediaType

TIMEOUT_PARAM = "timeout_s"
# A deadline shorter than this is no deadline a model can meet: it would only kill workers.
MIN_TIMEOUT_S = 1.0
ACCEPTED: dict[InputKind, frozenset[MediaType]] = {
    InputKind.IMAGE: IMAGES, InputKind.PDF: PDF, InputKind.NONE: frozenset()}


def served_spec(ctx: ServiceContext, engine: object) -> EngineSpec:
    """The spec of an engine this server serves, or a 422 that lists what it serves."""
    specs = engine_specs()
    if not isinstance(engine, str) or engine not in ctx.settings.served_engines \
            or engine not in specs:
        served = ", ".join(ctx.settings.served_engines)
        raise InvalidInput(f"engine {str(engine)[:64]!r} is not served here (served: {served})")
    return specs[engine]


def validate_params(spec: EngineSpec, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return spec.validate_params(raw)
    except ValidationError as error:
        raise InvalidInput(f"invalid parameters for {spec.name}: "
                           f"{validation_message(error)}") from None


def parse_timeout(ctx: ServiceContext, raw: object) -> float | None:
    """A finite deadline within [MIN_TIMEOUT_S, MAX_JOB_TIMEOUT_S], or None for the default."""
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput(f"{TIMEOUT_PARAM} must be a number of seconds") from None
    limit = ctx.settings.max_job_timeout_s
    if not math.isfinite(value) or not MIN_TIMEOUT_S <= value <= limit:
        raise InvalidInput(f"{TIMEOUT_PARAM} must be a number from {MIN_TIMEOUT_S:g} to "
                           f"{limit:g} seconds (DOCWARDEN_MAX_JOB_TIMEOUT_S)")
    return value


def build_payload(ctx: ServiceContext, spec: EngineSpec, files: dict[str, bytes],
                  params: dict[str, Any]) -> JobPayload:
    """Validated parameters and guarded files; `file` is the main input, others joint files."""
    clean = validate_params(spec, params)
    for data in files.values():
        ctx.admission.check_input(spec.name, data, ACCEPTED[spec.input])
    main = files.get("file")
    others = {name: data for name, data in files.items() if name != "file"}
    return JobPayload(data=main, files=others, params=clean)


async def run_engine(ctx: ServiceContext, engine: str, payload: JobPayload,
                     timeout_s: float | None = None) -> JobOutcome:
    """Admit (readiness, memory, GPU) and run one job; raises a DocwardenError on failure."""
    ctx.admission.check_capacity(engine)
    return await ctx.dispatcher.run(engine, payload, timeout_s=timeout_s)


async def submit_job(ctx: ServiceContext, engine: str, payload: JobPayload,
                     timeout_s: float | None = None) -> JobRecord:
    """Store an async job (it survives restarts); the job runner admits and runs it."""
    if ctx.job_runner is None:
        raise NotReady("the async job runner is not running", retry_after_s=5)
    return await ctx.job_runner.submit(engine, payload, timeout_s=timeout_s)
