"""A page scanned askew is turned back level before its columns are looked for."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docwarden.engines.pdf.deskew import MIN_SKEW_DEG, levelled, skew_degrees

WORDS = ("scanned", "pages", "come", "in", "turned", "by", "a", "degree", "or", "so", "on",
         "the", "glass")


def two_columns(mode: str = "L") -> Image.Image:
    """A 200-dpi page of two columns whose baselines do not line up, as in a paper."""
    page = Image.new(mode, (1654, 2339), "white")
    draw, font = ImageDraw.Draw(page), ImageFont.load_default(size=30)
    for column, (left, top) in enumerate(((150, 200), (870, 222))):
        for row in range(40):
            words = WORDS[(row + column) % 5:][:7]
            draw.text((left, top + row * 45), " ".join(words), fill="black", font=font)
    return page


def turned(page: Image.Image, degrees: float) -> Image.Image:
    return page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor="white")


def gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


@pytest.mark.parametrize("degrees", [0.7, -1.2, 2.5])
def test_the_turn_of_a_two_column_page_is_measured(degrees: float) -> None:
    assert skew_degrees(gray(turned(two_columns(), degrees))) == pytest.approx(degrees, abs=0.15)


def test_a_level_page_is_left_untouched() -> None:
    page = two_columns()
    assert skew_degrees(gray(page)) == 0.0
    level, level_gray = levelled(page)
    assert level is page
    assert np.array_equal(level_gray, gray(page))


def test_a_blank_page_or_a_few_specks_have_no_turn() -> None:
    page = Image.new("L", (1654, 2339), 255)
    assert skew_degrees(gray(page)) == 0.0
    ImageDraw.Draw(page).rectangle((100, 100, 110, 110), fill=0)
    assert skew_degrees(gray(page)) == 0.0


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_an_askew_page_is_turned_back_with_paper_in_its_corners(mode: str) -> None:
    page = turned(two_columns(mode), 1.5)
    level, level_gray = levelled(page)
    assert level.size == page.size and level.mode == mode
    assert np.array_equal(level_gray, gray(level))
    assert abs(skew_degrees(gray(level))) < MIN_SKEW_DEG
    assert gray(level)[0, 0] == 255 and gray(level)[-1, -1] == 255  # no black wedges
