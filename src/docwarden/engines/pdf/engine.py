"""The `pdf` engine: PDF bytes to Markdown, page by page, memory bounded by one page.

Each page is loaded, read and closed before the next (pdfium calls under the
process-wide lock); only its text lines are kept for the document-level passes
(page furniture, heading ranks).  Pages with a text layer are read from it;
pages without one are rendered and read by the OCR engine, loaded lazily on
the first such page so text-only documents never pay for the OCR models
(about 200 MB of RSS and a second of load) in workers that never see scans.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pypdfium2 as pdfium

from docwarden.engines.base import Engine, JobInput
from docwarden.engines.pdf.document import PDFIUM_LOCK, hyphenates, opened, select_pages
from docwarden.engines.pdf.figures import take_figures
from docwarden.engines.pdf.forms import field_lines, with_fields, with_forms
from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.order import layout_page
from docwarden.engines.pdf.rules import Graphics, mark_bullets, page_graphics, ruled_tables
from docwarden.engines.pdf.sample import sample_pdf
from docwarden.engines.pdf.scanned import (
    Recognizer,
    Rendered,
    check_images,
    has_images,
    read_upright,
)
from docwarden.engines.pdf.scanned import render_page as render
from docwarden.engines.pdf.textlayer import PageText, extract_text
from docwarden.errors import DocwardenError, InputTooLarge, InvalidInput
from docwarden.jobdata import EngineResult
from docwarden.settings import Settings

MIN_TEXT_CHARS = 10  # fewer visible characters than this: the page is treated as scanned
UNMAPPED_RATIO = 3  # glyphs without text to glyphs with: past this, the page is read by OCR
MIN_DPI, MAX_DPI = 72, 600
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True)
class PdfParams:
    password: str | None
    pages: str | None
    page_separators: bool
    dpi: int


@dataclass
class _Outcome:
    """What converting the selected pages gave."""

    layouts: list[PageLayout] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[DocwardenError] = field(default_factory=list)
    hyphenates: bool = True  # the PDF's maker may have hyphenated words (document.py)


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS or text in FALSE_WORDS:
        return text in TRUE_WORDS
    raise InvalidInput(f"{name} must be true or false, not {value!r}")


def parse_params(params: dict[str, Any], default_dpi: int) -> PdfParams:
    """Validated job parameters (form fields arrive as strings)."""
    dpi_value = params.get("dpi")
    try:
        dpi = default_dpi if dpi_value in (None, "") else int(dpi_value)
    except (TypeError, ValueError):
        raise InvalidInput(f"dpi must be an integer, not {dpi_value!r}") from None
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise InvalidInput(f"dpi must be between {MIN_DPI} and {MAX_DPI}")
    password = params.get("password")
    pages = params.get("pages")
    return PdfParams(
        password=None if password is None else str(password),
        pages=None if pages in (None, "") else str(pages),
        page_separators=_flag(params.get("page_separators", False), "page_separators"),
        dpi=dpi,
    )


def _text_layout(number: int, text: PageText, graphics: Graphics, outcome: _Outcome
                 ) -> PageLayout:
    """A page read from its text layer: ruled tables, figures with their labels, drawn
    bullets, then tables from aligned text and the reading order."""
    lines = text.lines
    if text.visible_chars < MIN_TEXT_CHARS and _has_ocr_layer(text):
        lines = text.invisible_text
        outcome.warnings.append(
            f"page {number}: no visible text; its invisible text layer (an earlier OCR) "
            "was used"
        )
    chars = sum(len(line.text) for line in lines)
    tables, rest = ruled_tables(lines, graphics.rules)
    figures, rest = take_figures(rest, graphics.figures)
    mark_bullets(rest, graphics.marks)
    return PageLayout(number, text.width_pt, text.height_pt, "text",
                      layout_page(rest, tables, figures), chars)


def _empty(page: pdfium.PdfPage) -> bool:
    """A page that draws nothing at all (a blank verso): nothing to render or read."""
    return next(iter(page.get_objects(max_depth=1)), None) is None


def _readable(text: PageText) -> bool:
    """Text enough to read the page by, and not three in four of its glyphs without
    text: a page drawn in fonts whose glyphs carry none (bitmap fonts that are no TeX
    text fonts) is read from its render instead (it had come out empty), while a page
    of formulas keeps its text layer."""
    readable = text.visible_chars - text.unmapped_chars
    return readable >= MIN_TEXT_CHARS and text.unmapped_chars < UNMAPPED_RATIO * readable


def _short_text_only(page: pdfium.PdfPage, text: PageText) -> bool:
    """A little text and no image it could come from: a section slide's title
    ("Method"), a cover's year.  Its text layer says it all; read by OCR, as any page
    of under MIN_TEXT_CHARS was, it was measured afresh from the render (the slide's
    title came out a smaller heading than its siblings), at a render's cost."""
    return text.visible_chars > text.unmapped_chars and not has_images(page)


