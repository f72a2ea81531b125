"""Ruling lines found in a scan's pixels, and the tables rules.py builds from them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docwarden.engines.pdf.inkrules import ruling_lines
from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.rules import ruled_tables

SCALE = 200 / 72  # pixels per point of a 200-dpi scan
XS = [100, 400, 700, 1000]  # the grid's column borders, pixels
YS = [200, 300, 400, 500]  # ... and its row borders
CELLS = [["Region", "Units", "Share"], ["North", "6,917", "61.2%"], ["South", "5,993", "6.5%"]]


def scan(rule_px: int = 3, grey: int = 0, skew_px: int = 0) -> Image.Image:
    """A page with a ruled 3x3 table, a paragraph, a photo block and a dash."""
    page = Image.new("L", (1654, 1400), 250)
    draw = ImageDraw.Draw(page)
    for y in YS:
        draw.line([(XS[0], y), (XS[-1], y + skew_px)], fill=grey, width=rule_px)
    for x in XS:
        draw.line([(x, YS[0]), (x, YS[-1])], fill=grey, width=rule_px)
    font = ImageFont.load_default(size=40)
    for row, texts in enumerate(CELLS):
        for col, text in enumerate(texts):
            draw.text((XS[col] + 20, YS[row] + 25), text, fill=0, font=font)
    for row in range(4):  # body text, with long words and a tall bold title
        draw.text((100, 700 + row * 60), "Illumination filling the whole line", fill=0, font=font)
    draw.text((100, 600), "lllll TITLE", fill=0, font=ImageFont.load_default(size=80))
    draw.rectangle((1100, 700, 1500, 1000), fill=30)  # a photo: solid, no rule
    draw.line([(1100, 1100), (1125, 1100)], fill=0, width=3)  # a dash, 9 pt
    return page


def found(image: Image.Image) -> tuple[list[float], list[float]]:
    """The rows (y) of the horizontal rules and the columns (x) of the vertical ones, px."""
    rules = ruling_lines(np.asarray(image), SCALE)
    rows = sorted(round(r.y0 * SCALE) for r in rules if r.horizontal)
    cols = sorted(round(r.x0 * SCALE) for r in rules if not r.horizontal)
    return rows, cols


@pytest.mark.parametrize("rule_px, grey", [(1, 0), (3, 0), (6, 0), (2, 140)])
def test_the_grid_is_found_and_nothing_else(rule_px: int, grey: int) -> None:
    rows, cols = found(scan(rule_px, grey))
    assert rows == pytest.approx(YS, abs=2)
    assert cols == pytest.approx(XS, abs=2)


def test_a_rule_scanned_askew_is_one_rule() -> None:
    rows, cols = found(scan(skew_px=12))  # 12 px over 900: about 0.8 degrees
    assert len(rows) == len(YS)
    assert cols == pytest.approx(XS, abs=2)


def test_light_cell_shading_is_no_ink() -> None:
    image = scan()
    ImageDraw.Draw(image).rectangle((XS[0] + 3, YS[0] + 3, XS[-1] - 3, YS[1] - 3), fill=215)
    rows, cols = found(image)
    assert len(rows) == len(YS) and len(cols) == len(XS)


def test_the_rules_make_a_table_of_the_ocr_lines() -> None:
    rules = ruling_lines(np.asarray(scan()), SCALE)
    lines = [Line(text, (XS[c] + 20) / SCALE, (YS[r] + 25) / SCALE, (XS[c] + 200) / SCALE,
                  (YS[r] + 65) / SCALE, 10.0)
             for r, row in enumerate(CELLS) for c, text in enumerate(row)]
    caption = Line("Table 1: units by region", XS[0] / SCALE, 150 / SCALE, 500 / SCALE,
                   185 / SCALE, 10.0)
    tables, rest = ruled_tables([*lines, caption], rules)
    assert len(tables) == 1 and tables[0].rows == CELLS
    assert rest == [caption]


def test_a_blank_page_has_no_rules() -> None:
    assert ruling_lines(np.full((100, 100), 255, dtype=np.uint8), SCALE) == []
    assert ruling_lines(np.zeros((0, 0), dtype=np.uint8), SCALE) == []
