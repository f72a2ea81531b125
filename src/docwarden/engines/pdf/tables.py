"""Tables: the grid type, tables found from aligned text, and tables a page break cut.

A run of rows whose short cells fall into the same column bands is a table
(found before the column search, so it is not read column by column); ruled
grids are found from their rules in rules.py.  A table that a page break cuts
(a word processor repeats its header row on the next page, and a wrapped
cell may continue there) is joined back into one.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from docwarden.engines.geometry import Extent, uncovered_gaps
from docwarden.engines.pdf.bidi import is_rtl_line
from docwarden.engines.pdf.layout import BULLET_GLYPHS, Area, Line

ROW_OVERLAP = 0.5  # lines sharing this much of the smaller height are on one row
TABLE_ROW_GAP_EM = 1.6  # rows further apart than this end a table
WRAP_GAP_EM = 0.8  # a wrapped cell's next line sits closer than this below the row above
WRAP_GAP_SLACK = 1.5  # ... or than this many times the run's widest row gap (double spacing)
TABLE_MAX_MEAN_CELL_CHARS = 40  # longer cells look like prose columns, not a table
PROSE_FULL_SHARE = 0.6  # of a band's cells filling its width: wrapped prose, not cells
PROSE_FULL_WIDTH = 0.8
PROSE_MIN_CHARS = 25
BULLETS = BULLET_GLYPHS + "·-–—*"
# A number or an amount alone in a cell: "2,247", "-3.5", "64.2%", "0.25 EUR", "$1,200".
NUMBER_CELL_RE = re.compile(r"^[-+−(]?[$€£¥]?\s?\d[\d.,'\s]*%?\)?(?:\s?(?:[A-Z]{3}|[$€£¥]))?$")
MIN_SIDE_PROSE_LINES = 5  # prose lines each side of a gutter for a page of two columns
HALF_PAGE = 0.6  # a column's prose is at most this share of the page's text width


@dataclass(slots=True)
class Table(Area):
    """A grid of cell texts with the box it covers."""

    rows: list[list[str]] = field(default_factory=list)
    contents: bool = False  # a table of contents (contents.py): goes on over pages


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def group_rows(lines: Sequence[Line]) -> list[list[Line]]:
    """Lines grouped into visual rows, top to bottom, each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.y0 + ln.y1) / 2):
        if rows:
            row = rows[-1]
            top, bottom = min(r.y0 for r in row), max(r.y1 for r in row)
            limit = ROW_OVERLAP * min(line.height, *(r.height for r in row))
            if overlap(top, bottom, line.y0, line.y1) >= limit:
                row.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda ln: ln.x0) for row in rows]


def _bands(cells: Sequence[Line]) -> list[tuple[float, float]]:
    """Union of the cells' x ranges: the column bands."""
    bands: list[list[float]] = []
    for cell in sorted(cells, key=lambda c: c.x0):
        if bands and cell.x0 <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], cell.x1)
        else:
            bands.append([cell.x0, cell.x1])
    return [(b[0], b[1]) for b in bands]


def _column_of(cell: Line, bands: list[tuple[float, float]]) -> int:
    centre = (cell.x0 + cell.x1) / 2
    return min(
        range(len(bands)),
        key=lambda i: (-overlap(cell.x0, cell.x1, *bands[i]), abs(centre - sum(bands[i]) / 2)),
    )


def _prose_band(cells: Sequence[Line], band: tuple[float, float]) -> bool:
    """Cells that mostly fill their band's width with long text: a column of wrapped prose."""
    if len(cells) < 3 or statistics.fmean(len(c.text) for c in cells) < PROSE_MIN_CHARS:
        return False
    full = sum(1 for c in cells if c.width >= PROSE_FULL_WIDTH * (band[1] - band[0]))
    return full >= PROSE_FULL_SHARE * len(cells)


def _key_column(texts: Iterable[str], columns: int) -> int:
    """The column every row fills: the first, or the last in a right-to-left table."""
    return columns - 1 if is_rtl_line(" ".join(texts)) else 0


def _joined_rows(upper: list[str], lower: list[str]) -> list[str]:
    """A row and the rest of its wrapped cells, cell by cell."""
    return [f"{a} {b}".strip() for a, b in zip(upper, lower, strict=True)]


def _under_number(upper: list[str], lower: list[str]) -> bool:
    """`lower` sets words under a number or an amount: no wrapped cell goes on so, and
    it is a row of its own (an invoice's "Subtotal", "VAT 19%" and "Total" rows under
    the unit prices).  Numbers under numbers are left to the key column: a table's
    sub-rows beside one spanning key cell (docling's references join them)."""
    return any(text and not NUMBER_CELL_RE.match(text) and NUMBER_CELL_RE.match(above)
               for above, text in zip(upper, lower, strict=True))


