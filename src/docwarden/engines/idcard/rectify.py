"""A card at any angle: the text-line angle from the detector's boxes, and the rotation.

The text detector returns a rotated quadrilateral per line even when the card
is turned by 37 or 130 degrees; their long edges give the card's angle modulo
90.  Turning the image by that residual leaves the card upright or on a
quarter turn, which the engine's quarter-turn logic already handles.  Pure
(Pillow and math), so it is unit-tested with hand-made boxes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from docwarden.engines.idcard.layout import LineLike

# Below this residual the boxes are deskewed geometrically (layout.skew_deg); above, the
# image is turned before reading so the recogniser and the row grouping see level lines.
MIN_RECTIFY_DEG = 4.0
# Only boxes this much longer than thick carry a direction.
MIN_ELONGATION = 2.5
# Boxes further than this from the first estimate are outliers (background, stray marks).
INLIER_DEG = 10.0
MIN_LINES = 2
Point = tuple[float, float]


@dataclass(frozen=True)
class Rotation:
    """An image turned counter-clockwise by `degrees` about its centre, canvas expanded."""

    degrees: float
    old_size: tuple[int, int]
    new_size: tuple[int, int]

    def point(self, x: float, y: float) -> Point:
        """Where a pixel of the original image lands in the turned one."""
        rad = math.radians(self.degrees)
        dx, dy = x - self.old_size[0] / 2, y - self.old_size[1] / 2
        return (self.new_size[0] / 2 + math.cos(rad) * dx + math.sin(rad) * dy,
                self.new_size[1] / 2 - math.sin(rad) * dx + math.cos(rad) * dy)


def line_direction(box: Sequence[Sequence[float]]) -> tuple[float, float] | None:
    """(angle of the long edge in degrees mod 180, y down; its length) or None for a blob."""
    (ax, ay), (bx, by), (cx, cy) = box[0][:2], box[1][:2], box[2][:2]
    first, second = (bx - ax, by - ay), (cx - bx, cy - by)
    long, short = (first, second) if math.hypot(*first) >= math.hypot(*second) else (second,
                                                                                        first)
    length, thickness = math.hypot(*long), max(math.hypot(*short), 1.0)
    if length < MIN_ELONGATION * thickness:
        return None
    return math.degrees(math.atan2(long[1], long[0])) % 180.0, length


def _fold(angle: float) -> float:
    """An angle mod 90 into [-45, 45)."""
    return (angle + 45.0) % 90.0 - 45.0


def _mean_mod90(pairs: Sequence[tuple[float, float]]) -> float:
    """Length-weighted circular mean of angles with period 90 degrees."""
    s = sum(w * math.sin(math.radians(4 * a)) for a, w in pairs)
    c = sum(w * math.cos(math.radians(4 * a)) for a, w in pairs)
    return math.degrees(math.atan2(s, c)) / 4.0


def residual_angle(raw: Sequence[LineLike]) -> float | None:
    """The text lines' slope modulo 90 in [-45, 45) (y down), or None with too few lines.

    Turning the image counter-clockwise by this angle levels the lines (or
    stands them exactly upright, for a card on its side).
    """
    pairs = [found for found in (line_direction(line.box) for line in raw) if found]
    if len(pairs) < MIN_LINES:
        return None
    first = _mean_mod90(pairs)
    inliers = [(a, w) for a, w in pairs if abs(_fold(a - first)) <= INLIER_DEG]
    if len(inliers) < MIN_LINES:
        return None
    centre = _mean_mod90(inliers)
    return _fold(centre + statistics.median(_fold(a - centre) for a, _ in inliers))


def border_colour(image: Image.Image) -> tuple[int, int, int]:
    """Median colour of the image's outer pixels, to fill the corners a rotation uncovers."""
    rgb = np.asarray(image.convert("RGB"))
    edges = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    red, green, blue = (int(v) for v in np.median(edges, axis=0))
    return red, green, blue


def rotate(image: Image.Image, degrees: float) -> tuple[Image.Image, Rotation]:
    """The image turned counter-clockwise by `degrees` on an expanded canvas, and the mapping."""
    turned = image.convert("RGB").rotate(degrees, Image.Resampling.BICUBIC, expand=True,
                                         fillcolor=border_colour(image))
    return turned, Rotation(degrees, image.size, turned.size)


@dataclass(frozen=True)
class MovedLine:
    """An OCR line whose box was carried into a rotated image's pixels."""

    text: str
    box: list[list[float]]
    score: float


def move_lines(raw: Sequence[LineLike], mapping: Callable[[float, float], Point]) -> list[
        MovedLine]:
    return [MovedLine(line.text, [list(mapping(p[0], p[1])) for p in line.box],
                      float(getattr(line, "score", 1.0))) for line in raw]


def card_angle(residual_deg: float, quarter_turns: int, skew_deg: float) -> float:
    """How far the card was turned counter-clockwise in the photo, in [0, 360)."""
    return round((-(residual_deg + 90.0 * quarter_turns + skew_deg)) % 360.0, 1)
