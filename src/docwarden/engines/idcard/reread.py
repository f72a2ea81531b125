"""Second look at short values the text detector dropped (a lone 男/女 or 汉 under blur).

The detector finds long lines reliably but can miss a single character.  When
a front field is missing and its printed label was read, the strip to the
right of the label is cropped, enlarged and read again; the lines found there
are placed back into the image's coordinates and the card is parsed again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from docwarden.engines.idcard.labels import split_text
from docwarden.engines.idcard.layout import Line, LineLike, skew_deg, to_lines

# Field -> (its label, how many line heights its value may extend right of the label).
REREAD_FIELDS = {"name": ("name", 8.0), "sex": ("sex", 2.5), "ethnicity": ("ethnicity", 5.0)}
MARGIN_LINES = 0.35
REREAD_SCALE = 2


@dataclass(frozen=True)
class PlacedLine:
    """An OCR line from a crop, moved back into the full image's coordinates."""

    text: str
    box: list[list[float]]
    score: float = 1.0


def _label_line(lines: Sequence[Line], label: str) -> Line | None:
    for line in lines:
        segments = split_text(line.text)
        if segments[0].label == label and not segments[-1].text:
            return line
    return None


def _strip_right_of(label: Line, lines: Sequence[Line], span_lines: float) -> tuple[
        float, float, float, float]:
    """The value strip right of `label` (deskewed frame), up to the next line on its row."""
    h = label.height
    right = label.x1 + span_lines * h
    for other in lines:
        same_row = min(other.y1, label.y1) - max(other.y0, label.y0) > 0.5 * h
        if same_row and other.x0 > label.x1 and other is not label:
            right = min(right, other.x0 - 0.1 * h)
    return label.x1 + 0.1 * h, label.y0 - MARGIN_LINES * h, right, label.y1 + MARGIN_LINES * h


def value_crops(raw: Sequence[LineLike], width: int, height: int,
                fields: dict[str, str | None]) -> list[tuple[int, int, int, int]]:
    """Image-pixel boxes (left, top, right, bottom) to read again for missing labelled fields."""
    lines = to_lines(raw, width, height)
    back = math.radians(skew_deg(raw))  # to_lines turned the boxes by -skew; undo it
    cos, sin = math.cos(back), math.sin(back)
    crops: list[tuple[int, int, int, int]] = []
    for name, (label, span_lines) in REREAD_FIELDS.items():
        found = _label_line(lines, label) if fields.get(name) is None else None
        if found is None:
            continue
        x0, y0, x1, y1 = _strip_right_of(found, lines, span_lines)
        if x1 - x0 < found.height * 0.5:
            continue
        corners = [(x * cos - y * sin, x * sin + y * cos) for x, y in
                   ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        box = (max(0, math.floor(min(xs))), max(0, math.floor(min(ys))),
               min(width, math.ceil(max(xs))), min(height, math.ceil(max(ys))))
        if box[2] > box[0] and box[3] > box[1]:
            crops.append(box)
    return crops


def place(lines: Sequence[LineLike], crop: tuple[int, int, int, int], scale: float) -> list[
        PlacedLine]:
    """Lines read on an enlarged crop -> lines in the full image's pixels."""
    left, top = crop[0], crop[1]
    return [PlacedLine(line.text, [[left + p[0] / scale, top + p[1] / scale] for p in line.box],
                       float(getattr(line, "score", 1.0))) for line in lines]