def _grid(rows: list[list[Line]], bands: list[tuple[float, float]]
          ) -> tuple[list[list[str]], list[list[Line]]]:
    """Cell texts per row, and each band's lines; a visual row with nothing in the key
    column is the next line of the row above (a wrapped cell), not a row of its own,
    unless it sets words under a number (_under_number), and then so are the rows of
    its shape after it ("VAT 19%" and "Total" under "Subtotal")."""
    key = _key_column((cell.text for row in rows for cell in row), len(bands))
    grid: list[list[str]] = []
    by_band: list[list[Line]] = [[] for _ in bands]
    keyless: list[bool] | None = None  # the shape of the last keyless row of its own
    for row in rows:
        texts = [""] * len(bands)
        for cell in row:
            col = _column_of(cell, bands)
            texts[col] = f"{texts[col]} {cell.text}".strip()
            by_band[col].append(cell)
        shape = [bool(text) for text in texts]
        if grid and not texts[key] and shape != keyless and not _under_number(
                grid[-1], texts):
            grid[-1] = _joined_rows(grid[-1], texts)
            continue
        grid.append(texts)
        keyless = None if texts[key] else shape
    return grid, by_band


def _list_band(cells: Sequence[Line]) -> bool:
    """A column whose lines mostly start with bullets: lists side by side (a slide's two
    columns), not a table."""
    marked = sum(1 for c in cells if c.text[:1] in BULLETS)
    return marked >= 2 and marked * 2 >= len(cells)


def _as_table(rows: list[list[Line]]) -> Table | None:
    """A Table when the rows look like one: short cells in shared column bands."""
    cells = [cell for row in rows for cell in row]
    counts = [len(row) for row in rows]
    widest = max(counts)  # header rows span columns: take bands from the fullest rows
    bands = _bands([cell for row in rows if len(row) == widest for cell in row])
    if len(bands) < 2 or (len(rows) < 3 and len(bands) < 3):
        return None
    if statistics.fmean(len(c.text) for c in cells) > TABLE_MAX_MEAN_CELL_CHARS:
        return None
    grid, by_band = _grid(rows, bands)
    if any(_prose_band(cells, band) or _list_band(cells)
           for cells, band in zip(by_band, bands, strict=True)):
        return None
    if len(grid) < 2 or sum(1 for r in grid for t in r if t) < 0.5 * len(grid) * len(bands):
        return None
    return Table(
        rows=grid, x0=min(c.x0 for c in cells), y0=min(c.y0 for c in cells),
        x1=max(c.x1 for c in cells), y1=max(c.y1 for c in cells),
        size_pt=statistics.median(c.size_pt for c in cells), lines=cells,
    )


def _wraps_into(run: list[list[Line]], cell: Line) -> bool:
    """A lone line starting at one of the run's columns other than the key one, and
    ending before the next: the next line of a wrapped cell.  Only a run of short
    cells wraps so (rows of two prose columns would swallow a table below them)."""
    cells = [c for row in run if len(row) >= 2 for c in row]
    bands = _bands(cells)
    if len(bands) < 2 or statistics.fmean(len(c.text) for c in cells) > TABLE_MAX_MEAN_CELL_CHARS:
        return False
    key = _key_column((c.text for row in run for c in row), len(bands))
    em = max(cell.size_pt, 1.0)
    for index, (x0, _) in enumerate(bands):
        following = bands[index + 1][0] if index + 1 < len(bands) else float("inf")
        if index != key and abs(cell.x0 - x0) <= 0.5 * em and cell.x1 < following:
            return True
    return False


def _extends(run: list[list[Line]], row: list[Line]) -> bool:
    """Whether `row` continues a run of table rows: close below it, with two cells or
    more, or a wrapped cell's next line."""
    if not run:
        return len(row) >= 2
    em = max(*(c.size_pt for c in row), 1.0)
    gap = _gap_between(run[-1], row)
    if gap > TABLE_ROW_GAP_EM * em:
        return False
    if len(row) >= 2:
        return True
    # A wrap follows at the cell's own leading; a lone line set further below (the
    # page number under a table at the foot of a page) is no part of it.
    widest = max((_gap_between(a, b) for a, b in itertools.pairwise(run)), default=0.0)
    return gap <= max(WRAP_GAP_EM * em, WRAP_GAP_SLACK * widest) and _wraps_into(run, row[0])


def _gap_between(upper: list[Line], lower: list[Line]) -> float:
    return min(c.y0 for c in lower) - max(c.y1 for c in upper)


