"""Simple tables and reading order of a page's lines.

Tables are found first (runs of rows whose short cells fall into the same
column bands) so the column search below does not read them column by column.
Reading order is a recursive gutter cut: a vertical band free of narrow lines,
with real text side by side on both sides, splits a region into columns;
lines that cross it (titles, wide figures' captions) separate the sections.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from docwarden.engines.pdf.layout import Line

ROW_OVERLAP = 0.5  # lines sharing this much of the smaller height are on one row
TABLE_ROW_GAP_EM = 1.6  # rows further apart than this end a table
TABLE_MAX_MEAN_CELL_CHARS = 40  # longer cells look like prose columns, not a table
NARROW_FRACTION = 0.6  # lines narrower than this share of the region may form columns
MIN_GUTTER_EM = 0.9
SIDE_REACH = 0.25  # a line crossing a gutter reaches this far into the shorter side
MIN_SIDE_FRACTION = 0.15  # each column must hold a line at least this wide
MAX_DEPTH = 12
PROSE_FULL_SHARE = 0.6  # of a band's cells filling its width: wrapped prose, not cells
PROSE_FULL_WIDTH = 0.8
PROSE_MIN_CHARS = 25


@dataclass(slots=True)
class Table:
    """A grid of cell texts with the box it covers."""

    rows: list[list[str]]
    x0: float
    y0: float
    x1: float
    y1: float
    size_pt: float = 0.0
    lines: list[Line] = field(default_factory=list)


Item = Line | Table


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def group_rows(lines: Sequence[Line]) -> list[list[Line]]:
    """Lines grouped into visual rows, top to bottom, each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.y0 + ln.y1) / 2):
        if rows:
            row = rows[-1]
            top, bottom = min(r.y0 for r in row), max(r.y1 for r in row)
            limit = ROW_OVERLAP * min(line.height, *(r.height for r in row))
            if _overlap(top, bottom, line.y0, line.y1) >= limit:
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
        key=lambda i: (-_overlap(cell.x0, cell.x1, *bands[i]), abs(centre - sum(bands[i]) / 2)),
    )


def _prose_band(cells: Sequence[Line], band: tuple[float, float]) -> bool:
    """Cells that mostly fill their band's width with long text: a column of wrapped prose."""
    if len(cells) < 3 or statistics.fmean(len(c.text) for c in cells) < PROSE_MIN_CHARS:
        return False
    full = sum(1 for c in cells if c.width >= PROSE_FULL_WIDTH * (band[1] - band[0]))
    return full >= PROSE_FULL_SHARE * len(cells)


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
    grid: list[list[str]] = []
    by_band: list[list[Line]] = [[] for _ in bands]
    for row in rows:
        texts = [""] * len(bands)
        for cell in row:
            col = _column_of(cell, bands)
            texts[col] = f"{texts[col]} {cell.text}".strip()
            by_band[col].append(cell)
        grid.append(texts)
    if any(_prose_band(cells, band) for cells, band in zip(by_band, bands, strict=True)):
        return None
    if sum(1 for r in grid for t in r if t) < 0.5 * len(grid) * len(bands):
        return None
    return Table(
        rows=grid, x0=min(c.x0 for c in cells), y0=min(c.y0 for c in cells),
        x1=max(c.x1 for c in cells), y1=max(c.y1 for c in cells),
        size_pt=statistics.median(c.size_pt for c in cells), lines=cells,
    )


def _table_runs(rows: list[list[Line]]) -> list[list[list[Line]]]:
    runs: list[list[list[Line]]] = []
    run: list[list[Line]] = []
    for row in rows:
        em = max(*(c.size_pt for c in row), 1.0)
        close = bool(run) and min(c.y0 for c in row) - max(c.y1 for c in run[-1]) <= (
            TABLE_ROW_GAP_EM * em
        )
        if len(row) >= 2 and (close or not run):
            run.append(row)
            continue
        if len(run) >= 2:
            runs.append(run)
        run = [row] if len(row) >= 2 else []
    if len(run) >= 2:
        runs.append(run)
    return runs


def find_tables(lines: Sequence[Line]) -> tuple[list[Table], list[Line]]:
    """Tables found among the lines, and the lines left outside them."""
    tables = [t for run in _table_runs(group_rows(lines)) if (t := _as_table(run))]
    used = {id(cell) for table in tables for cell in table.lines}
    return tables, [line for line in lines if id(line) not in used]


def _rows_order(items: Sequence[Item]) -> list[Item]:
    """Top to bottom, left to right within a row: the order inside one column."""
    ordered: list[Item] = []
    rows: list[list[Item]] = []
    for item in sorted(items, key=lambda it: (it.y0 + it.y1) / 2):
        if rows:
            last = rows[-1][-1]
            limit = ROW_OVERLAP * min(item.y1 - item.y0, last.y1 - last.y0)
            if _overlap(last.y0, last.y1, item.y0, item.y1) >= limit:
                rows[-1].append(item)
                continue
        rows.append([item])
    for row in rows:
        ordered.extend(sorted(row, key=lambda it: it.x0))
    return ordered


