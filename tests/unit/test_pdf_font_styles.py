"""textlayer reads each font's style once (textlayer._face), not once per glyph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from docwarden.engines.pdf import textlayer

REALSET = Path(__file__).resolve().parents[1] / "data" / "pdf" / "generated" / "realset"


def lines(path: Path) -> list[Any]:
    document = pdfium.PdfDocument(path)
    try:
        return [(line.text, line.bold, line.italic, line.mono, line.size_pt)
                for page in document
                for line in textlayer.extract_text(page, page.get_textpage()).lines]
    finally:
        document.close()


@pytest.mark.parametrize("name", ["holdout_report_web.pdf", "tune_paper_latex.pdf",
                                  "holdout_columns_docx.pdf"])
def test_styles_by_font_are_the_styles_read_glyph_by_glyph(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = lines(REALSET / name)
    calls: list[int] = []

    def every_glyph(textpage: Any, index: int, text_obj: object,
                    fonts: textlayer.FontStyles) -> tuple[bool, bool, bool]:
        calls.append(index)
        return textlayer._font_style(textpage, index)

    monkeypatch.setattr(textlayer, "_face", every_glyph)
    assert lines(REALSET / name) == cached
    assert calls and any(bold for _, bold, *_ in cached)


@pytest.mark.parametrize(("name", "weight", "bold"), [
    ("NotoSans-Regular", 625, False),  # Chromium's body text: pdfium's guessed weight
    ("LMMono10-Regular", 840, False),
    ("NotoSans-Bold", 828, True),
    ("Helvetica", 700, True),  # a name that says nothing: the weight decides
    ("Helvetica", 400, False),
    ("CMBX12", -1, True),  # TeX's bold extended
    ("TimesNewRomanPS-BoldMT", 700, True),
])
def test_a_faces_name_says_whether_it_is_bold_before_its_reported_weight(
    name: str, weight: int, bold: bool
) -> None:
    assert textlayer.is_bold(name, weight, 0) is bold
    assert textlayer.is_bold(name, weight, textlayer.FORCE_BOLD_FLAG)