def _has_ocr_layer(text: PageText) -> bool:
    """An invisible text layer big enough to be an earlier OCR of the page."""
    return text.invisible_chars >= MIN_TEXT_CHARS and bool(text.invisible_text)


class PdfEngine(Engine):
    name: ClassVar[str] = "pdf"
    thread_safe: ClassVar[bool] = True

    def __init__(self, settings: Settings, recognizer: Recognizer | None = None) -> None:
        super().__init__(settings)
        self._recognizer = recognizer
        self._ocr: Engine | None = None
        self._ocr_lock = threading.Lock()

    def load(self) -> None:
        """Warm pdfium up on the built-in sample (the OCR models load on first need)."""
        self.run(self.sample_job())

    def sample_job(self) -> JobInput:
        return JobInput(data=sample_pdf())

    def close(self) -> None:
        if self._ocr is not None:
            self._ocr.close()

    def recognizer(self) -> Recognizer:
        """The OCR engine's `recognize`, loaded on first use (thread-safe)."""
        with self._ocr_lock:
            if self._recognizer is None:
                from docwarden.engines.ocr.engine import OcrEngine

                ocr = OcrEngine(self.settings, precision=self.settings.pdf_ocr_precision)
                ocr.load()
                recognize: Recognizer = ocr.recognize
                self._ocr, self._recognizer = ocr, recognize
            return self._recognizer

    def run(self, job: JobInput) -> EngineResult:
        if not job.data:
            raise InvalidInput("no PDF: send the PDF bytes as the job's file")
        params = parse_params(job.params, self.settings.pdf_dpi)
        outcome = _Outcome()
        with opened(job.data, params.password) as document:
            with PDFIUM_LOCK:
                _, indices = select_pages(document, params.pages, self.settings.max_pdf_pages)
                with_forms(document)
                outcome.hyphenates = hyphenates(document)
            for done, index in enumerate(indices, start=1):
                outcome.layouts.append(self._convert(document, index, params, outcome))
                job.progress(done, len(indices))
        if len(outcome.failures) == len(indices):
            too_large = [f for f in outcome.failures if isinstance(f, InputTooLarge)]
            raise too_large[0] if too_large else InvalidInput(
                f"no page of the PDF could be read: {outcome.failures[0].message}"
            )
        return {
            "markdown": build_markdown(outcome.layouts, params.page_separators,
                                       outcome.hyphenates),
            "pages": [
                {"number": p.number, "method": p.method, "chars": p.chars}
                for p in outcome.layouts
            ],
            "warnings": outcome.warnings,
        }

    def _convert(
        self, document: pdfium.PdfDocument, index: int, params: PdfParams, outcome: _Outcome
    ) -> PageLayout:
        """One page as a layout; an unreadable page becomes an empty one and a warning."""
        number = index + 1
        try:
            with PDFIUM_LOCK:
                text, rendered, graphics = self._read_page(document, index, params.dpi)
        except DocwardenError as exc:
            outcome.failures.append(exc)
            outcome.warnings.append(f"page {number} skipped: {exc.message}")
            return PageLayout(number, 0.0, 0.0, "text")
        except Exception as exc:  # damaged pages make pdfium helpers raise anything
            outcome.failures.append(InvalidInput(str(exc) or type(exc).__name__))
            outcome.warnings.append(f"page {number} could not be read: {exc}")
            return PageLayout(number, 0.0, 0.0, "text")
        if rendered is not None:
            ocr = read_upright(rendered, self.recognizer())
            if ocr.lines or not text.lines:
                chars = sum(len(line.text) for line in ocr.lines)
                tables, rest = ruled_tables(ocr.lines, ocr.rules)
                return PageLayout(number, ocr.width_pt, ocr.height_pt, "ocr",
                                  layout_page(rest, tables), chars)
        return _text_layout(number, text, graphics, outcome)

    def _read_page(
        self, document: pdfium.PdfDocument, index: int, dpi: int
    ) -> tuple[PageText, Rendered | None, Graphics]:
        """Text layer and its ruling lines, plus a render when the page has no usable text.

        The caller holds the pdfium lock.
        """
        page = document[index]
        try:
            graphics = page_graphics(page, page.get_bbox())
            textpage = page.get_textpage()
            try:
                text = extract_text(page, textpage, graphics.walls())
            finally:
                textpage.close()
            if text.turns:
                graphics = Graphics()
            else:
                text.lines = with_fields(text.lines, field_lines(document, page))
            if (_readable(text) or _has_ocr_layer(text) or _empty(page)
                    or _short_text_only(page, text)):
                return text, None, graphics
            check_images(page, self.settings.max_image_pixels)
            rendered = render(page, dpi, self.settings.max_image_pixels,
                              self.settings.ocr_max_side_px)
            return text, rendered, Graphics()
        finally:
            page.close()
