"""Bold on a scan from stroke width (weight.py): drawn lines, regular and heavy."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.weight import mark_bold

BODY = "Global output opens the general threshold to handle"
SIZE_PX = 28


def page(rows: list[tuple[str, int, int]]) -> tuple[np.ndarray, list[Line]]:
    """Rows of (text, grey level, extra stroke px) drawn one under another; their lines
    in points at 1 px a point."""
    image = Image.new("L", (1000, 60 + 50 * len(rows)), 255)
    draw, font = ImageDraw.Draw(image), ImageFont.load_default(size=SIZE_PX)
    lines = []
    for index, (text, grey, stroke) in enumerate(rows):
        y = 30 + 50 * index
        draw.text((20, y), text, fill=grey, font=font, stroke_width=stroke, stroke_fill=grey)
        x0, y0, x1, y1 = draw.textbbox((20, y), text, font=font, stroke_width=stroke)
        lines.append(Line(text, x0 - 4, y0 - 4, x1 + 4, y1 + 4, SIZE_PX * 0.75))
    return np.asarray(image), lines


def test_heavy_lines_among_regular_body_lines_are_bold() -> None:
    gray, lines = page([(BODY, 0, 0), ("2.1 Special history", 0, 1), (BODY, 0, 0),
                        ("A regular short line", 0, 0), (BODY, 0, 0),
                        ("3. Coloured heading", 140, 1), (BODY, 0, 0)])
    mark_bold(lines, gray, 1.0)
    assert [line.bold for line in lines] == [False, True, False, False, False, True, False]


def test_a_page_without_enough_body_lines_or_contrast_is_left_alone() -> None:
    gray, lines = page([(BODY, 0, 0), ("2.1 Special history", 0, 1)])
    mark_bold(lines, gray, 1.0)
    assert not any(line.bold for line in lines)
    faint, lines = page([(BODY, 230, 0)] * 3 + [("2.1 Special history", 230, 1)])
    mark_bold(lines, faint, 1.0)
    assert not any(line.bold for line in lines)


def test_text_on_a_filled_box_is_not_taken_for_bold() -> None:
    gray, lines = page([(BODY, 0, 0)] * 3 + [("Layer", 0, 0)])
    filled = gray.copy()
    box = lines[-1]
    filled[int(box.y0):int(box.y1), int(box.x0):int(box.x1)] = 60  # a dark cell fill
    mark_bold(lines, filled, 1.0)
    assert not lines[-1].bold
