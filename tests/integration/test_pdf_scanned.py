"""Scanned pages through the pdf engine with the real OCR models: what the OCR is shown.

The recogniser is the real one, wrapped only to record the images it is
given: the number of OCR passes and their sizes are what makes a scanned
page fast (bench/accuracy/pdf.py, group "scanned").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from docwarden.engines.base import JobInput
from docwarden.engines.ocr.engine import OcrEngine
from docwarden.engines.pdf import PdfEngine
from docwarden.engines.pdf.scanned import OcrLineLike, render_page
from docwarden.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data" / "pdf"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "pdf"
SENTENCE = ("Docling bundles PDF document conversion to JSON and Markdown in an easy self "
            "contained package")


class Recording:
    """The real OCR engine's `recognize`, keeping the size of every image it reads."""

    def __init__(self, ocr: OcrEngine) -> None:
        self.ocr = ocr
        self.sizes: list[tuple[int, int]] = []
        self.glyphs: list[float | None] = []

    def __call__(self, image: Image.Image, *, upright: bool = False,
                 glyph_px: float | None = None, printed: bool = False,
                 latin_first: bool = True) -> Sequence[OcrLineLike]:
        self.sizes.append(image.size)
        self.glyphs.append(glyph_px)
        return self.ocr.recognize(image, upright=upright, glyph_px=glyph_px, printed=printed,
                                  latin_first=latin_first)


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    engine = OcrEngine(Settings())
    engine.load()
    return engine


def convert(ocr: OcrEngine, path: Path) -> tuple[str, Recording]:
    recording = Recording(ocr)
    result = PdfEngine(Settings(), recognizer=recording).run(JobInput(data=path.read_bytes()))
    assert isinstance(result, dict)
    return str(result["markdown"]), recording


def shared(rel: str) -> Path:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared test data not found at {SHARED}")
    return path


def test_ocr_reads_only_the_box_around_the_ink(ocr: OcrEngine) -> None:
    path = DATA / "docling" / "scanned" / "ocr_test_rotated_90.pdf"
    markdown, recording = convert(ocr, path)
    assert " ".join(markdown.split()) == SENTENCE
    assert len(recording.sizes) == 1  # the lines run up the page: turned once, read once
    width, height = recording.sizes[0]
    document = pdfium.PdfDocument(str(path))
    try:
        page = render_page(document[0], 200, 16_777_216, 2000)
    finally:
        document.close()
    assert max(page.image.size) <= 2000  # rendered no larger than the OCR would read it
    assert width * height < 0.25 * page.image.width * page.image.height  # three lines
    # Large print: its measured glyph height goes with it, for a smaller detector input.
    assert recording.glyphs[0] is not None and recording.glyphs[0] >= 20


def test_rotate_entry_that_does_not_match_the_scan_costs_no_extra_pass(ocr: OcrEngine) -> None:
    # /Rotate 90 on a page whose scan is upright as displayed (docling's test file).
    markdown, recording = convert(ocr, shared("docling/scanned/sample_with_rotation_mismatch.pdf"))
    assert "1972" in markdown and "THE SLEREXE COMPANY LIMITED" in markdown
    assert len(recording.sizes) == 1


@pytest.mark.parametrize("turned", ["", "_rotated_180", "_rotated_270"])
def test_scans_in_every_orientation_still_read_exactly(ocr: OcrEngine, turned: str) -> None:
    markdown, _ = convert(ocr, shared(f"docling/scanned/ocr_test{turned}.pdf"))
    assert " ".join(markdown.split()) == SENTENCE


def test_scanned_chinese_headings_are_found(ocr: OcrEngine) -> None:
    markdown, _ = convert(ocr, shared("generated/cjk_scanned.pdf"))
    found = [re.sub(r"\s+", "", h) for h in re.findall(r"^#+ (.+)$", markdown, flags=re.M)]
    for heading in ("一、概述", "二、表格", "三、繁體與混排", "四、长段落", "五、列表"):
        assert heading in found, (heading, found)


def test_an_upside_down_scan_without_a_rotate_entry_reads_in_order(
        ocr: OcrEngine, tmp_path: Path) -> None:
    # A sheet fed upside down: the image is turned, the page has no /Rotate to say so.
    document = pdfium.PdfDocument(str(DATA / "docling" / "scanned" / "ocr_test_rotated_90.pdf"))
    try:  # displayed with its lines running up the page: a quarter turn makes it upright
        shown = document[0].render(scale=200 / 72).to_pil().convert("L")
    finally:
        document.close()
    image = shown.transpose(Image.Transpose.ROTATE_270).rotate(180)
    path = tmp_path / "upside_down.pdf"
    image.save(path, resolution=200)
    markdown, recording = convert(ocr, path)
    assert " ".join(markdown.split()) == SENTENCE
    assert len(recording.sizes) == 2  # as displayed (garbage), then the half turn


