"""Geometry of OCR lines on a card: normalised text, deskew, quarter turns, rows.

Everything here is pure: it takes any objects with `text` and `box` (4 corner
points in pixels), so the parsing can be tested on hand-written lines without
a model.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from docwarden.engines.geometry import Extent
from docwarden.engines.idcard.variants import to_simplified

# A line counts as written horizontally when its box is this much wider than tall.
HORIZONTAL_ASPECT = 2.0
# Skews below this are left alone (rotating boxes by noise helps nothing).
MIN_DESKEW_DEG = 0.3
MAX_DESKEW_DEG = 20.0
# A line joins a row when it overlaps the row band by this fraction of the smaller height.
ROW_OVERLAP_FRACTION = 0.45
# Middle-dot look-alikes that OCR returns for the dot in minority names (U+00B7 is canonical).
MIDDLE_DOTS = "·・•‧∙⋅ˑ"
_DOT_RE = re.compile(f"(?<=[\u3400-\u9fff])\\s*[{MIDDLE_DOTS}.。,，]\\s*(?=[\u3400-\u9fff])")


class LineLike(Protocol):
    """What parsing needs from an OCR line (docwarden.engines.ocr.OcrLine fits)."""

    @property
    def text(self) -> str: ...

    @property
    def box(self) -> Sequence[Sequence[float]]: ...


@dataclass(frozen=True)
class Line(Extent):
    """An OCR line with normalised text and an axis-aligned box in card coordinates."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Row:
    """Lines on one visual row, left to right."""

    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)

    @property
    def y0(self) -> float:
        return min(line.y0 for line in self.lines)

    @property
    def y1(self) -> float:
        return max(line.y1 for line in self.lines)

    @property
    def x0(self) -> float:
        return min(line.x0 for line in self.lines)

    @property
    def height(self) -> float:
        return statistics.median(line.height for line in self.lines)


def normalise_text(text: str) -> str:
    """NFKC (full-width digits, colons), simplified forms, no spaces in CJK, one middle dot."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).strip()
    text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text)
    return _DOT_RE.sub("·", text)


def _rotate_point(x: float, y: float, quarter_turns: int, width: float, height: float) -> tuple[
        float, float]:
    """Where (x, y) lands when the image is turned counter-clockwise by 90° * quarter_turns."""
    turns = quarter_turns % 4
    if turns == 1:
        return y, width - x
    if turns == 2:
        return width - x, height - y
    if turns == 3:
        return height - y, x
    return x, y


def skew_deg(raw: Sequence[LineLike]) -> float:
    """Median slope of the top edges of long horizontal lines, in degrees (y grows down)."""
    angles: list[float] = []
    for line in raw:
        (ax, ay), (bx, by) = line.box[0][:2], line.box[1][:2]
        (cx, cy) = line.box[2][:2]
        length = math.hypot(bx - ax, by - ay)
        thickness = max(math.hypot(cx - bx, cy - by), 1.0)
        if length > HORIZONTAL_ASPECT * thickness and bx > ax:
            angles.append(math.degrees(math.atan2(by - ay, bx - ax)))
    if not angles:
        return 0.0
    angle = statistics.median(angles)
    return angle if MIN_DESKEW_DEG <= abs(angle) <= MAX_DESKEW_DEG else 0.0


def to_lines(raw: Sequence[LineLike], width: float, height: float, quarter_turns: int = 0,
             deskew: bool = True) -> list[Line]:
    """OCR lines -> `Line`s in the frame of the image turned by `quarter_turns`, deskewed."""
    angle = math.radians(-skew_deg(raw)) if deskew and quarter_turns % 4 == 0 else 0.0
    cos, sin = math.cos(angle), math.sin(angle)
    lines: list[Line] = []
    for item in raw:
        text = normalise_text(item.text)
        if not text:
            continue
        points = [_rotate_point(p[0], p[1], quarter_turns, width, height) for p in item.box]
        turned = [(x * cos - y * sin, x * sin + y * cos) for x, y in points]
        xs, ys = [p[0] for p in turned], [p[1] for p in turned]
        lines.append(Line(text, min(xs), min(ys), max(xs), max(ys)))
    return lines


def vertical_fraction(raw: Sequence[LineLike]) -> float:
    """Share of multi-character lines whose box is taller than wide (a card on its side)."""
    votes = [0, 0]
    for item in raw:
        if len(normalise_text(item.text)) < 2:
            continue
        xs, ys = [p[0] for p in item.box], [p[1] for p in item.box]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        if h > 1.2 * w:
            votes[1] += 1
        elif w > 1.2 * h:
            votes[0] += 1
    total = votes[0] + votes[1]
    return votes[1] / total if total else 0.0


def group_rows(lines: Sequence[Line]) -> list[Row]:
    """Lines -> rows (top to bottom), by vertical overlap with the row's running band."""
    rows: list[list[Line]] = []
    bands: list[tuple[float, float]] = []
    for line in sorted(lines, key=lambda item: item.cy):
        for index, (top, bottom) in enumerate(bands):
            overlap = min(bottom, line.y1) - max(top, line.y0)
            if overlap >= ROW_OVERLAP_FRACTION * min(bottom - top, line.height):
                rows[index].append(line)
                count = len(rows[index])
                bands[index] = (top + (line.y0 - top) / count, bottom + (line.y1 - bottom) / count)
                break
        else:
            rows.append([line])
            bands.append((line.y0, line.y1))
    ordered = sorted(rows, key=lambda row: statistics.median(item.cy for item in row))
    return [Row(tuple(sorted(row, key=lambda item: item.x0))) for row in ordered]
