"""A ruled table cut by a column break: the cut row has no closing rule, and the
table goes on at the top of the next column (WeasyPrint's two-column reports)."""

from __future__ import annotations

from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.order import layout_page
from docwarden.engines.pdf.rules import Rule, ruled_tables


def line(text: str, x0: float, y0: float, width: float = 60.0, size: float = 10.0) -> Line:
    return Line(text, x0, y0, x0 + width, y0 + size * 1.2, size)


def grid(xs: tuple[float, ...], ys: tuple[float, ...], bottom: float) -> list[Rule]:
    """Horizontal rules at `ys`, vertical ones from the first down to `bottom`."""
    return ([Rule(xs[0], y, xs[-1], y) for y in ys]
            + [Rule(x, ys[0], x, bottom) for x in xs])


LEFT_XS, RIGHT_XS = (50.0, 130.0, 280.0), (310.0, 390.0, 540.0)
HEADER = ("Region", "Product line")


def left_column() -> tuple[list[Line], list[Rule]]:
    """Header, one closed row, then a row the column's end cuts (no rule under it)."""
    lines = [line(HEADER[0], 54, 504), line(HEADER[1], 134, 504),
             line("North", 54, 524), line("Garden tools", 134, 524),
             line("South", 54, 564), line("Kitchen ware and", 134, 564, 120)]
    return lines, grid(LEFT_XS, (500.0, 520.0, 560.0), bottom=600.0)


def test_a_row_left_open_at_a_column_end_is_the_tables_last_row() -> None:
    lines, rules = left_column()
    tables, rest = ruled_tables(lines, rules)
    assert [t.rows for t in tables] == [[list(HEADER), ["North", "Garden tools"],
                                         ["South", "Kitchen ware and"]]]
    assert rest == []


def test_a_table_going_on_in_the_next_column_is_one_table() -> None:
    lines, rules = left_column()
    # The next column: the header again, the cut row's rest (its key cell empty),
    # then a row of its own.
    lines += [line(HEADER[0], 314, 54), line(HEADER[1], 394, 54),
              line("tableware", 394, 74), line("East", 314, 94), line("Tools", 394, 94)]
    rules += grid(RIGHT_XS, (50.0, 70.0, 90.0, 110.0), bottom=110.0)
    # Prose fills the rest of both columns: above the table on the left, below on the right.
    lines += [line(f"Left column prose line {i} of the report runs on.", 50, 60 + 14 * i, 230)
              for i in range(30)]
    lines += [line(f"Right column prose line {i} of the report runs on.", 310, 130 + 14 * i,
                   230) for i in range(34)]
    tables, rest = ruled_tables(lines, rules)
    page = PageLayout(1, 595.0, 842.0, "text", layout_page(rest, tuple(tables)), 0)
    markdown = build_markdown([page])
    assert markdown.count("| Region | Product line |") == 1
    assert ("| Region | Product line |\n|---|---|\n| North | Garden tools |\n"
            "| South | Kitchen ware and tableware |\n| East | Tools |\n") in markdown
    assert markdown.index("Left column prose line 29") < markdown.index("| Region")
    assert markdown.index("| East") < markdown.index("Right column prose line 0")


def test_a_table_ruled_only_down_its_columns_is_no_cut_row() -> None:
    # Rules over and under the header only, side rules down to the table's end: the
    # body's six rows are no one row cut by a break.
    lines = [line(HEADER[0], 54, 504), line(HEADER[1], 134, 504)]
    lines += [line(f"Key {i}", 54, 524 + 14 * i) for i in range(6)]
    lines += [line(f"Value {i}", 134, 524 + 14 * i) for i in range(6)]
    tables, _ = ruled_tables(lines, grid(LEFT_XS, (500.0, 520.0), bottom=610.0))
    assert all(len(table.rows) != 2 for table in tables)
