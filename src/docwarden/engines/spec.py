"""What the API needs to know about an engine, without importing its models.

Routes, admission, OpenAPI and the job runner are generated from `EngineSpec`s,
so a plug-in engine is served exactly like a built-in one.  A spec names the
engine class by import path: only worker processes import it (and with it
onnxruntime or whatever the engine needs).

Every engine declares its parameters as a pydantic model derived from
`EngineParams`: unknown fields, non-finite numbers and out-of-range values are
refused at admission with a 422, before a worker sees the job, and the same
model is the request schema in the OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

MAX_PARAM_CHARS = 4096


class InputKind(StrEnum):
    """What one job of the engine reads: an image, a PDF, or only its parameters."""

    IMAGE = "image"
    PDF = "pdf"
    NONE = "none"


class EngineParams(BaseModel):
    """Base of every params model: strict about what it accepts, lenient about form strings.

    Multipart form fields arrive as strings, so pydantic's lax mode ("300" ->
    300, "true" -> True) is kept; NaN and infinity are never a valid number.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False,
                              str_max_length=MAX_PARAM_CHARS, frozen=True)


class NoParams(EngineParams):
    """An engine without parameters."""


@dataclass(frozen=True)
class EngineSpec:
    """The public face of an engine: its routes, inputs, parameters and memory hints."""

    name: str
    engine: str  # "package.module:Class", imported only inside worker processes
    summary: str = ""
    input: InputKind = InputKind.IMAGE
    params: type[EngineParams] = NoParams
    # /v1/<name>/batch: one job per uploaded file (engines whose jobs take one input).
    batch: bool = True
    # Named files that together make one job (idcard: front and back).  When set,
    # /v1/<name>/batch takes these fields and runs them as one job instead.
    joint_files: tuple[str, ...] = ()
    # The engine answers bytes (an image) rather than JSON.
    binary_result: bool = False
    # Rough figures used before a measurement exists: `plan` and admission read them.
    load_rss_hint_mb: int = 200
    job_rss_hint_mb: int = 100
    # The engine allocates GPU memory when DEVICE=cuda (GPU precheck applies).
    uses_gpu: bool = False

    @property
    def takes_file(self) -> bool:
        return self.input is not InputKind.NONE

    def validate_params(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Validated parameters as the worker receives them (defaults left out).

        Raises pydantic's ValidationError; the API turns it into `invalid_input`.
        """
        model = self.params.model_validate(raw)
        return model.model_dump(mode="json", exclude_defaults=True)
