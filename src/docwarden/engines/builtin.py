"""The built-in engines' specs and parameter models (light: no model imports).

The engines validate with the same models in their workers, so a parameter
is defined once: here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from docwarden.engines.spec import EngineParams, EngineSpec, InputKind, NoParams

MIN_DPI, MAX_DPI = 72, 600
ENHANCE_SCALES = (2, 4)
CHAOS_MAX_MB = 1024 * 1024  # finite and far beyond any box: the hard limit is the real bound
CHAOS_MAX_STEPS = 1000
CHAOS_MAX_SLEEP_S = 3600.0
MAX_ECHO_CHARS = 1024


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


class IdCardParams(EngineParams):
    side: Literal["front", "back", "auto", "foreign_new", "foreign_old"] = Field(
        "auto", description="which side the image shows (auto detects it from the content, "
        "foreign cards included); foreign_new / foreign_old: a foreigner's permanent "
        "residence ID card, new (2023) or old format")
    debug: bool = Field(False, description="also answer the raw OCR lines as `ocr_text`")
    fast_mode: bool = Field(False, description="skip the slower passes (value re-reads, "
                            "other orientations): faster, a little less accurate")

    _side_lower = field_validator("side", mode="before")(_lower)


class PdfParams(EngineParams):
    password: str | None = Field(None, max_length=1024, description="password of an encrypted PDF")
    pages: str | None = Field(
        None, max_length=1024, pattern=r"^[0-9,\- ]*$",
        description="pages to convert, 1-based, e.g. '1-3,7' (default: all)")
    page_separators: bool = Field(False, description="put '---' between pages")
    dpi: int | None = Field(None, ge=MIN_DPI, le=MAX_DPI,
                            description="render DPI for scanned pages (default PDF_DPI)")


class EnhanceParams(EngineParams):
    scale: int = Field(4, description="upscaling factor", json_schema_extra={"enum": [2, 4]})
    model: str | None = Field(None, max_length=128, pattern=r"^[A-Za-z0-9._-]*$",
                              description="model name (default ENHANCE_MODEL)")
    format: Literal["png", "jpeg", "webp"] = Field("png", description="output image format")
    quality: int | None = Field(None, ge=1, le=100, description="JPEG/WebP quality")
    face_restore: bool = Field(False, description="restore faces with the configured model")

    _format_lower = field_validator("format", mode="before")(_lower)

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, value: int) -> int:
        if value not in ENHANCE_SCALES:
            raise ValueError("scale must be 2 or 4")
        return value


class ChaosParams(EngineParams):
    sleep_s: float = Field(0, ge=0, le=CHAOS_MAX_SLEEP_S, description="sleep this long")
    steps: int = Field(1, ge=1, le=CHAOS_MAX_STEPS,
                       description="sleep in this many parts, reporting progress after each")
    leak_mb: float = Field(0, ge=0, le=CHAOS_MAX_MB, description="leak this much for good")
    spike_mb: float = Field(0, ge=0, le=CHAOS_MAX_MB, description="hold this much for the job")
    crash: Literal["exit", "segfault", "exception"] | None = Field(None, description="crash so")
    hang: bool = Field(False, description="hang for ever, holding a grandchild process")
    echo: int | float | str | bool | None = Field(
        None, description="returned as it is (a short string or a number)")

    @field_validator("echo")
    @classmethod
    def _short_echo(cls, value: object) -> object:
        if isinstance(value, str) and len(value) > MAX_ECHO_CHARS:
            raise ValueError(f"echo is at most {MAX_ECHO_CHARS} characters")
        return value


BUILTIN_SPECS: dict[str, EngineSpec] = {spec.name: spec for spec in (
    EngineSpec("ocr", "docwarden.engines.ocr.engine:OcrEngine", "Recognise text in an image",
               params=NoParams, load_rss_hint_mb=220, job_rss_hint_mb=300, uses_gpu=True),
    EngineSpec("idcard", "docwarden.engines.idcard:IdCardEngine",
               "Read a Chinese resident ID card (or a foreign permanent residence card)",
               params=IdCardParams,
               joint_files=("front", "back"), load_rss_hint_mb=270, job_rss_hint_mb=180,
               uses_gpu=True),
    EngineSpec("pdf", "docwarden.engines.pdf:PdfEngine", "Convert a PDF to Markdown",
               input=InputKind.PDF, params=PdfParams, batch=False, load_rss_hint_mb=80,
               job_rss_hint_mb=250),
    EngineSpec("enhance", "docwarden.engines.enhance.engine:EnhanceEngine",
               "Upscale an image (Real-ESRGAN); answers image bytes", params=EnhanceParams,
               batch=False, binary_result=True, load_rss_hint_mb=160, job_rss_hint_mb=300,
               uses_gpu=True),
    EngineSpec("chaos", "docwarden.engines.chaos:ChaosEngine",
               "Test engine that misbehaves on request", input=InputKind.NONE,
               params=ChaosParams, batch=False, load_rss_hint_mb=60, job_rss_hint_mb=10,
               uses_gpu=True),  # it stands in for GPU models too: the precheck applies
)}
