"""engines/pdf/objects.page_objects: what pypdfium2's get_objects finds, unwrapped others."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from docwarden.engines.pdf.objects import page_objects

DATA = Path(__file__).resolve().parents[1] / "data" / "pdf"
KINDS = ([pdfium_c.FPDF_PAGEOBJ_PATH], [pdfium_c.FPDF_PAGEOBJ_IMAGE],
         [pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_FORM])


@pytest.mark.parametrize("name", [
    "docling/scanned/ocr_test_rotated_90.pdf",  # a picture inside a form XObject
    "generated/realset/holdout_report_web.pdf",  # Chromium: a text object per glyph
    "generated/realset/tune_columns_docx.pdf",  # LibreOffice: table rules, pictures
])
def test_the_same_objects_as_pypdfium2_finds(name: str) -> None:
    document = pdfium.PdfDocument(DATA / name)
    try:
        for page in document:
            for kinds in KINDS:
                for depth in (1, 2, 4):
                    ours = [(o.type, o.level, o.get_bounds())
                            for o in page_objects(page, kinds, depth)]
                    theirs = [(o.type, o.level, o.get_bounds())
                              for o in page.get_objects(filter=kinds, max_depth=depth)]
                    assert ours == theirs, (name, kinds, depth)
    finally:
        document.close()


def test_a_picture_inside_a_form_is_found_only_deep_enough() -> None:
    document = pdfium.PdfDocument(DATA / "docling" / "scanned" / "ocr_test_rotated_90.pdf")
    try:
        page = document[0]
        image = [pdfium_c.FPDF_PAGEOBJ_IMAGE]
        assert list(page_objects(page, image, 1)) == []
        (found,) = page_objects(page, image, 2)
        assert isinstance(found, pdfium.PdfImage) and found.level == 1
    finally:
        document.close()