def _table_runs(rows: list[list[Line]]) -> list[list[list[Line]]]:
    runs: list[list[list[Line]]] = []
    run: list[list[Line]] = []
    for row in rows:
        if _extends(run, row):
            run.append(row)
            continue
        if len(run) >= 2:
            runs.append(run)
        run = [row] if len(row) >= 2 else []
    if len(run) >= 2:
        runs.append(run)
    return runs


def _prose(line: Line) -> bool:
    return len(line.text) >= PROSE_MIN_CHARS


def alone(items: Sequence[Extent]) -> set[int]:
    """ids of the items nothing else shares a height with: titles, centred lines, a
    title block's author line."""
    ordered = sorted(items, key=lambda i: i.y0)
    lone: set[int] = set()
    reach = float("-inf")  # the lowest bottom among the items above
    for index, item in enumerate(ordered):
        below = ordered[index + 1].y0 if index + 1 < len(ordered) else float("inf")
        if reach <= item.y0 and below >= item.y1:
            lone.add(id(item))
        reach = max(reach, item.y1)
    return lone


def prose_gutter(lines: Sequence[Line]) -> float | None:
    """The x between two columns of prose, when the page has them.

    A table in one column of a paper shares its rows' heights with the prose
    (or a list of references) in the other, and would take that text in as a
    column of its own; with the columns known, tables are looked for in each.
    """
    prose = [ln for ln in lines if _prose(ln)]
    found = _prose_gap(prose)
    text = [ln for ln in prose if not ln.mono]  # columns of code are no page of columns
    if found is None and text:  # a title block's lines over the columns may cross it
        lone = alone(lines)
        top = min((ln.y0 for ln in text if id(ln) not in lone), default=0.0)
        found = _prose_gap([ln for ln in text if id(ln) not in lone or ln.y0 > top])
    return found


def _prose_gap(prose: Sequence[Line]) -> float | None:
    if len(prose) < 2 * MIN_SIDE_PROSE_LINES:
        return None
    left, right = min(ln.x0 for ln in prose), max(ln.x1 for ln in prose)
    narrow = [ln for ln in prose if ln.width <= HALF_PAGE * (right - left)]
    for start, end in uncovered_gaps((ln.x0, ln.x1) for ln in narrow):
        sides = (sum(1 for ln in narrow if ln.x1 <= start),
                 sum(1 for ln in narrow if ln.x0 >= end))
        if min(sides) >= MIN_SIDE_PROSE_LINES:
            return (start + end) / 2
    return None


def _found(lines: Sequence[Line]) -> list[Table]:
    return [t for run in _table_runs(group_rows(lines)) if (t := _as_table(run))]


def find_tables(lines: Sequence[Line]) -> tuple[list[Table], list[Line]]:
    """Tables found among the lines, and the lines left outside them.

    On a page of two prose columns, a table with no prose in it may span both
    (a full-width table); other tables are looked for within each column.
    """
    tables = _found(lines)
    split = prose_gutter(lines)
    if split is not None:
        tables = [t for t in tables if not any(_prose(c) for c in t.lines)]
        taken = {id(cell) for table in tables for cell in table.lines}
        free = [ln for ln in lines if id(ln) not in taken]
        tables += _found([ln for ln in free if ln.x1 <= split])
        tables += _found([ln for ln in free if ln.x0 >= split])
    used = {id(cell) for table in tables for cell in table.lines}
    return tables, [line for line in lines if id(line) not in used]


def continue_table(prev: Table, nxt: Table) -> bool:
    """Join `nxt` (the first item of a page) onto `prev` (the last of the page before)
    when it is the same table; returns whether it was.

    Contents go on whatever their rows; other tables need the same column count and
    either a repeated header row (the rest of a row the page break cut may follow it
    in the same cells) or a first row with an empty key cell.
    """
    width = len(prev.rows[0])
    if not nxt.rows or any(len(row) != width for row in (*prev.rows, *nxt.rows)):
        return False
    if prev.contents and nxt.contents:
        prev.rows.extend(nxt.rows)
        return True
    head, first = prev.rows[0], nxt.rows[0]
    key = _key_column(head, width)
    if all(c == h or c.startswith(f"{h} ") for h, c in zip(head, first, strict=True)):
        spill = [c[len(h):].strip() for h, c in zip(head, first, strict=True)]
        rows = ([spill] if any(spill) else []) + nxt.rows[1:]
    elif not first[key]:
        rows = nxt.rows
    else:
        return False
    if rows and not rows[0][key] and prev.rows[-1][key]:
        prev.rows[-1] = _joined_rows(prev.rows[-1], rows[0])
        rows = rows[1:]
    prev.rows.extend(rows)
    return True
