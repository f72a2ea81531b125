"""The one place that reads the environment.

Every other module receives a `Settings` instance; nothing else calls
`os.environ` for configuration.  CLI flags of `docwarden serve` are generated
from these fields, so a flag and its variable can never drift apart.
"""

from __future__ import annotations

import socket
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_ENGINES = ("ocr", "idcard", "pdf")
COMPAT_PROFILES = ("deepseek", "sfzocr", "marker", "photoenhance")


class Device(StrEnum):
    CPU = "cpu"
    CUDA = "cuda"


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
    broker_url: str | None = Field(None, description="Redis URL for DISPATCH=celery")
    node_name: str = Field(default_factory=socket.gethostname,
                           description="this node's name in celery mode")

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
    enhance_model: str = Field("realesr-animevideov3", description="default enhancement model")
    enhance_model_dir: Path | None = Field(None, description="directory of user model plug-ins")
    enhance_max_output_pixels: int = Field(
        64_000_000, gt=0, description="largest enhanced image, in pixels"
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
