"""The pdf engine on real PDFs: text vs reference, passwords, pages, limits, scans, hostile."""

from __future__ import annotations

import difflib
import io
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.engines.pdf.sample import PageSpec, TextRun, build_pdf
from docwarden.errors import InputTooLarge, InvalidInput
from docwarden.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data" / "pdf"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"
RUNNER = Path(__file__).resolve().parent / "pdf_hostile_runner.py"
HOSTILE_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def engine() -> PdfEngine:
    loaded = PdfEngine(Settings())
    loaded.load()
    return loaded


def convert(engine: PdfEngine, path: Path, **params: Any) -> dict[str, Any]:
    result = engine.run(JobInput(data=path.read_bytes(), params=params))
    assert isinstance(result, dict)
    return result


def plain_words(markdown: str) -> list[str]:
    text = re.sub(r"^(#+|-|\d+\.)\s+", "", markdown, flags=re.M).replace("|", " ")
    return text.split()


def test_text_pdf_matches_reference(engine: PdfEngine) -> None:
    progress: list[tuple[int, int]] = []
    path = DATA / "docling" / "text" / "multi_page.pdf"
    result = engine.run(JobInput(data=path.read_bytes(), progress=lambda d, t: progress.append(
        (d, t))))
    assert isinstance(result, dict)
    reference = path.with_suffix(".md").read_text("utf-8")
    ratio = difflib.SequenceMatcher(
        None, plain_words(reference), plain_words(result["markdown"]), autojunk=False).ratio()
    assert ratio >= 0.95
    assert "## The Evolution of the Word Processor" in result["markdown"]
    assert "- WordStar (1978): Developed for the CP/M operating system" in result["markdown"]
    assert [p["method"] for p in result["pages"]] == ["text"] * 5
    assert progress == [(n, 5) for n in range(1, 6)]


def test_latex_accents_drawn_over_their_letters_are_read_on_them(engine: PdfEngine) -> None:
    """pdfTeX with LaTeX's default OT1 fonts draws "ö" as "¨" over "o" (it read "G¨odel")."""
    markdown = convert(engine, DATA / "generated" / "latex_ot1_accents.pdf")["markdown"]
    assert markdown.startswith("# 1 Rôle of naïve café owners\n")
    assert ("Kurt Gödel and Erwin Schrödinger met in Zürich. The rôle of the café is déjà vu;"
            " façade, Čapek, Dvořák, Ångström, Mañana,") in markdown


@pytest.mark.parametrize("name", [
    "footnotes_latex.pdf", "footnotes_word.pdf", "footnotes_typst.pdf", "footnotes_weasy.pdf"])
def test_footnotes_are_markdown_footnotes_after_the_text(engine: PdfEngine, name: str) -> None:
    """pdfTeX, LibreOffice and WeasyPrint raise a smaller mark, Typst draws a superscript
    figure: it had run into its word ("day1") and the notes into one paragraph
    (WeasyPrint's, which start "1." on the baseline, into a list); a power set the same
    way is no footnote."""
    markdown = convert(engine, DATA / "generated" / name)["markdown"]
    assert "requests a day[^1] and grew" in markdown
    assert "smaller servers[^2], while" in markdown
    assert re.search(r"\S2 and nothing else", markdown)  # mc2, or Typst's 𝑚𝑐2
    notes = re.findall(r"^\[\^(\d)\]: (\S+)", markdown, flags=re.M)
    assert notes[:2] == [("1", "Measured"), ("2", "Two-core")]
    assert markdown.rstrip().endswith("the OCR engine alone fell by two thirds.")


def test_latex_thanks_marks_and_a_paragraph_over_a_page_break(engine: PdfEngine) -> None:
    """\\thanks marks have no Unicode mapping (cmsy's "∗"); the page's notes had cut
    the paragraph that runs on over the page break."""
    markdown = convert(engine, DATA / "generated" / "footnotes_latex.pdf")["markdown"]
    assert "Ana Silva[^∗]" in markdown and "\n[^∗]: Operations team, Lisbon office.\n" in markdown
    paragraph = next(p for p in markdown.split("\n\n") if p.startswith("The same week"))
    assert paragraph.endswith("taken back in a hurry[^3].")
    assert markdown.index("[^2]: Two-core") < markdown.index("## 2 Results")


