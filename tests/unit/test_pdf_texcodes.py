"""Glyphs without a Unicode mapping read in TeX's encodings, when their font sets words."""

from __future__ import annotations

from docwarden.engines.pdf.engine import _readable
from docwarden.engines.pdf.texcodes import tex_text
from docwarden.engines.pdf.textlayer import PageText


def glyphs(codes: list[int]) -> list[tuple[int, int]]:
    """Codes drawn one after another (spaces are no glyphs: a word starts further on)."""
    return [(i, code) for i, code in enumerate(codes) if code != 0x20]


def test_a_t1_font_reads_its_ligatures_dashes_quotes_and_cork_letters() -> None:
    codes = [*b"The ", 0x1C, *b"rst ", 0x10, *b"old", 0x11, 0x15, 0xAA, 0xF3, 0x64, 0xB9]
    assert "".join(tex_text(glyphs(codes)) or []) == "Thefirst“old”–łódź"


def test_an_ot1_font_is_told_by_its_ligatures() -> None:
    codes = [*b"e", 0x0E, *b"cient ", 0x5C, *b"work", 0x22, 0x7B, *b"and", 0x7C]
    assert "".join(tex_text(glyphs(codes)) or []) == "efficient“work”–and—"


def test_a_symbol_fonts_marks_are_no_text() -> None:
    assert tex_text(glyphs([3])) is None  # \thanks "∗"
    assert tex_text([(10, 121), (40, 122), (90, 121)]) is None  # "†", "‡" apart: no word
    assert tex_text(glyphs([0x00, 0x14, 0x32, 0x15, 0x21, 0x02])) is None  # "−≤∈≥→×"


def test_a_page_mostly_in_glyphs_without_text_is_read_by_ocr() -> None:
    page = PageText(595.0, 842.0, visible_chars=400, unmapped_chars=390)
    assert not _readable(page)  # a bitmap font with codes of its own: render it
    formulas = PageText(595.0, 842.0, visible_chars=400, unmapped_chars=150)
    assert _readable(formulas)  # a page of formulas keeps its text layer
