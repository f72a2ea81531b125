"""Font sizes of OCR lines (ocrsize.py): by advance, short lines by what they continue."""

from __future__ import annotations

from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.ocrsize import line_sizes
from docwarden.engines.pdf.order import layout_page

BODY = "Global output opens the general threshold to handle"  # 44 glyphs, 7 spaces


def body_box(y: float, text: str = BODY) -> tuple[str, float, float, float, float]:
    return (text, 55.0, y, 55.0 + 270.0, y + 14.0)  # ~12 pt by its advance


def test_a_heading_s_second_line_and_a_paragraph_s_last_take_the_size_they_continue() -> None:
    # fresh_newsletter_web scanned: "District natural question" / "window" (no descender,
    # its box 0.93 x its size: by height it read 9 pt) and a paragraph's "in market.".
    boxes = [("District natural question", 55.4, 162.7, 258.6, 180.0),
             ("window", 55.5, 185.4, 114.4, 200.2),
             body_box(217.8), body_box(233.8),
             ("in market.", 54.0, 251.0, 109.1, 265.4)]
    sizes = line_sizes(boxes)
    assert sizes[1] == sizes[0] > 1.25 * sizes[2]
    assert sizes[4] == sizes[3]


def test_a_short_heading_after_a_paragraph_keeps_its_own_size() -> None:
    # "3. Results" sits a heading's gap below the paragraph: it continues nothing.
    boxes = [body_box(273.6), body_box(290.3), ("3. Results", 53.3, 317.2, 135.3, 337.4)]
    sizes = line_sizes(boxes)
    assert sizes[2] > 1.15 * sizes[1]


def test_a_row_of_table_cells_holds_no_heading() -> None:
    # A scan's table its detection missed: bold header cells read a little larger.
    cells = [Line(text, x, 442.7, x + w, 462.5, size) for text, x, w, size in (
        ("Finance value", 73.4, 85, 13.5), ("Stage measure", 197.6, 90, 14.4),
        ("Matter", 347.4, 44, 11.8), ("Code", 478.8, 33, 12.6))]
    body = [Line(f"Relevant unit defines each recent finance across team {i}.", 54, y, 550,
                 y + 14, 11.8) for i, y in enumerate((351.6, 367.5, 383.5, 399.4))]
    markdown = build_markdown([PageLayout(1, 612, 792, "ocr", layout_page(body + cells), 0)])
    assert "#" not in markdown


def test_lines_carrying_one_sentence_on_share_its_size() -> None:
    # holdout_columns_docx scanned: a narrow column's lines measured 11.0-13.6 pt by their
    # advance, and the largest, "with standard. Common model", became a heading.
    boxes = [("community for centre. Open weight", 64.6, 459.4, 264.2, 473.3),
             ("affects its direct supply, while for", 64.5, 475.0, 250.0, 488.4),
             ("reason across force, and across system", 63.4, 491.0, 279.4, 507.0),
             ("with standard. Common model", 64.5, 507.8, 238.7, 521.3),
             ("describes each typical structure, and", 64.5, 524.6, 269.8, 538.1)]
    sizes = line_sizes(boxes)
    assert len(set(sizes)) == 1
    markdown = build_markdown([PageLayout(1, 595, 842, "ocr", layout_page(
        [Line(text, x0, y0, x1, y1, size) for (text, x0, y0, x1, y1), size in zip(
            boxes, sizes, strict=True)]), 0)])
    assert "#" not in markdown


def test_a_sentence_s_end_or_a_capital_starts_a_line_of_its_own_size() -> None:
    boxes = [body_box(100.0, "the last words of a long paragraph end here."),
             ("lower case after a full stop", 55.0, 116.0, 220.0, 130.0),
             body_box(132.0, "Capitalised next line of the same paragraph goes on"),
             ("and this one carries it on to the end", 55.0, 148.0, 300.0, 166.0)]
    sizes = line_sizes(boxes)
    assert sizes[0] != sizes[1]  # after a full stop: not carried on
    assert sizes[2] == sizes[3]  # carried on: one size


def test_a_mostly_latin_line_counts_its_han_glyphs_a_full_em() -> None:
    # cjk_scanned: an 11.5 pt line read as Latin measured 17 pt and became a heading.
    mixed = ("這是一段用於測試的繁體中文句子。Mixedline:版本v2.1.0发布于2024-06-01，大小3.",
             73.3, 439.2, 515.6, 462.2)
    assert 10.5 <= line_sizes([mixed])[0] <= 12.5


def test_sibling_headings_of_a_scan_measured_a_little_apart_share_a_level() -> None:
    body = [Line(f"本文件由测试数据生成脚本自动生成，用于验证文本抽取功能的第{i}段。", 72, y, 515,
                 y + 20, 11.5) for i, y in enumerate((140, 160, 240, 260, 340, 360))]
    headings = [Line("一、概述", 71, 114, 128, 140, 14.2),
                Line("二、表格", 71, 214, 129, 236, 14.5),
                Line("三、繁體與混排", 73, 314, 175, 336, 15.0)]
    lines = sorted(body + headings, key=lambda line: line.y0)
    markdown = build_markdown([PageLayout(1, 595, 842, "ocr", layout_page(lines), 0)])
    assert [row for row in markdown.splitlines() if row.startswith("#")] == [
        "# 一、概述", "# 二、表格", "# 三、繁體與混排"]
