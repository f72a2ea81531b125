"""Page selection, parameters, line building and scanned-page helpers (no PDF rendering)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from docwarden.engines.pdf.document import parse_pages
from docwarden.engines.pdf.engine import parse_params
from docwarden.engines.pdf.furniture import furniture_key, is_page_number
from docwarden.engines.pdf.layout import Char
from docwarden.engines.pdf.lines import build_lines
from docwarden.engines.pdf.scanned import _turn_order, quality, render_scale, to_lines
from docwarden.errors import InvalidInput


def test_parse_pages() -> None:
    assert parse_pages(None, 5) == [0, 1, 2, 3, 4]
    assert parse_pages("1-3,7", 9) == [0, 1, 2, 6]
    assert parse_pages(" 2 , 2-3 ", 5) == [1, 2]
    assert parse_pages("4-", 6) == [3, 4, 5]


@pytest.mark.parametrize("spec", ["0", "3-1", "a", "1-2-3", "8", "2-9", "1,,2"])
def test_parse_pages_rejects_bad_or_out_of_bounds(spec: str) -> None:
    with pytest.raises(InvalidInput):
        parse_pages(spec, 7)


def test_parse_params() -> None:
    params = parse_params({"page_separators": "true", "dpi": "150", "pages": "1"}, 200)
    assert params.page_separators and params.dpi == 150 and params.pages == "1"
    assert parse_params({}, 200).dpi == 200
    for bad in ({"dpi": "x"}, {"dpi": 5000}, {"page_separators": "maybe"}):
        with pytest.raises(InvalidInput):
            parse_params(bad, 200)


def test_page_numbers_and_furniture_keys() -> None:
    for text in ("9", "xiv", "Page 3", "3 / 10", "第 1 页 / 共 2 页", "- 12 -", "7-45"):
        assert is_page_number(text), text
    for text in ("civil", "Hello", "1.2 Scope"):
        assert not is_page_number(text), text
    assert furniture_key("Report 2024, page 3") == furniture_key("Report 2024, page 14")
    assert furniture_key("Copyright reserved. iii") == furniture_key("Copyright reserved. xi")


def chars(text: str, x0: float, y0: float, size: float = 10.0, width: float = 5.0) -> list[Char]:
    out, space = [], False
    for i, ch in enumerate(text):
        if ch == " ":
            space = True
            continue
        out.append(Char(ch, x0 + i * width, y0, x0 + (i + 1) * width, y0 + size * 1.2, size,
                        False, space_before=space))
        space = False
    return out


def test_build_lines_splits_columns_and_joins_ligature_parts() -> None:
    left = chars("left text", 72, 100)
    right = chars("right text", 300, 100)
    lig_f = Char("f", 200, 100, 206, 112, 10.0, False)
    lig_i = Char("i", 200, 100, 206, 112, 10.0, False)
    lines = build_lines([*left, *right])
    assert [ln.text for ln in lines] == ["left text", "right text"]
    assert build_lines([lig_f, lig_i])[0].text == "fi"


def test_build_lines_merges_a_lone_bullet_with_its_text() -> None:
    bullet = chars("•", 90, 100)
    text = chars("item text", 108, 100)
    assert [ln.text for ln in build_lines([*bullet, *text])] == ["• item text"]


def test_render_scale_caps_pixels() -> None:
    assert render_scale(595, 842, 200, 16_777_216) == pytest.approx(200 / 72)
    scale = render_scale(14400, 14400, 200, 16_777_216)
    assert (14400 * scale) ** 2 <= 16_777_216
    # No larger than the OCR's input bound: those pixels would be scaled away again.
    assert 842 * render_scale(595, 842, 200, 16_777_216, max_side_px=2000) == pytest.approx(2000)


@dataclass
class FakeLine:
    text: str
    score: float
    box: list[list[float]]


def test_quality_prefers_horizontal_confident_lines() -> None:
    flat = [FakeLine("upright text", 0.95, [[0, 0], [200, 0], [200, 20], [0, 20]])]
    tall = [FakeLine("sideways text", 0.95, [[0, 0], [20, 0], [20, 200], [0, 200]])]
    assert quality(flat)[1] and not quality(tall)[1]
    assert quality(flat)[0] > quality(tall)[0]
    lines = to_lines(flat, scale=2.0)
    inset = 0.45 * 10 / 2  # the detector's padding (0.45 x the box's height) taken off the sides
    assert (lines[0].x0, lines[0].x1, lines[0].y1) == (inset, 100.0 - inset, 10.0)
    cropped = to_lines(flat, scale=2.0, offset=(40, 60))  # read from a crop at (40, 60) px
    assert (cropped[0].x0, cropped[0].y0, cropped[0].x1) == (20.0 + inset, 30.0, 120.0 - inset)


def test_ocr_lines_are_sized_by_their_advance_not_their_box_height() -> None:
    # One size, two box heights (the detector's boxes vary +-15 %): about the same size.
    tall = [[0, 0], [220, 0], [220, 24], [0, 24]]
    short = [[0, 40], [220, 40], [220, 60], [0, 60]]
    lines = to_lines([FakeLine("第二段用于检查段落边界", 0.95, tall),
                      FakeLine("本文件由测试数据生成的", 0.95, short)], scale=1.0)
    assert abs(lines[0].size_pt - lines[1].size_pt) <= 0.02 * lines[1].size_pt
    assert 18.5 <= lines[0].size_pt <= 20.0  # 220 pt less the box's padding over 11 em
    text = "Other term shapes each single result of trade"  # 38 glyphs, 7 spaces
    body = to_lines([FakeLine(text, 0.95, [[0, 0], [240, 0], [240, 18], [0, 18]]),
                     FakeLine(text, 0.95, [[0, 30], [240, 30], [240, 44], [0, 44]])], 1.0)
    assert abs(body[0].size_pt - body[1].size_pt) <= 0.05 * body[1].size_pt
    assert 11.0 <= body[1].size_pt <= 12.5  # (240 - 0.45 x 14) / (19 + 1.96) em


def test_turn_order_follows_the_text_axis_before_the_rotate_hint() -> None:
    assert _turn_order(90) == [1, 0, 2, 3]  # /Rotate 90: undo it first
    assert _turn_order(90, axis=0) == [0, 2, 1, 3]  # ... unless the lines already run across
    assert _turn_order(270, axis=1) == [3, 1, 0, 2]
    assert _turn_order(0, axis=None) == [0, 1, 2, 3]


def test_a_section_number_boxed_apart_from_its_title_joins_it() -> None:
    """The detector boxes "3" and "Method" apart across the quad between them."""
    def box(x0: float, x1: float, y0: float = 100.0, y1: float = 130.0) -> list[list[float]]:
        return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]

    found = [FakeLine("3", 0.99, box(100, 116)), FakeLine("Method", 0.99, box(140, 260)),
             FakeLine("2.1", 0.99, box(100, 140, 200, 230)),
             FakeLine("Data", 0.99, box(160, 240, 202, 228)),
             FakeLine("42", 0.99, box(100, 130, 300, 330)),  # a table's number: far apart
             FakeLine("apples", 0.99, box(300, 420, 300, 330))]
    texts = [line.text for line in to_lines(found, scale=2.0)]
    assert texts == ["3 Method", "2.1 Data", "42", "apples"]