def test_a_printed_pages_backdrop_is_no_table_frame(engine: PdfEngine) -> None:
    """A browser prints a page's colour as a filled box inside its margins; the boxes
    behind inline code at its top edge touched it, and the page became one table."""
    words = "the package must install its modules where every supported version finds them"
    runs = [TextRun(50, 30, "python3-foo " + words), TextRun(50, 200, "1. Module Path", 16)]
    runs += [TextRun(50, 230 + 16 * i, f"Line {i} of the section: {words}.") for i in range(8)]
    fills = [(28, 28, 539, 786, 0.93), (28, 28, 539, 786, 1.0), (48, 30, 70, 12, 0.9),
             (300, 262, 60, 12, 0.9), (48, 342, 40, 12, 0.9)]
    data = build_pdf([PageSpec(runs=runs, fills=fills)])
    markdown = engine.run(JobInput(data=data))["markdown"]
    assert "|" not in markdown and "# 1. Module Path" in markdown
    assert "Line 7 of the section" in markdown


def test_cjk_pdf_is_exact(engine: PdfEngine) -> None:
    result = convert(engine, DATA / "generated" / "cjk_text.pdf")
    assert result["markdown"].strip() == (DATA / "generated" / "cjk_text.md").read_text(
        "utf-8").strip()


@pytest.mark.parametrize(("name", "password"), [("pypdf/r6-user-password.pdf", "asdfzxcv"),
                                                ("generated/cjk_text_encrypted.pdf", "docwarden")])
def test_encrypted_pdf_needs_the_password(engine: PdfEngine, name: str, password: str) -> None:
    path = DATA / name
    with pytest.raises(InvalidInput, match="password is needed"):
        convert(engine, path)
    with pytest.raises(InvalidInput, match="password is wrong"):
        convert(engine, path, password="not-it")
    assert convert(engine, path, password=password)["markdown"].strip()


def test_page_range_and_separators(engine: PdfEngine) -> None:
    result = convert(engine, DATA / "docling" / "text" / "multi_page.pdf", pages="2,4-5",
                     page_separators=True)
    assert [p["number"] for p in result["pages"]] == [2, 4, 5]
    assert "<!-- page 4 -->" in result["markdown"]
    assert "The Evolution of the Word Processor" not in result["markdown"]
    with pytest.raises(InvalidInput, match="out of bounds"):
        convert(engine, DATA / "docling" / "text" / "multi_page.pdf", pages="3-9")


def test_max_pages_is_checked_before_any_work() -> None:
    small = PdfEngine(Settings(max_pdf_pages=3))
    pages: list[tuple[int, int]] = []
    data = (DATA / "docling" / "text" / "multi_page.pdf").read_bytes()
    with pytest.raises(InputTooLarge):
        small.run(JobInput(data=data, progress=lambda d, t: pages.append((d, t))))
    assert pages == []
    result = small.run(JobInput(data=data, params={"pages": "1-3"}))
    assert isinstance(result, dict) and len(result["pages"]) == 3


def test_invisible_text_layer_is_not_read_as_visible_text(engine: PdfEngine) -> None:
    result = convert(engine, DATA / "docling" / "text" / "invisible_text_layer.pdf")
    assert "Visible heading line" in result["markdown"]
    assert "Invisible" not in result["markdown"]


def test_only_invisible_text_falls_back_to_that_layer(engine: PdfEngine) -> None:
    runs = [TextRun(72, 100, "An earlier OCR layer says hello", invisible=True)]
    result = engine.run(JobInput(data=build_pdf([PageSpec(runs=runs)])))
    assert isinstance(result, dict)
    assert result["markdown"].strip() == "An earlier OCR layer says hello"
    assert result["pages"][0]["method"] == "text" and result["warnings"]


