"""Image preparation and line geometry for the OCR engine.

Pure Pillow/numpy code, kept apart from the model so it can be unit-tested
fast.  Every input mode ends as 8-bit RGB; the image is scaled once, here, so
the detector never sees more than `max_side_px` (memory stays bounded whatever
the upload) and tiny crops are enlarged to a legible height.  Boxes found on
the scaled image are mapped back to the caller's pixel coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

# The recogniser needs about this many pixels across a line; smaller inputs are enlarged.
MIN_SIDE_PX = 30
# Blank border added around the image: the detector misses text that touches an edge
# (measured with bench/accuracy/ocr.py: CER 1.7 % -> 1.4 % on supported scripts).
MARGIN_PX = 16
# Rows: a box joins the current row when it overlaps the row band by this fraction.
ROW_OVERLAP_FRACTION = 0.5
LUMINANCE_WEIGHTS = (0.299, 0.587, 0.114)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)

Box = list[list[float]]
_PASS_MODES = {"L", "LA", "RGB", "RGBA"}
_HIGH_DEPTH_MODES = {"I", "F", "I;16", "I;16L", "I;16B", "I;16N"}


@dataclass(frozen=True)
class PreparedImage:
    """The RGB image the models see: the caller's image scaled, then framed by a margin."""

    image: Image.Image
    scale_x: float
    scale_y: float
    margin_px: int = 0


def _high_depth_to_l(image: Image.Image) -> Image.Image:
    """16-bit / 32-bit / float gray to 8-bit, stretched so the brightest pixel is white."""
    values = np.asarray(image, dtype=np.float32)
    peak = float(values.max()) if values.size else 0.0
    if image.mode == "F" and 0.0 < peak <= 1.0:
        values = values * 255.0
    elif peak > 255.0:
        values = values * (255.0 / peak)
    return Image.fromarray(np.rint(np.clip(values, 0, 255)).astype(np.uint8))


def normalise_mode(image: Image.Image) -> Image.Image:
    """Any Pillow mode to one of L, LA, RGB, RGBA (alpha kept for compositing later)."""
    mode = image.mode
    if mode in _PASS_MODES:
        return image
    if mode in _HIGH_DEPTH_MODES:
        return _high_depth_to_l(image)
    if mode == "1":
        return image.convert("L")
    if mode in {"P", "PA"}:
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode == "La":
        return image.convert("LA")
    if mode == "RGBa":
        return image.convert("RGBA")
    return image.convert("RGB")


def fit_scale(width: int, height: int, max_side_px: int, min_side_px: int = MIN_SIDE_PX) -> float:
    """Enlarge tiny images up to `min_side_px`, never letting the long side pass `max_side_px`."""
    cap = max_side_px / max(width, height)
    grow = max(1.0, min_side_px / min(width, height))
    return min(cap, grow)


def _resize(image: Image.Image, max_side_px: int) -> Image.Image:
    scale = fit_scale(image.width, image.height, max_side_px)
    if scale == 1.0:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resample = Image.Resampling.LANCZOS if scale < 1.0 else Image.Resampling.BICUBIC
    return image.resize(size, resample, reducing_gap=3.0 if scale < 1.0 else None)


def contrast_background(image: Image.Image) -> tuple[int, int, int]:
    """Background that contrasts with the visible pixels: white under dark ink, black under light.

    White text on a transparent layer would vanish on the usual white background.
    """
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
    alpha = rgba[..., 3]
    weight = float(alpha.sum())
    if weight == 0.0:
        return WHITE
    luminance = rgba[..., :3] @ np.asarray(LUMINANCE_WEIGHTS, dtype=np.float32)
    mean = float((luminance * alpha).sum()) / weight
    return WHITE if mean < 128.0 else BLACK


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode not in {"LA", "RGBA"}:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, contrast_background(rgba))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def border_colour(image: Image.Image) -> tuple[int, int, int]:
    """Median colour of the outermost pixels: the margin then looks like the page."""
    pixels = np.asarray(image.convert("RGB"))
    edge = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    red, green, blue = (int(v) for v in np.median(edge, axis=0))
    return red, green, blue


def prepare(image: Image.Image, max_side_px: int, margin_px: int = MARGIN_PX) -> PreparedImage:
    """Upright PIL image of any mode -> bounded 8-bit RGB image, framed by a margin.

    The result is at most `max_side_px + 2 * margin_px` on its long side.
    """
    if image.width < 1 or image.height < 1:
        raise ValueError("an image needs at least one pixel")
    rgb = _flatten(_resize(normalise_mode(image), max_side_px))
    scale_x, scale_y = rgb.width / image.width, rgb.height / image.height
    if margin_px > 0:
        rgb = ImageOps.expand(rgb, margin_px, fill=border_colour(rgb))
    return PreparedImage(rgb, scale_x, scale_y, margin_px)


def to_bgr_array(image: Image.Image) -> npt.NDArray[np.uint8]:
    """RGB PIL image -> contiguous BGR uint8 array, the layout the PP-OCR models were trained on."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def unscale_box(
    points: Sequence[Sequence[float]], prepared: PreparedImage, width: int, height: int
) -> Box:
    """A box on the prepared image -> 4 points in the caller's pixel coordinates, clipped."""
    box: Box = []
    margin = float(prepared.margin_px)
    for x, y in points:
        ox = min(max((float(x) - margin) / prepared.scale_x, 0.0), float(width))
        oy = min(max((float(y) - margin) / prepared.scale_y, 0.0), float(height))
        box.append([round(ox, 1), round(oy, 1)])
    return box


def reading_order(boxes: Sequence[Sequence[Sequence[float]]]) -> list[int]:
    """Indices of `boxes` top-to-bottom, boxes on one visual row left-to-right.

    Boxes are taken by vertical centre; a box joins the current row when it
    overlaps the row's (running mean) band by half the smaller height, so a
    slightly skewed or taller word still lands on its own row.
    """
    spans = [(min(p[1] for p in b), max(p[1] for p in b), min(p[0] for p in b)) for b in boxes]
    by_centre = sorted(range(len(spans)), key=lambda i: (spans[i][0] + spans[i][1]) / 2)
    rows: list[list[int]] = []
    top = bottom = 0.0
    for index in by_centre:
        y0, y1, _ = spans[index]
        overlap = min(bottom, y1) - max(top, y0)
        if rows and overlap >= ROW_OVERLAP_FRACTION * min(bottom - top, y1 - y0):
            row = rows[-1]
            row.append(index)
            top += (y0 - top) / len(row)
            bottom += (y1 - bottom) / len(row)
        else:
            rows.append([index])
            top, bottom = y0, y1
    return [index for row in rows for index in sorted(row, key=lambda i: spans[i][2])]
