"""A table of contents: dot-leader entries become a title | page table."""

from __future__ import annotations

from docwarden.engines.pdf.contents import find_contents
from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.order import layout_page

PAGE = (612.0, 792.0)
LEADER = " . . . . . . . . . . . . . . . . . . "


def line(text: str, x0: float, y0: float, size: float = 10.0) -> Line:
    return Line(text, x0, y0, 547.0, y0 + size * 0.95, size)


def contents_page() -> list[Line]:
    entries = [("Notices", "vii", 136.8), ("Preface", "xi", 136.8),
               ("Chapter 1. Securing and protecting IBM DB2 data", "1", 136.8),
               ("1.1 Security fundamentals.", "2", 136.8),
               ("1.3.1 Existing row and column control", "4", 151.2)]
    lines = [Line("Contents", 64.8, 73.4, 168.7, 96.0, 24.0, bold=True)]
    y = 132.6
    for title, page, x0 in entries:
        lines.append(line(f"{title}{LEADER}{page}", x0, y))
        y += 12.5
    lines.append(line("3.4 Establishing and controlling accessibility by using the RCAC", 136.8, y))
    lines.append(line(f"rule text{LEADER}21", 136.8, y + 12.5))
    return lines


def test_leader_rows_become_a_title_page_table_and_a_wrapped_title_joins_its_entry() -> None:
    tables, rest = find_contents(contents_page())
    assert [ln.text for ln in rest] == ["Contents"]
    assert len(tables) == 1
    assert tables[0].rows == [
        ["Notices", "vii"], ["Preface", "xi"],
        ["Chapter 1. Securing and protecting IBM DB2 data", "1"],
        ["1.1 Security fundamentals", "2"], ["1.3.1 Existing row and column control", "4"],
        ["3.4 Establishing and controlling accessibility by using the RCAC rule text", "21"],
    ]


def test_contents_render_as_a_table_under_their_heading() -> None:
    page = PageLayout(1, *PAGE, "text", layout_page(contents_page()))
    markdown = build_markdown([page])
    assert markdown.split("\n", 1)[0].endswith("# Contents")
    assert "Contents\n\n| Notices | vii |\n|---|---|\n| Preface | xi |" in markdown
    assert ". . ." not in markdown


def test_two_leader_rows_or_an_ellipsis_in_prose_are_no_contents() -> None:
    prose = [line("He waited . . . and waited . . . until page 3", 72, 100),
             line("Notices" + LEADER + "vii", 72, 112), line("Preface" + LEADER + "xi", 72, 124),
             line("An ordinary sentence closes the paragraph here.", 72, 136)]
    tables, rest = find_contents(prose)
    assert tables == [] and len(rest) == 4


def koma_page(first: int, base: int = 0) -> list[Line]:
    """A KOMA-Script contents page: a running header, chapter entries with the page set
    apart and no leader, a part title over two rows, dotted section entries."""
    bold = {"bold": True}
    lines = [Line("Contents", 5.5, 5.7, 46.5, 20.0, 10.0, **bold),
             Line(str(first), 499.0, 5.7, 504.6, 20.0, 10.0, **bold),
             Line("Contents", 61.1, 40.6, 120.2, 61.1, 14.3, **bold)]
    y = 76.4
    for chapter in (base + 1, base + 2):
        if chapter == base + 2:
            lines.append(Line("Part I:", 61.1, y, 96.3, y + 15.5, 12.0, **bold))
            lines.append(Line("KOMA-Script for Authors", 61.1, y + 14, 207.1, y + 29.5, 12.0,
                              **bold))
            lines.append(Line("26", 494.4, y + 15, 505.3, y + 30.5, 10.9))
            y += 40
        lines.append(Line(f"{chapter}. Chapter {chapter}", 61.1, y, 143.5, y + 15.5, 10.9,
                          **bold))
        lines.append(Line(str(20 * chapter), 494.4, y, 505.3, y + 15.5, 10.9))
        y += 13.6
        for section in (1, 2, 3):
            lines.append(line(f"{chapter}.{section}. Section{LEADER}{20 * chapter + section}",
                              82.1, y, size=10.9))
            y += 13.6
        y += 10
    return lines


def test_chapter_entries_without_leaders_join_and_the_page_headers_stay_out() -> None:
    tables, rest = find_contents(koma_page(9))
    assert [ln.text for ln in rest] == ["Contents", "9", "Contents"]
    assert [row for table in tables for row in table.rows] == [
        ["1. Chapter 1", "20"], ["1.1. Section", "21"], ["1.2. Section", "22"],
        ["1.3. Section", "23"], ["Part I: KOMA-Script for Authors", "26"],
        ["2. Chapter 2", "40"], ["2.1. Section", "41"], ["2.2. Section", "42"],
        ["2.3. Section", "43"]]


def test_contents_over_two_pages_are_one_table() -> None:
    pages = [PageLayout(n, *PAGE, "text", layout_page(koma_page(n, base)))
             for n, base in ((9, 0), (10, 2))]
    markdown = build_markdown(pages)
    assert markdown.count("|---|---|") == 1
    assert "| 2.3. Section | 43 |\n| 3. Chapter 3 | 60 |" in markdown
    assert "| 4.3. Section | 83 |" in markdown


def test_contents_without_leaders_are_known_by_ascending_flush_right_pages() -> None:
    # The LuaTeX manual (ConTeXt): no leaders; a title wraps onto a typewriter line.
    lines = [Line("Contents", 56.7, 91.0, 160.7, 111.3, 20.7, bold=True)]
    y, page = 135.0, 13
    for i in range(9):
        lines.append(Line(f"2.{i + 1} Section title {i + 1}", 86.6, y, 260.0, y + 10, 10.0))
        if i == 4:
            lines.append(Line("\\xtoksapp, \\xtokspre", 136.4, y + 14.5, 250.7, y + 24.5, 10.0,
                              mono=True))
            y += 14.5
        lines.append(Line(str(page), 525.9, y, 538.6, y + 10, 10.0))
        y, page = y + 14.5, page + i % 2
    tables, rest = find_contents(lines)
    assert [ln.text for ln in rest] == ["Contents"]
    rows = tables[0].rows
    assert len(rows) == 9 and rows[0] == ["2.1 Section title 1", "13"]
    assert rows[4] == ["2.5 Section title 5 \\xtoksapp, \\xtokspre", "15"]


def test_a_price_list_is_no_contents() -> None:
    prices = [8, 12, 9, 30, 4, 15, 7, 22, 11]  # flush right, but not in page order
    lines = [ln for i, price in enumerate(prices) for ln in (
        Line(f"Item number {i}", 72, 100 + 14 * i, 200, 110 + 14 * i, 10.0),
        Line(str(price), 520, 100 + 14 * i, 532, 110 + 14 * i, 10.0))]
    assert find_contents(lines)[0] == []
