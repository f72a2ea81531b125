"""The smallest docwarden plug-in engine: the digest and size of an uploaded image."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Literal

from pydantic import Field

from docwarden.engines.base import Engine, JobInput
from docwarden.engines.spec import EngineParams
from docwarden.errors import InvalidInput


class ChecksumParams(EngineParams):
    algorithm: Literal["sha256", "sha1", "blake2b"] = Field(
        "sha256", description="hash function applied to the file's bytes")


class ChecksumEngine(Engine):
    """Digest and size of an uploaded image."""

    params_model: ClassVar[type[EngineParams]] = ChecksumParams
    load_rss_hint_mb: ClassVar[int] = 60
    job_rss_hint_mb: ClassVar[int] = 5

    def load(self) -> None:
        """Nothing to load; a real engine imports and opens its model here."""

    def run(self, job: JobInput) -> dict[str, Any]:
        if not job.data:
            raise InvalidInput("send the image to hash as the job's file")
        params = ChecksumParams.model_validate(job.params)
        digest = hashlib.new(params.algorithm, job.data).hexdigest()
        return {"algorithm": params.algorithm, "digest": digest, "size_bytes": len(job.data)}

    def sample_job(self) -> JobInput:
        return JobInput(data=b"docwarden")