def test_tex_bitmap_fonts_without_unicode_are_read_in_texs_encoding(engine: PdfEngine) -> None:
    """pdfTeX's T1 text without cm-super is set in Type 3 bitmap fonts whose glyphs
    pdfium cannot map: every glyph had been dropped and the page came out empty."""
    result = convert(engine, DATA / "generated" / "latex_type3_t1.pdf")
    markdown = result["markdown"]
    assert result["pages"][0]["method"] == "text"
    assert "# 1 Office files and scans" in markdown and "# 2 Findings" in markdown
    assert "The first office suites made “efficient” file formats – and then—much" in markdown
    assert "Staff in Łódź and in the café of the naïve Zoë kept their offline" in markdown
    assert "A fluffy affidavit shows the difficulty: 42 files of 57 were read back, 74% of" \
        in markdown
    # Through dvips and Ghostscript most glyphs map, but the bold titles' had not.
    markdown = convert(engine, DATA / "generated" / "latex_type3_ot1_dvips.pdf")["markdown"]
    assert "# 1 Office files and scans" in markdown and "# 2 Findings" in markdown
    assert "The first office suites made “efficient” file formats – and then—much" in markdown


def test_filled_form_fields_are_read_after_their_labels(engine: PdfEngine) -> None:
    """A form's values live in its widgets, not in the text layer: they had been lost."""
    markdown = convert(engine, DATA / "generated" / "form_filled.pdf")["markdown"]
    assert ("Full name: Ana Silva\n\nCity: Lisbon\n\nCard number: LX-2026-0417\n\n"
            "Member of staff: [x]\n") in markdown


def test_a_slide_with_only_its_title_is_read_from_its_text_layer(engine: PdfEngine) -> None:
    """A section slide holds one short title: under MIN_TEXT_CHARS, it had been read by
    OCR, which measured "Method" smaller than the other slides' titles (an h2)."""
    slides = [[TextRun(30, 20, "Why services die", 14.3),
               TextRun(30, 110, "Four web workers each load their own model copy")],
              [TextRun(140, 100, "Method", 14.3)],
              [TextRun(30, 20, "Results", 14.3),
               TextRun(30, 110, "Failures fell by half within three months.")]]
    pages = [PageSpec(runs=runs, size_pt=(364.0, 273.0)) for runs in slides]
    result = engine.run(JobInput(data=build_pdf(pages)))
    assert isinstance(result, dict)
    assert [page["method"] for page in result["pages"]] == ["text"] * 3
    headings = [line for line in result["markdown"].splitlines() if line.startswith("#")]
    assert headings == ["# Why services die", "# Method", "# Results"]


def test_a_scan_with_a_stamped_page_number_is_still_read_by_ocr(engine: PdfEngine) -> None:
    """A few characters of text over an image (a number stamped on a scan) are no text
    layer of the page: the image is read."""
    scan = Image.new("L", (1240, 1754), 255)
    ImageDraw.Draw(scan).text((120, 300), "Governed workers read scans", fill=0,
                              font_size=72)
    buffer = io.BytesIO()
    scan.save(buffer, format="JPEG", quality=90)
    page = PageSpec(runs=[TextRun(500, 800, "7")], jpeg=buffer.getvalue())
    result = engine.run(JobInput(data=build_pdf([page])))
    assert isinstance(result, dict)
    assert result["pages"][0]["method"] == "ocr"
    assert "Governed workers read scans" in result["markdown"]


def test_rotated_scanned_page_is_ocred_upright(engine: PdfEngine) -> None:
    result = convert(engine, DATA / "docling" / "scanned" / "ocr_test_rotated_90.pdf")
    assert result["pages"][0]["method"] == "ocr"
    assert " ".join(result["markdown"].split()) == (
        "Docling bundles PDF document conversion to JSON and Markdown in an easy self "
        "contained package")


def test_upside_down_page_with_rotate_entry(engine: PdfEngine) -> None:
    path = SHARED / "pdf" / "docling" / "scanned" / "ocr_test_rotated_180.pdf"
    if not path.is_file():
        pytest.skip(f"shared test data not found at {SHARED}")
    assert convert(engine, path)["markdown"].startswith("Docling bundles PDF")


def hostile_files() -> list[Path]:
    local = sorted((DATA / "hostile").rglob("*.pdf"))
    if not (SHARED / "hostile").is_dir():
        return local
    shared = sorted((SHARED / "hostile" / "qpdf").glob("*.pdf"))
    shared += sorted((SHARED / "hostile" / "pdfjs").glob("*.pdf"))
    shared += sorted((SHARED / "hostile" / "generated").glob("*.pdf"))
    return shared


