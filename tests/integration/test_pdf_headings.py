"""Headings and frames of the pdf engine on generated PDFs (real pypdfium2, built in memory).

Each page has the shape found in real reports (docling's redp5110 sample) but
its own words, so the rules are checked on layouts, not on one file's text:
a chapter label set small in the margin beside its title, a data sheet bound
into a report with its own smaller body text, a title/subtitle/section stack,
and a sidebar box laid over a text frame (boxes that touch but draw no grid).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.engines.pdf.sample import PageSpec, TextRun, build_pdf
from docwarden.settings import Settings

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "pdf"
SENTENCES = [
    "Access rules decide which rows of a table each user may read or change",
    "and masks decide what a column shows to users outside the owning group",
    "so that one database serves tellers, customers and auditors at once while",
    "every query is filtered the same way whichever program sends it to the",
    "server, which keeps the policy in one place instead of in each program.",
]


@pytest.fixture(scope="module")
def engine() -> PdfEngine:
    return PdfEngine(Settings())


def prose(x: float, y: float, lines: int, size: float = 10.0) -> list[TextRun]:
    """Body text: `lines` lines of about 70 characters, 1.25 line spacing."""
    return [TextRun(x, y + i * size * 1.25, SENTENCES[i % len(SENTENCES)], size)
            for i in range(lines)]


def markdown(engine: PdfEngine, pages: list[PageSpec]) -> str:
    result = engine.run(JobInput(data=build_pdf(pages)))
    assert isinstance(result, dict)
    return str(result["markdown"])


def headings(text: str) -> list[str]:
    return re.findall(r"^#+ (.+)$", text, flags=re.M)


def report_page(section: str = "1.1 Overview", runs: list[TextRun] | None = None) -> PageSpec:
    """A 10 pt report page with a 16 pt section heading: the document's body size."""
    return PageSpec(runs=[TextRun(72, 60, section, 16, bold=True), *prose(72, 100, 30),
                          *(runs or [])])


def test_small_chapter_label_beside_a_large_title_is_not_part_of_the_heading(
        engine: PdfEngine) -> None:
    # Same baseline: "Chapter 1." at 9 pt in the margin, the title at 26 pt in the column.
    title = [TextRun(72, 117, "Chapter 1.", 9, bold=True),
             TextRun(137, 100, "Securing the data", 26, bold=True), *prose(137, 160, 12)]
    got = markdown(engine, [PageSpec(runs=title), report_page()])
    assert "Securing the data" in headings(got)
    assert "Chapter 1." in got.splitlines()  # kept, as text of its own


def test_headings_of_a_page_set_smaller_than_the_document(engine: PdfEngine) -> None:
    # A data sheet in 7.4 pt text inside a 10 pt report: its 9.4 pt headings are
    # smaller than the report's body, yet well above the text they head.
    sheet = [TextRun(280, 60, "Center of Excellence", 18.8, bold=True),
             TextRun(280, 86, "Expert help for your requirements", 11),
             TextRun(280, 110, "We build confident clients", 9.4, bold=True),
             *prose(280, 126, 9, 7.4),
             TextRun(280, 220, "Who we are and what we do", 9.4, bold=True),
             *prose(280, 236, 9, 7.4),
             TextRun(72, 126, "Highlights", 9.4)]
    pages = [report_page(), PageSpec(runs=sheet), report_page("1.2 Scope")]
    got = markdown(engine, pages)
    found = headings(got)
    for heading in ("1.1 Overview", "1.2 Scope", "Center of Excellence",
                    "We build confident clients", "Who we are and what we do", "Highlights"):
        assert heading in found, (heading, found)
    assert not any(h.startswith(("Access rules", "and masks")) for h in found)


def test_title_subtitle_and_section_stacked_stay_headings(engine: PdfEngine) -> None:
    # Five heading sizes: the 3-level cap gives the last three one level, yet a stack
    # stepping down in size is a hierarchy, not a run of labels.
    parts = {30: "Access rules", 24: "Column masks", 20: "Group profiles", 16: "Audit trails",
             13: "Special registers"}
    doc = [PageSpec(runs=[TextRun(72, 40 + size, title, size, bold=True), *prose(72, 110, 20)])
           for size, title in parts.items()]
    stack = [TextRun(72, 60, "Guide to access rules", 20, bold=True),
             TextRun(72, 92, "Rows and columns", 16, bold=True),
             TextRun(72, 118, "Before you start", 13, bold=True), *prose(72, 140, 20)]
    found = headings(markdown(engine, [*doc, PageSpec(runs=stack)]))
    for heading in ("Guide to access rules", "Rows and columns", "Before you start"):
        assert heading in found, (heading, found)


def test_sidebar_laid_over_a_text_frame_is_no_table(engine: PdfEngine) -> None:
    # A framed blurb (40..560 x 230..580) and a sidebar box (440..580 x 226..800) cross:
    # their rules touch, but the outer ones span only one box each.
    runs = [*prose(50, 240, 12), TextRun(450, 240, "BUILDING SKILLS", 12, bold=True),
            TextRun(450, 262, "Guides written by", 10), TextRun(450, 276, "practitioners", 10),
            TextRun(450, 600, "For more details", 10)]
    blurb = PageSpec(runs=runs, boxes=[(40, 230, 520, 350), (440, 226, 140, 574)])
    got = markdown(engine, [report_page(), blurb])
    assert "|" not in got
    assert "BUILDING SKILLS" in headings(got)


def test_ruled_grid_is_still_a_table(engine: PdfEngine) -> None:
    cells = [(72 + 120 * c, 300 + 20 * r, 120, 20) for r in range(3) for c in range(3)]
    runs = [TextRun(78 + 120 * c, 304 + 20 * r, f"cell {r}{c}", 10)
            for r in range(3) for c in range(3)]
    got = markdown(engine, [report_page(), PageSpec(runs=runs, boxes=cells)])
    assert "| cell 00 | cell 01 | cell 02 |" in got and "| cell 20 | cell 21 | cell 22 |" in got


def test_redbook_sample_headings(engine: PdfEngine) -> None:
    """The real report these shapes come from (docling's redp5110 sample)."""
    path = SHARED / "docling" / "text" / "redp5110_sampled.pdf"
    if not path.is_file():
        pytest.skip(f"shared test data not found at {SHARED}")
    result = engine.run(JobInput(data=path.read_bytes()))
    assert isinstance(result, dict)
    found = headings(result["markdown"])
    for heading in ("Highlights", "We build confident, satisfied clients",
                    "Who we are, some of what we do", "Securing and protecting IBM DB2 data",
                    "BUILDING TECHNICAL INFORMATION BASED ON PRACTICAL EXPERIENCE"):
        assert heading in found, heading
    assert not any(h.startswith("Chapter 1.") for h in found)

