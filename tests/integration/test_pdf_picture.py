"""A scanned page that is one picture is decoded directly (picture.py): it must show
exactly what pdfium's render shows, whichever way the picture and the page are turned,
and anything that is not one plain picture must be left to the render."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.engines.pdf.picture import page_picture
from docwarden.settings import Settings

A4 = (595.0, 842.0)
SCALE = 1000 / 842  # the OCR's bound on the long side, as render_scale gives it


def scan(width_px: int = 1240, height_px: int = 1754) -> Image.Image:
    """A gray page with marks that show which way is up and which side is left."""
    image = Image.new("L", (width_px, height_px), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 600, 300), fill=0)  # top left
    draw.rectangle((width_px - 300, height_px - 500, width_px - 100, height_px - 100), fill=90)
    draw.text((200, 800), "docwarden", fill=0, font_size=120)
    return image


def picture_pdf(image: Image.Image, matrix: pdfium.PdfMatrix, rotation: int = 0,
                jpeg: bool = False) -> pdfium.PdfDocument:
    document = pdfium.PdfDocument.new()
    page = document.new_page(*A4)
    picture = pdfium.PdfImage.new(document)
    if jpeg:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        buffer.seek(0)
        picture.load_jpeg(buffer, inline=True)
    else:
        picture.set_bitmap(pdfium.PdfBitmap.from_pil(image))
    picture.set_matrix(matrix)
    page.insert_obj(picture)
    page.set_rotation(rotation)
    page.gen_content()
    return document


def shown(document: pdfium.PdfDocument) -> tuple[Image.Image | None, Image.Image]:
    page = document[0]
    rendered = page.render(scale=SCALE, may_draw_forms=False).to_pil().convert("L")
    return page_picture(page, SCALE), rendered


def difference(a: Image.Image, b: Image.Image) -> float:
    size = (a.width // 8, a.height // 8)
    return float(ImageStat.Stat(ImageChops.difference(a.resize(size), b.resize(size))).mean[0])


UPRIGHT = pdfium.PdfMatrix(A4[0], 0, 0, A4[1], 0, 0)
MIRRORED = pdfium.PdfMatrix(A4[0], 0, 0, -A4[1], 0, A4[1])  # first row at the bottom
BOTH = pdfium.PdfMatrix(-A4[0], 0, 0, -A4[1], A4[0], A4[1])


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("matrix", [UPRIGHT, MIRRORED, BOTH], ids=["upright", "flipped", "both"])
def test_the_picture_shows_what_the_render_shows(matrix: pdfium.PdfMatrix, rotation: int) -> None:
    document = picture_pdf(scan(), matrix, rotation)
    try:
        picture, rendered = shown(document)
    finally:
        document.close()
    assert picture is not None
    assert abs(picture.width - rendered.width) <= 2 and abs(picture.height - rendered.height) <= 2
    assert difference(picture, rendered.resize(picture.size)) < 3.0


def test_a_jpeg_scan_is_decoded_at_a_fraction_of_its_size() -> None:
    document = picture_pdf(scan(2480, 3508), UPRIGHT, jpeg=True)  # 300 dpi
    try:
        picture, rendered = shown(document)
    finally:
        document.close()
    assert picture is not None and picture.size == rendered.size
    assert difference(picture, rendered) < 3.0


def test_a_picture_beside_other_content_or_not_covering_the_page_is_rendered() -> None:
    half = pdfium.PdfMatrix(A4[0] / 2, 0, 0, A4[1] / 2, 0, 0)
    turned = pdfium.PdfMatrix(0, A4[1], -A4[0], 0, A4[0], 0)  # a quarter turn of its own
    for matrix in (half, turned):
        document = picture_pdf(scan(), matrix)
        try:
            assert page_picture(document[0], SCALE) is None
        finally:
            document.close()
    document = picture_pdf(scan(), UPRIGHT)
    try:
        page = document[0]
        second = pdfium.PdfImage.new(document)
        second.set_bitmap(pdfium.PdfBitmap.from_pil(scan(200, 200)))
        second.set_matrix(pdfium.PdfMatrix(100, 0, 0, 100, 20, 20))
        page.insert_obj(second)
        page.gen_content()
        assert page_picture(page, SCALE) is None
    finally:
        document.close()


def never_called(image: Image.Image, *, upright: bool = False,
                 glyph_px: float | None = None, printed: bool = False,
                 latin_first: bool = True) -> list[object]:
    raise AssertionError("a page without ink was shown to the OCR")


def test_empty_pages_and_blank_scans_are_not_read() -> None:
    document = picture_pdf(Image.new("L", (1240, 1754), 255), UPRIGHT)  # a blank scan
    try:
        document.new_page(*A4)  # a blank verso: no objects at all
        buffer = io.BytesIO()
        document.save(buffer)
    finally:
        document.close()
    engine = PdfEngine(Settings(), recognizer=never_called)
    result = engine.run(JobInput(data=buffer.getvalue()))
    assert isinstance(result, dict)
    assert result["markdown"].strip() == ""
    assert [page["method"] for page in result["pages"]] == ["ocr", "text"]
