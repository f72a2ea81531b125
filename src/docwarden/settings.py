"""The one place that reads the environment.

Every other module receives a `Settings` instance; nothing else calls
`os.environ` for configuration.  CLI flags of `docwarden serve` are generated
from these fields, so a flag and its variable can never drift apart.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_ENGINES = ("ocr", "idcard", "pdf")
COMPAT_PROFILES = ("deepseek", "sfzocr", "marker", "photoenhance")


class Device(StrEnum):
    CPU = "cpu"
    CUDA = "cuda"


class OcrPrecision(StrEnum):
    FP32 = "fp32"
    INT8 = "int8"


class Allocator(StrEnum):
    AUTO = "auto"
    JEMALLOC = "jemalloc"
    GLIBC = "glibc"


class DispatchMode(StrEnum):
    LOCAL = "local"
    CELERY = "celery"


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


class Settings(BaseSettings):
    """Service configuration; environment prefix `DOCWARDEN_`."""

    model_config = SettingsConfigDict(env_prefix="DOCWARDEN_", extra="ignore")

    host: str = Field("127.0.0.1", description="bind address (loopback by default)")
    port: int = Field(8000, ge=0, le=65535, description="bind port")
    engines: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_ENGINES),
        description="engines served, comma separated",
    )
    workers: int = Field(1, ge=1, le=64, description="worker processes per pool")
    threads_per_worker: int = Field(
        1, ge=1, le=32, description="concurrent jobs inside one worker sharing one model"
    )
    intra_op_threads: int = Field(
        1, ge=1, le=256, description="native threads per job (ORT/OMP/MKL)"
    )
    max_jobs_per_worker: int = Field(50, ge=0, description="recycle after this many jobs (0: off)")
    max_jobs_jitter: int = Field(5, ge=0, description="random extra jobs before a max_jobs recycle")
    max_worker_rss_mb: int = Field(2048, ge=1, description="soft RSS limit, checked after each job")
    hard_worker_rss_mb: int = Field(3072, ge=1, description="hard RSS limit, enforced mid-job")
    max_worker_uptime_s: float = Field(36000, gt=0, description="recycle a worker older than this")
    max_worker_gpu_mb: int = Field(
        0, ge=0, description="recycle a worker whose GPU memory exceeds this (0: off)"
    )
    job_timeout_s: float = Field(300, gt=0, description="default deadline for one job")
    max_job_timeout_s: float = Field(3600, gt=0, description="largest per-request deadline")
    queue_size: int = Field(16, ge=0, description="waiting jobs per pool before 429")
    min_free_memory_mb: int = Field(512, ge=0, description="refuse jobs below this host headroom")
    allocator: Allocator = Field(Allocator.AUTO, description="worker memory allocator")
    worker_retain_free_mb: int = Field(
        256, ge=0, description="freed memory a worker keeps mapped per job slot for its next jobs")
    device: Device = Field(Device.CPU, description="cpu or cuda")
    gpu_max_used_fraction: float = Field(0.95, gt=0, le=1, description="GPU precheck: max used")
    gpu_min_free_mb: int = Field(500, ge=0, description="GPU precheck: min free MB")
    max_upload_mb: float = Field(50, gt=0, description="largest upload")
    max_image_pixels: int = Field(16_777_216, gt=0, description="largest image, in pixels")
    max_pdf_pages: int = Field(500, gt=0, description="largest PDF, in pages")
    max_batch: int = Field(10, ge=1, description="largest batch")
    api_key: str | None = Field(None, description="Bearer key required on every route but health")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="CORS origins (off: empty)"
    )
    data_dir: Path = Field(Path("./docwarden-data"), description="job store and results")
    job_retention_s: float = Field(7 * 24 * 3600, gt=0, description="keep async results this long")
    log_level: str = Field("INFO", description="logging level")
    log_format: LogFormat = Field(LogFormat.JSON, description="json or text")
    enable_chaos: bool = Field(False, description="serve the chaos test engine")
    compat: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(COMPAT_PROFILES),
        description="compatibility profiles mounted, comma separated (empty: none)",
    )
    public_docs: bool = Field(
        False, description="with API_KEY set, serve /docs, /redoc and /openapi.json without it"
    )
    max_buffered_upload_mb: float = Field(
        512, gt=0, description="upload bytes buffered across all requests in flight before 429"
    )
    dispatch: DispatchMode = Field(DispatchMode.LOCAL, description="local or celery")
    broker_url: str | None = Field(
        None, description="Redis URL for DISPATCH=celery and `docwarden worker` "
        "(broker and result backend), e.g. redis://127.0.0.1:6379/0"
    )
    broker_master_name: str | None = Field(
        None, description="Redis Sentinel master name, needed when BROKER_URL is "
        "sentinel://host:26379;sentinel://host2:26379"
    )
    node_name: str = Field(default_factory=socket.gethostname,
                           description="this node's name in celery mode (unique per node)")

    # Supervisor tuning: rarely changed, documented in the README.
    watch_interval_s: float = Field(0.1, gt=0, le=0.25, description="supervisor tick")
    kill_grace_s: float = Field(1.0, ge=0, description="TERM-to-KILL grace for a worker")
    shutdown_grace_s: float = Field(30, ge=0, description="in-flight jobs may finish this long")
    spawn_backoff_base_s: float = Field(1.0, gt=0, description="first retry after a load failure")
    spawn_backoff_max_s: float = Field(60, gt=0, description="cap of the load-failure backoff")
    max_spawns_per_minute: int = Field(60, ge=1, description="spawn-rate bound per pool")
    poison_strikes: int = Field(2, ge=1, description="worker deaths before an input is refused")

    # Engine options.
    ocr_max_side_px: int = Field(2000, ge=64, description="downscale OCR input to this side")
    ocr_det_limit_side_px: int = Field(960, ge=32, description="detector input bound")
    pdf_dpi: int = Field(200, ge=72, le=300, description="render DPI for scanned pages")
    pdf_ocr_precision: OcrPrecision = Field(
        OcrPrecision.INT8, description="scanned pages' OCR models: docwarden's calibrated "
        "int8 builds of the detector and recogniser (faster) or the wheel's fp32 models"
    )
    enhance_model: str = Field("realesr-animevideov3", description="default enhancement model")
    enhance_model_dir: Path | None = Field(None, description="directory of user model plug-ins")
    enhance_max_output_pixels: int = Field(
        64_000_000, gt=0, description="largest enhanced image, in pixels"
    )
    face_model_path: Path | None = Field(
        None, description="ONNX face-restoration model (GFPGAN/CodeFormer, 1x3x512x512) for "
        "enhance's face_restore; the weights are the user's to supply, none ship"
    )

    # Test hooks: a fake NVML reading (JSON file path) for machines without a GPU.
    fake_nvml: Path | None = Field(None, description="path to a JSON file faking NVML readings")
    chaos_load_delay_s: float = Field(0, ge=0, description="chaos engine: slow load")
    chaos_fail_load: bool = Field(False, description="chaos engine: make every load fail")

    @field_validator("engines", "cors_origins", "compat", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("compat")
    @classmethod
    def _known_profiles(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(COMPAT_PROFILES))
        if unknown:
            raise ValueError(f"unknown compatibility profile(s) {', '.join(unknown)}; "
                             f"known: {', '.join(COMPAT_PROFILES)}")
        return value

    @model_validator(mode="after")
    def _celery_needs_a_broker(self) -> Settings:
        """Fail at start, not at the first request: celery mode has nowhere to send jobs."""
        if self.dispatch is DispatchMode.CELERY and not self.broker_url:
            raise ValueError("DOCWARDEN_DISPATCH=celery needs DOCWARDEN_BROKER_URL "
                             "(for example redis://127.0.0.1:6379/0)")
        if (self.broker_url or "").startswith("sentinel://") and not self.broker_master_name:
            raise ValueError("a sentinel:// DOCWARDEN_BROKER_URL needs "
                             "DOCWARDEN_BROKER_MASTER_NAME (the name the sentinels monitor)")
        return self

    @property
    def served_engines(self) -> list[str]:
        """Engines with the chaos engine added only when explicitly enabled."""
        names = [name for name in self.engines if name != "chaos"]
        if self.enable_chaos:
            names.append("chaos")
        return names

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_buffered_upload_bytes(self) -> int:
        return int(self.max_buffered_upload_mb * 1024 * 1024)


# The seed deployments' environment names (sfzocr, the Marker service, PhotoEnhanceAI,
# the DeepSeek-OCR server) and what does their job here.  docwarden never reads them as
# configuration; `docwarden serve` warns when one is set, so a moved .env is not silently
# ignored.  Read from those repositories' config files (docs/compat.md).
SEED_VARIABLES: dict[str, str] = {
    "WORKERS": "DOCWARDEN_WORKERS (worker processes per engine pool: one web process, "
               "so WORKERS x OCR_PROCESS_POOL_SIZE model copies become DOCWARDEN_WORKERS)",
    "API_WORKERS": "DOCWARDEN_WORKERS (worker processes per engine pool)",
    "OCR_PROCESS_POOL_SIZE": "DOCWARDEN_WORKERS (worker processes per engine pool)",
    "MAX_CONCURRENT_REQUESTS": "DOCWARDEN_QUEUE_SIZE (waiting jobs per pool before 429) with "
                               "DOCWARDEN_WORKERS x DOCWARDEN_THREADS_PER_WORKER running",
    "MAX_CONCURRENT_TASKS": "DOCWARDEN_QUEUE_SIZE (waiting jobs per pool before 429)",
    "MAX_CONVERSIONS": "DOCWARDEN_MAX_JOBS_PER_WORKER (recycle a worker after N jobs, "
                       "warm, instead of restarting the service)",
    "MEMORY_THRESHOLD_GB": "DOCWARDEN_MAX_WORKER_RSS_MB (GB x 1024; recycle a worker above it) "
                           "and DOCWARDEN_HARD_WORKER_RSS_MB (kill mid-job)",
    "OCR_TIMEOUT": "DOCWARDEN_JOB_TIMEOUT_S (deadline of one job, enforced by the parent)",
    "OCR_TASK_TIMEOUT": "DOCWARDEN_JOB_TIMEOUT_S (deadline of one job, enforced by the parent)",
    "MAX_FILE_SIZE": "DOCWARDEN_MAX_UPLOAD_MB (largest upload, in MB)",
    "MAX_FILE_SIZE_MB": "DOCWARDEN_MAX_UPLOAD_MB (largest upload, in MB)",
    "MAX_CONTENT_LENGTH": "DOCWARDEN_MAX_UPLOAD_MB (largest upload, in MB)",
    "HOST": "DOCWARDEN_HOST (bind address)",
    "API_HOST": "DOCWARDEN_HOST (bind address)",
    "PORT": "DOCWARDEN_PORT (bind port)",
    "API_PORT": "DOCWARDEN_PORT (bind port)",
    "API_KEYS": "DOCWARDEN_API_KEY (one key; sent as 'Authorization: Bearer' or X-API-KEY)",
    "CORS_ORIGINS": "DOCWARDEN_CORS_ORIGINS (comma separated; CORS is off when empty)",
    "LOG_LEVEL": "DOCWARDEN_LOG_LEVEL",
    "DEBUG": "DOCWARDEN_LOG_LEVEL=DEBUG",
    "LOG_DIR": "nothing: logs go to stdout (DOCWARDEN_LOG_FORMAT json or text); "
               "journald or the process manager keeps and rotates them",
    "LOG_FILENAME": "nothing: logs go to stdout (DOCWARDEN_LOG_FORMAT)",
    "LOG_ROTATION": "nothing: logs go to stdout; rotate with journald or logrotate",
    "LOG_RETENTION": "nothing: logs go to stdout; rotate with journald or logrotate",
    "MEMORY_OPTIMIZATION": "nothing: DOCWARDEN_ALLOCATOR and worker recycling "
                           "(DOCWARDEN_MAX_WORKER_RSS_MB) keep memory flat",
    "ENABLE_GC_AFTER_REQUEST": "nothing: workers trim after jobs and are recycled by "
                               "DOCWARDEN_MAX_WORKER_RSS_MB",
    "TASK_CLEANUP_HOURS": "DOCWARDEN_JOB_RETENTION_S (hours x 3600)",
    "OCR_MODEL_DIR": "nothing: the models ship in the wheels (enhancement plug-ins: "
                     "DOCWARDEN_ENHANCE_MODEL_DIR)",
    "MARKER_CACHE_DIR": "nothing: the PDF engine needs no model download",
    "DEEPSEEK_MODEL_NAME": "nothing: the OCR engine's models ship in the rapidocr wheel",
    "OCR_BASE_SIZE": "DOCWARDEN_OCR_MAX_SIDE_PX (input downscale)",
    "OCR_IMAGE_SIZE": "DOCWARDEN_OCR_DET_LIMIT_SIDE_PX (detector input bound)",
    "OCR_CROP_MODE": "nothing: the OCR engine detects text lines itself",
    "OCR_TEST_COMPRESS": "nothing (a DeepSeek-OCR debugging switch)",
    "OCR_SAVE_RESULTS": "nothing: use the async jobs (POST /v1/jobs) to keep results",
    "OMP_NUM_THREADS": "DOCWARDEN_INTRA_OP_THREADS (workers get it in OMP/MKL/OpenBLAS "
                       "variables; this value is replaced there)",
    "MKL_NUM_THREADS": "DOCWARDEN_INTRA_OP_THREADS (this value is replaced in workers)",
    "MALLOC_ARENA_MAX": "DOCWARDEN_ALLOCATOR (glibc workers get MALLOC_ARENA_MAX=2; "
                        "this value is replaced there)",
    "PYTORCH_CUDA_ALLOC_CONF": "nothing: no built-in engine uses PyTorch "
                               "(GPU headroom: DOCWARDEN_GPU_MIN_FREE_MB)",
}


def seed_variable_warnings(environ: Mapping[str, str]) -> list[str]:
    """One line per seed-deployment variable set in `environ`, naming what replaces it.

    Pure (the caller passes the environment), so it is tested without touching
    `os.environ`; `docwarden serve` logs each line as a warning at start.  Values are
    never echoed: API_KEYS holds secrets.
    """
    lines = []
    for name, replacement in SEED_VARIABLES.items():
        if name not in environ:
            continue
        if replacement.startswith("nothing"):
            why = replacement.removeprefix("nothing").lstrip(": ") or "not needed"
            lines.append(f"{name} is set but docwarden does not read it, and needs no "
                         f"setting for it: {why}")
        else:
            lines.append(f"{name} is set but docwarden does not read it; use {replacement}")
    return lines


def seed_warnings_from_environment() -> list[str]:
    """`seed_variable_warnings` of this process's environment (read here, as every setting)."""
    return seed_variable_warnings(os.environ)