def _alone(items: Sequence[Item]) -> set[int]:
    """ids of the items nothing else shares a height with: titles, centred lines."""
    ordered = sorted(items, key=lambda i: i.y0)
    lone: set[int] = set()
    reach = float("-inf")  # the lowest bottom among the items above
    for index, item in enumerate(ordered):
        below = ordered[index + 1].y0 if index + 1 < len(ordered) else float("inf")
        if reach <= item.y0 and below >= item.y1:
            lone.add(id(item))
        reach = max(reach, item.y1)
    return lone


def _gutter(items: Sequence[Item], em: float) -> tuple[float, float] | None:
    """The widest vertical gap between columns of narrow items, if the page has columns.

    Lines standing alone on their height (a centred author line over two
    columns, a table a little wider than its column) may cross the gap; the
    caller decides which side they belong to, or that they break the columns.
    """
    left, right = min(i.x0 for i in items), max(i.x1 for i in items)
    width = right - left
    lone = _alone(items)
    narrow = [i for i in items
              if i.x1 - i.x0 <= NARROW_FRACTION * width and id(i) not in lone]
    if len(narrow) < 4:
        return None
    best: tuple[float, float] | None = None
    depth, start = 0, None
    # Sweep the narrow items' edges; ends sort before starts at the same x.
    for x, step in sorted([(i.x0, 1) for i in narrow] + [(i.x1, -1) for i in narrow]):
        before, depth = depth, depth + step
        if before and not depth:
            start = x
        elif depth and not before and start is not None:
            gap, start = (start, x), None
            if gap[1] - gap[0] >= MIN_GUTTER_EM * em and _is_columns(narrow, gap, width) and (
                    best is None or gap[1] - gap[0] > best[1] - best[0]):
                best = gap
    return best


def _is_columns(narrow: Sequence[Item], gap: tuple[float, float], width: float) -> bool:
    """Both sides hold real text, and some of it sits side by side."""
    lefts = [i for i in narrow if i.x1 <= gap[0]]
    rights = [i for i in narrow if i.x0 >= gap[1]]
    if len(lefts) < 2 or len(rights) < 2:
        return False
    if max(i.x1 - i.x0 for i in lefts) < MIN_SIDE_FRACTION * width:
        return False
    if max(i.x1 - i.x0 for i in rights) < MIN_SIDE_FRACTION * width:
        return False
    beside = sum(1 for r in rights if any(_overlap(r.y0, r.y1, lf.y0, lf.y1) > 0 for lf in lefts))
    return beside >= 2


def _crosses(item: Item, gutter: tuple[float, float]) -> bool:
    """Spans the gutter well into both sides (a title over both columns).

    A line or table reaching only a little past the gutter (a table wider than
    its column) belongs to the side that holds most of it.
    """
    into_left, into_right = gutter[0] - item.x0, item.x1 - gutter[1]
    return min(into_left, into_right) > SIDE_REACH * max(into_left, into_right)


def reading_order(items: Sequence[Item], depth: int = 0) -> list[Item]:
    """Items in reading order, columns read one after the other."""
    if len(items) < 4 or depth > MAX_DEPTH:
        return _rows_order(items)
    em = statistics.median(i.size_pt for i in items) or 10.0
    gutter = _gutter(items, em)
    if gutter is None:
        return _rows_order(items)
    crossing = sorted((i for i in items if _crosses(i, gutter)), key=lambda i: i.y0)
    rest = [i for i in items if not _crosses(i, gutter)]
    middle = (gutter[0] + gutter[1]) / 2
    ordered: list[Item] = []
    for cut in [*crossing, None]:
        limit = cut.y0 if cut is not None else float("inf")
        section = [i for i in rest if (i.y0 + i.y1) / 2 < limit]
        rest = [i for i in rest if (i.y0 + i.y1) / 2 >= limit]
        lefts = [i for i in section if (i.x0 + i.x1) / 2 <= middle]
        rights = [i for i in section if (i.x0 + i.x1) / 2 > middle]
        tail: list[Item] = []
        if cut is not None:  # what follows the columns and leads into the spanning item
            lefts, left_tail = _split_tail(lefts, rights)
            rights, right_tail = _split_tail(rights, lefts)
            tail = _rows_order(left_tail + right_tail)
        ordered += reading_order(lefts, depth + 1) + reading_order(rights, depth + 1) + tail
        if cut is not None:
            ordered.append(cut)
    return ordered


def _split_tail(side: list[Item], other: list[Item]) -> tuple[list[Item], list[Item]]:
    """A side's items that come after both columns end (a heading over a wide table).

    Columns end together (balanced, or one a line short); a line set apart by a
    gap of its own height below the other column's end, with only lines under it
    down to the spanning item that follows, starts the full-width part.
    """
    if not other:
        return side, []
    bottom = max(i.y1 for i in other)
    ordered = sorted(side, key=lambda i: i.y0)
    for index, item in enumerate(ordered):
        above = ordered[index - 1].y1 if index else bottom
        height = item.y1 - item.y0
        if item.y0 >= bottom + 0.5 * height and item.y0 - max(above, bottom) >= height:
            return ordered[:index], ordered[index:]
    return side, []


def layout_page(lines: Sequence[Line], ruled: Sequence[Table] = ()) -> list[Item]:
    """A page's lines as tables and lines in reading order (`ruled`: tables found by rules)."""
    tables, rest = find_tables(lines)
    return reading_order([*rest, *tables, *ruled])
