"""The glyph height a scanned page's ink shows (it bounds the OCR detector's input)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from docwarden.engines.pdf.ink import (
    REDUCE,
    glyph_height_px,
    glyph_ink,
    ink_edges,
    lead_dot,
    text_regions,
)

WORDS = ["docwarden", "reads", "scanned", "pages", "with", "ink", "measured", "first"]


def printed(size_px: int, lines: int = 6, small_px: int | None = None) -> Image.Image:
    """A page of words at `size_px`, with one footnote line at `small_px` below them."""
    page = Image.new("L", (1400, 1800), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=size_px)
    for row in range(lines):
        draw.text((60, 80 + row * size_px * 2), " ".join(WORDS), fill=0, font=font)
    if small_px is not None:
        small = ImageFont.load_default(size=small_px)
        for row in range(2):
            draw.text((60, 1600 + row * small_px * 2), " ".join(WORDS * 2), fill=0, font=small)
    return page


@pytest.mark.parametrize("size_px", [30, 60, 120])
def test_glyph_height_follows_the_print(size_px: int) -> None:
    measured = glyph_height_px(printed(size_px))
    assert measured is not None
    # Word blobs span x-height to ascenders: about half to all of the font size.
    assert 0.4 * size_px - REDUCE <= measured <= size_px + REDUCE


def test_small_print_on_the_page_decides() -> None:
    """A footnote under large print keeps the estimate small (it must stay legible)."""
    alone = glyph_height_px(printed(120))
    with_footnote = glyph_height_px(printed(120, small_px=24))
    assert alone is not None and with_footnote is not None
    assert with_footnote <= alone / 2


def test_blank_or_nearly_blank_page_tells_nothing() -> None:
    assert glyph_height_px(Image.new("L", (800, 1000), 255)) is None
    one_word = Image.new("L", (800, 1000), 255)
    ImageDraw.Draw(one_word).text((50, 50), "docwarden", fill=0,
                                  font=ImageFont.load_default(size=60))
    assert glyph_height_px(one_word) is None


def two_halves(size_px: int, gap_px: int, rows: int = 8) -> Image.Image:
    """Rows of text whose left halves end, and right halves start, at one x: a gutter
    of `gap_px` runs down the page."""
    page = Image.new("L", (1600, 200 + rows * size_px * 2), 255)
    draw, font = ImageDraw.Draw(page), ImageFont.load_default(size=size_px)
    for row in range(rows):
        y = 80 + row * size_px * 2
        left = " ".join(WORDS[row % 4: row % 4 + 3])
        draw.text((800 - gap_px // 2, y), left, fill=0, font=font, anchor="ra")
        draw.text((800 + gap_px // 2, y), " ".join(WORDS[row % 3: row % 3 + 3]), fill=0,
                  font=font, anchor="la")
    return page


def test_word_spaces_of_large_print_lining_up_are_no_gutter() -> None:
    slide = two_halves(60, 22)
    glyph = glyph_height_px(slide)
    assert glyph is not None
    assert len(text_regions(slide, 200 / 72)) > 1  # by the fixed width alone: split
    assert len(text_regions(slide, 200 / 72, glyph)) == 1
    paper = two_halves(24, 60)  # small print, a real gutter: still two columns
    assert len(text_regions(paper, 200 / 72, glyph_height_px(paper))) > 1


def test_ink_edges_are_the_glyphs_not_the_detectors_padding() -> None:
    page = Image.new("L", (900, 200), 250)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=40)
    draw.text((200, 80), "Media county", fill=0, font=font)
    draw.text((560, 80), "9,355", fill=0, font=font)  # the next column, 1.5 em on
    ink = glyph_ink(np.asarray(page))
    inverted = ImageOps.invert(page.crop((150, 60, 540, 140)))
    glyphs = inverted.point(lambda v: 255 if v > 60 else 0).getbbox()
    assert glyphs is not None
    start, end = 150 + glyphs[0], 150 + glyphs[2]
    # The detector's box: padded a third of its height each side, over "9"'s first stroke.
    box = (start - 25.0, 70.0, 570.0, 140.0)
    assert ink_edges(ink, box) == (start, end)
    assert ink_edges(ink, (5.0, 5.0, 60.0, 40.0)) is None  # blank paper: keep the box


def test_glyph_ink_of_an_empty_page() -> None:
    assert glyph_ink(np.zeros((0, 0), dtype=np.uint8)).shape == (0, 0)


def test_a_bullet_the_line_reads_is_its_own_ink() -> None:
    page = Image.new("L", (900, 200), 250)
    draw = ImageDraw.Draw(page)
    draw.ellipse((112, 100, 124, 112), fill=0)  # the bullet, then the item's text
    draw.text((180, 80), "Measure answer", fill=0, font=ImageFont.load_default(size=40))
    ink = glyph_ink(np.asarray(page))
    box = (102.0, 70.0, 560.0, 140.0)  # the detector's box, padded over the bullet too
    assert ink_edges(ink, box, own_left=True)[0] == 112  # type: ignore[index]
    assert ink_edges(ink, box)[0] >= 180  # type: ignore[index]


def dotted(mark: tuple[str, tuple[int, int, int, int]] | None, *, before: str = "",
           before_ends: int = 288) -> tuple[np.ndarray, tuple[float, float, float, float], int]:
    """A line of text at x=300 with `mark` (a shape and its box) drawn to its left and
    `before` (another column's text) ending at `before_ends`: the page's ink, the
    detector's padded box for the line, and where its glyphs start."""
    page = Image.new("L", (900, 200), 250)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=40)
    draw.text((300, 80), "Function level user", fill=0, font=font)
    if before:
        draw.text((before_ends - draw.textlength(before, font=font), 80), before, fill=0,
                  font=font)
    if mark is not None:
        shape, box = mark
        (draw.ellipse if shape == "disc" else draw.rectangle)(box, fill=0)
    ink = glyph_ink(np.asarray(page))
    inverted = ImageOps.invert(page.crop((300, 60, 880, 150)))
    glyphs = inverted.point(lambda v: 255 if v > 60 else 0).getbbox()
    assert glyphs is not None
    return ink, (285.0, 75.0, 860.0, 135.0), 300 + glyphs[0]


def test_a_lone_dot_left_of_a_line_is_its_bullet() -> None:
    ink, box, left = dotted(("disc", (238, 100, 250, 112)))
    assert lead_dot(ink, box, left) == 238
    ink, box, left = dotted(("square", (238, 100, 249, 111)))  # Wingdings' square
    assert lead_dot(ink, box, left) == 238


@pytest.mark.parametrize("mark, before, before_ends", [
    (None, "", 0),  # nothing there
    (("square", (240, 114, 244, 118)), "", 0),  # a full stop: small, on the baseline
    (("square", (225, 104, 255, 108)), "", 0),  # a dash
    (None, "fail in", 288),  # the end of the next column's line
    (("disc", (140, 100, 160, 112)), "", 0),  # a round letter cut by the search window
    (("disc", (238, 100, 250, 112)), "and", 225),  # a dot with text before it
])
def test_no_bullet_where_no_lone_dot_leads_the_line(
        mark: tuple[str, tuple[int, int, int, int]] | None, before: str,
        before_ends: int) -> None:
    ink, box, left = dotted(mark, before=before, before_ends=before_ends)
    assert lead_dot(ink, box, left) is None