def test_every_page_of_a_multipage_scan_keeps_its_first_line(ocr: OcrEngine) -> None:
    # Four pages, each the same sentence turned another way: no line is furniture.
    markdown, _ = convert(ocr, shared("docling/scanned/nemotron_multipage.pdf"))
    assert " ".join(markdown.split()) == " ".join([SENTENCE] * 4)


def scanned_page(ocr: OcrEngine, tmp_path: Path, name: str, page: int) -> str:
    """The Markdown of one page of a real-set PDF printed to a 200-dpi scan."""
    document = pdfium.PdfDocument(str(DATA / "generated" / "realset" / f"{name}.pdf"))
    try:
        shown = document[page].render(scale=200 / 72).to_pil().convert("L")
    finally:
        document.close()
    path = tmp_path / f"{name}_{page}.pdf"
    shown.save(path, resolution=200)
    markdown, _ = convert(ocr, path)
    return markdown


def scanned_table_rows(ocr: OcrEngine, tmp_path: Path, name: str, page: int) -> list[str]:
    """The table rows read from one page of a real-set PDF printed to a 200-dpi scan."""
    markdown = scanned_page(ocr, tmp_path, name, page)
    return [" ".join(line.split()) for line in markdown.splitlines() if line.startswith("|")]


def test_a_printed_ruled_table_is_a_table(ocr: OcrEngine, tmp_path: Path) -> None:
    # A word-processor page with a bordered table beside a text column: its cells wrap
    # over up to eight lines each.
    rows = scanned_table_rows(ocr, tmp_path, "tune_columns_docx", 1)
    assert "| Unit | Profile other image finance total other | 5,993 | 6.5% |" in rows
    assert "| Rule target | Project result agency range handle basic growth centre | 3,991 | " \
           "23.4% |" in rows
    assert len(rows) == 8  # header, divider, six rows; the text column beside it is no cell


def test_a_printed_table_without_borders_keeps_its_columns(ocr: OcrEngine,
                                                           tmp_path: Path) -> None:
    # Only a rule under the header; the OCR boxes' padding had bridged the gap between
    # the wrapped second column and the numbers ("Media county 9,355 month ...").
    rows = scanned_table_rows(ocr, tmp_path, "holdout_report_docx", 1)
    assert rows[0] == "| National history | Year threshold | Council | Phase |"
    assert "| Update | Media county month point large annual risk report regional | 9,355 | " \
           "55.7% |" in rows
    assert "| Industry | Support customer advice handle | 5,510 | 13.5% |" in rows


def test_a_wrapped_bullet_item_stays_one_item(ocr: OcrEngine, tmp_path: Path) -> None:
    # A slide's bullet sits apart from its text, inside the detector's padding: it is
    # the line's own ink, so the item's wrapped line lines up under its text.
    markdown = scanned_page(ocr, tmp_path, "holdout_slides_pptx", 1)
    assert "- Measure answer update figure data interest small frame" in markdown.splitlines()


def test_bullets_the_detector_leaves_out_still_make_a_list(ocr: OcrEngine,
                                                           tmp_path: Path) -> None:
    # Word's bullets sit an indent left of their text: the detector finds no text in a
    # lone dot, and the items had run into one paragraph.
    markdown = scanned_page(ocr, tmp_path, "tune_plain_docx", 1)
    assert ("- Function level user council\n- Balance threshold space\n- Scale direct "
            "sample change social threshold topic\n- Direct modern council network "
            "screen\n") in markdown


def scanned_copy(source: Path, target: Path, degrees: float) -> Path:
    """The first page of `source` as a 200-dpi image-only PDF, turned `degrees`."""
    document = pdfium.PdfDocument(str(source))
    page = document[0].render(scale=200 / 72).to_pil().convert("L")
    document.close()
    if degrees:
        page = page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    page.save(target, format="PDF", resolution=200)
    return target


def test_a_two_column_page_scanned_askew_reads_column_by_column(
    ocr: OcrEngine, tmp_path: Path
) -> None:
    """Turned 0.7 degrees the gutter closed and the columns came out interleaved
    (reading order 0.25); levelled first, the page reads as its level scan does."""
    source = DATA / "generated" / "realset" / "holdout_paper_latex.pdf"
    level, _ = convert(ocr, scanned_copy(source, tmp_path / "level.pdf", 0.0))
    askew, _ = convert(ocr, scanned_copy(source, tmp_path / "askew.pdf", 0.7))
    words = difflib.SequenceMatcher(None, level.split(), askew.split(), autojunk=False)
    assert words.ratio() > 0.97
