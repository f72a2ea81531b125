"""Admission control: decide before dispatch whether a job may enter a pool.

Cheap checks only (magic bytes, image headers, host and GPU headroom,
readiness): anything that decodes pixels or parses PDF objects runs in a
governed worker, because a hostile file must never take the API process down.
The queue bound and the poison table are enforced atomically by the
supervisor when the job is submitted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from docwarden.engines.registry import served_specs
from docwarden.engines.spec import EngineSpec
from docwarden.errors import (
    DocwardenError,
    GpuMemory,
    InputTooLarge,
    InsufficientMemory,
    NotReady,
    UnsupportedMediaType,
)
from docwarden.media import MediaType, check_pixels, image_size, sniff
from docwarden.monitoring.gpu import GpuProbe, gpu_pressure
from docwarden.monitoring.memory import host_available_bytes
from docwarden.monitoring.metrics import Metrics
from docwarden.readings import MIB
from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor

IMAGES = frozenset(m for m in MediaType if m.is_image)
PDF = frozenset({MediaType.PDF})
IMAGES_AND_PDF = IMAGES | PDF
MEMORY_RETRY_AFTER_S = 5
GPU_RETRY_AFTER_S = 10


class Admission:
    def __init__(self, settings: Settings, supervisor: Supervisor, gpu: GpuProbe,
                 metrics: Metrics, specs: Mapping[str, EngineSpec] | None = None) -> None:
        self.settings = settings
        self.supervisor = supervisor
        self.gpu = gpu
        self.metrics = metrics
        # The served engines' specs: a job's memory hint, whether it uses the GPU.
        self.specs = dict(specs) if specs is not None else served_specs(settings.served_engines)

    def _reject(self, engine: str, error: DocwardenError) -> DocwardenError:
        self.metrics.rejected.labels(engine, error.code.value).inc()
        return error

    def check_input(self, engine: str, data: bytes,
                    accepted: Collection[MediaType]) -> MediaType:
        """Refuse what no worker should see: wrong type, too big, bombs by their header."""
        try:
            if len(data) > self.settings.max_upload_bytes:
                raise InputTooLarge(f"the upload is {len(data):,} bytes, over the limit of "
                                    f"{self.settings.max_upload_mb:g} MB (DOCWARDEN_MAX_UPLOAD_MB)")
            media_type = sniff(data)
            if media_type not in accepted:
                raise UnsupportedMediaType(
                    f"{engine} does not accept {media_type.value}; it accepts "
                    + ", ".join(sorted(m.value for m in accepted)))
            if media_type.is_image:
                check_pixels(*image_size(data), self.settings.max_image_pixels)
        except DocwardenError as error:
            raise self._reject(engine, error) from None
        return media_type

    def check_batch_size(self, engine: str, count: int) -> None:
        if count > self.settings.max_batch:
            raise self._reject(engine, InputTooLarge(
                f"{count} files in one batch, over the limit of {self.settings.max_batch} "
                "(DOCWARDEN_MAX_BATCH)"))

    def check_capacity(self, engine: str) -> None:
        """Readiness, host memory and GPU headroom, in that order."""
        pool = self.supervisor.pool(engine)
        if not pool.accepts_jobs:
            reason = f": last load error: {pool.last_load_error}" if pool.last_load_error else ""
            raise self._reject(engine, NotReady(
                f"no {engine} worker is loaded yet{reason}", retry_after_s=MEMORY_RETRY_AFTER_S))
        self._check_host_memory(engine)
        self._check_gpu(engine)

    def _check_host_memory(self, engine: str) -> None:
        """The floor MIN_FREE_MEMORY_MB, plus what one job of this engine will take above
        it (its job_rss_hint_mb), must be free; MIN_FREE_MEMORY_MB=0 turns the check off."""
        floor_mb = self.settings.min_free_memory_mb
        if floor_mb == 0:
            return
        spec = self.specs.get(engine)
        job_mb = spec.job_rss_hint_mb if spec is not None else 0
        available_mb = host_available_bytes() // MIB
        if available_mb < floor_mb + job_mb:
            raise self._reject(engine, InsufficientMemory(
                f"the host has {available_mb} MB available; a {engine} job needs about "
                f"{job_mb} MB above DOCWARDEN_MIN_FREE_MEMORY_MB={floor_mb}",
                retry_after_s=MEMORY_RETRY_AFTER_S))

    def _check_gpu(self, engine: str) -> None:
        """Only for engines that declare GPU use (a CPU engine runs whatever the GPU holds)."""
        spec = self.specs.get(engine)
        if spec is not None and not spec.uses_gpu:
            return
        info = self.gpu.snapshot()
        if info is None:
            return
        why = gpu_pressure(info, self.settings.gpu_max_used_fraction,
                           self.settings.gpu_min_free_mb)
        if why is not None:
            raise self._reject(engine, GpuMemory(
                why, retry_after_s=GPU_RETRY_AFTER_S, details={"gpu_info": info.to_dict()}))