def run_isolated(files: list[Path]) -> list[dict[str, Any]]:
    """Convert files in child interpreters; a crash or hang is the outcome of its file."""
    results: list[dict[str, Any]] = []
    while len(results) < len(files):
        pending = files[len(results):]
        try:
            done = subprocess.run([sys.executable, str(RUNNER), *map(str, pending)],
                                  capture_output=True, text=True, check=False,
                                  timeout=HOSTILE_TIMEOUT_S * len(pending))
            output, failure = done.stdout, f"exit {done.returncode}: {done.stderr[-500:]}"
        except subprocess.TimeoutExpired as exc:
            partial = exc.stdout or ""
            output = partial.decode() if isinstance(partial, bytes) else partial
            failure = "timeout"
        rows = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        results += rows
        if len(results) < len(files):
            results.append({"file": files[len(results)].name, "outcome": failure})
    return results


def test_hostile_pdfs_finish_with_an_expected_outcome() -> None:
    files = hostile_files()
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = list(pool.map(run_isolated, [files[0::2], files[1::2]]))
    results = halves[0] + halves[1]
    assert len(results) == len(files)
    bad = [r for r in results if r["outcome"] not in {"ok", "invalid_input", "input_too_large"}]
    assert not bad, bad
    by_name = {r["file"]: r for r in results}
    assert by_name["pdf_20000_pages.pdf"]["outcome"] == "input_too_large"
    assert by_name["pdf_flate_bomb_image_400MB.pdf"]["outcome"] == "input_too_large"
    assert by_name["zero_bytes.pdf"]["outcome"] == "invalid_input"
    assert by_name["zip_as.pdf"]["outcome"] == "invalid_input"
    assert "Hello, docwarden" in by_name["minimal_valid.pdf"]["markdown"]
    assert by_name["pdf_huge_mediabox_14400pt.pdf"]["outcome"] == "ok"
    # Typical peak here is ~210 MB; one loaded CI run saw ~1 GB (glibc malloc, no jemalloc in
    # this child). The bound catches a decoded bomb (the 400 MB image alone) without flaking.
    assert max(r.get("peak_rss_mb", 0) for r in results) < 1536


def test_code_quoted_in_prose_headings_and_items_stays_prose(engine: PdfEngine) -> None:
    """Chromium sets inline code smaller than the text: a heading or line mostly in code
    had been taken for a code block (its heading lost, "W ith" spaced by the code's
    pitch), a paragraph's last line in code was fenced, and a list item broken at a
    long URL's hyphen lost its second line."""
    markdown = convert(engine, DATA / "generated" / "inline_code_chromium.pdf")["markdown"]
    assert "### Using secondary_log_colors\n" in markdown
    assert "### With dictConfig\n" in markdown
    assert "- secondary_log_colors (default=None): A mapping of names to log_colors style " \
        "mappings.\n" in markdown
    assert "- Meetup notes: https://lf-aidata.example.org/wiki/spaces/DL/pages/" in markdown
    assert "either pip install 'colour[asyncio]' or with pip install 'colour[trio]'.\n" \
        in markdown
    assert markdown.count("```") == 2  # the one real listing
    assert '```\nformatter = ColoredFormatter(\n    "%(log_color)s%(message)s",' in markdown


def test_a_sphinx_book_keeps_its_listings_and_chapter_titles(engine: PdfEngine) -> None:
    """Sphinx's LaTeX (Read the Docs' PDFs): code in txfonts' typewriter "t1xtt", which
    no name rule knew (its listings came out as paragraphs); a listing a page break
    cuts, between "(continues on next page)" and "(continued from previous page)";
    "CHAPTER" over "TWO" over the chapter's title (the number word had been a heading
    and, with the title and its first section, a run of headings that lost the title)."""
    markdown = convert(engine, DATA / "generated" / "sphinx_book.pdf")["markdown"]
    listing = "\n".join(f"handler_{i} = colorlog.StreamHandler(level={i})" for i in range(120))
    assert f"```\n{listing}\n```\n" in markdown
    assert "continue" not in markdown
    assert "\n### LOG FORMATTING WITH COLOURS\n" in markdown
    assert "\nTWO\n\n### RELEASE INFORMATION\n\n### 2.1 Added\n" in markdown
