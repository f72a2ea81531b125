"""Reading order of a page's lines and tables.

Reading order is a recursive gutter cut: a vertical band free of narrow lines,
with real text side by side on both sides, splits a region into columns;
lines that cross it (titles, wide figures' captions) separate the sections.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from docwarden.engines.geometry import uncovered_gaps
from docwarden.engines.pdf.contents import find_contents
from docwarden.engines.pdf.figures import Figure
from docwarden.engines.pdf.layout import SENTENCE_END, Line, runs_on
from docwarden.engines.pdf.listings import join_code_rows
from docwarden.engines.pdf.tables import (
    ROW_OVERLAP,
    Table,
    alone,
    find_tables,
    overlap,
    prose_gutter,
)

NARROW_FRACTION = 0.6  # lines narrower than this share of the region may form columns
MIN_GUTTER_EM = 0.9
SIDE_REACH = 0.25  # a line crossing a gutter reaches this far into the shorter side
MIN_SIDE_FRACTION = 0.15  # each column must hold a line at least this wide
MAX_DEPTH = 12
FLOAT_LEADING = 0.8  # of a line's height: a paragraph's next line is at most this far below
MIN_LINES_FOR_BRIDGE = 30  # narrow lines a page needs before one may bridge its gutter
# A title block over the columns may close their gutter: up to this many rows at the
# top, holding at most this share of the region's items, are read first (_head_over_columns).
MAX_HEAD_ROWS, MAX_HEAD_SHARE = 6, 0.25
PROSE_LINE_CHARS, MIN_HEAD_COLUMN_LINES = 30, 3  # ... when columns of prose follow

Item = Line | Table | Figure


def _rows(items: Sequence[Item]) -> list[list[Item]]:
    """Items grouped into rows, top to bottom, each row left to right."""
    rows: list[list[Item]] = []
    for item in sorted(items, key=lambda it: (it.y0 + it.y1) / 2):
        if rows:
            last = rows[-1][-1]
            limit = ROW_OVERLAP * min(item.y1 - item.y0, last.y1 - last.y0)
            if overlap(last.y0, last.y1, item.y0, item.y1) >= limit:
                rows[-1].append(item)
                continue
        rows.append([item])
    return [sorted(row, key=lambda it: it.x0) for row in rows]


def _rows_order(items: Sequence[Item]) -> list[Item]:
    """Top to bottom, left to right within a row: the order inside one column."""
    return [item for row in _rows(items) for item in row]


def _gutter(items: Sequence[Item], em: float) -> tuple[float, float] | None:
    """The widest vertical gap between columns of narrow items, if the page has columns.

    Lines standing alone on their height (a centred author line over two
    columns, a table a little wider than its column) may cross the gap; the
    caller decides which side they belong to, or that they break the columns.
    On a full page the widest narrow line may bridge the gap (an overfull table
    row run into the next column's heading): it is left out for a second look.
    """
    left, right = min(i.x0 for i in items), max(i.x1 for i in items)
    width = right - left
    lone = alone(items)
    narrow = [i for i in items
              if i.x1 - i.x0 <= NARROW_FRACTION * width and id(i) not in lone]
    if len(narrow) < 4:
        return None
    found = _widest_gap(narrow, em, width)
    if found is None and len(narrow) >= MIN_LINES_FOR_BRIDGE:
        widest = max(narrow, key=lambda i: i.x1 - i.x0)
        found = _widest_gap([i for i in narrow if i is not widest], em, width)
    return found


def _head_over_columns(items: Sequence[Item], em: float) -> list[Item]:
    """The rows over a page's columns that close its gutter, when there are a few: a
    title block whose names and affiliations sit in a row across the page (IEEE's
    three authors, the middle one over the gutter).  Empty when the page below them
    has no columns either."""
    width = max(i.x1 for i in items) - min(i.x0 for i in items)
    narrow = sum(i.x1 - i.x0 <= NARROW_FRACTION * width for i in items)
    if narrow < 2 * MIN_HEAD_COLUMN_LINES:  # one column of full lines: no columns below
        return []
    head: list[Item] = []
    for row in _rows(items)[:MAX_HEAD_ROWS]:
        head += row
        if len(head) > MAX_HEAD_SHARE * len(items):
            break
        rest = [i for i in items if (i.y0 + i.y1) / 2 > max(h.y1 for h in head)]
        gutter = _gutter(rest, em)
        if gutter is not None and _prose_columns(rest, gutter):
            return head
    return []


def _prose_columns(items: Sequence[Item], gutter: tuple[float, float]) -> bool:
    """Both sides of the gutter are columns of prose: each holds a few lines of
    PROSE_LINE_CHARS or more (a table's column of names, a font sheet's labels: none)."""
    return all(
        sum(isinstance(i, Line) and len(i.text) >= PROSE_LINE_CHARS for i in side)
        >= MIN_HEAD_COLUMN_LINES
        for side in ([i for i in items if i.x1 <= gutter[0]],
                     [i for i in items if i.x0 >= gutter[1]]))


def _widest_gap(narrow: Sequence[Item], em: float, width: float
                ) -> tuple[float, float] | None:
    best: tuple[float, float] | None = None
    for gap in uncovered_gaps((i.x0, i.x1) for i in narrow):
        if gap[1] - gap[0] >= MIN_GUTTER_EM * em and _is_columns(narrow, gap, width) and (
                best is None or gap[1] - gap[0] > best[1] - best[0]):
            best = gap
    return best


def _weight(item: Item) -> int:
    """How many rows of text an item stands for (a table in a column is a column)."""
    if isinstance(item, Table):
        return len(item.rows)
    return len(item.lines) if isinstance(item, Figure) else 1


def _is_columns(narrow: Sequence[Item], gap: tuple[float, float], width: float) -> bool:
    """Both sides hold real text, and some of it sits side by side."""
    lefts = [i for i in narrow if i.x1 <= gap[0]]
    rights = [i for i in narrow if i.x0 >= gap[1]]
    if sum(map(_weight, lefts)) < 2 or sum(map(_weight, rights)) < 2:
        return False
    if max(i.x1 - i.x0 for i in lefts) < MIN_SIDE_FRACTION * width:
        return False
    if max(i.x1 - i.x0 for i in rights) < MIN_SIDE_FRACTION * width:
        return False

    def beside(side: Sequence[Item], other: Sequence[Item]) -> int:
        return sum(1 for a in side if any(overlap(a.y0, a.y1, b.y0, b.y1) > 0 for b in other))

    return max(beside(rights, lefts), beside(lefts, rights)) >= 2


def _crosses(item: Item, gutter: tuple[float, float], bounds: tuple[float, float]) -> bool:
    """Spans the gutter: reaches well into both columns (a full-width line) or sits
    about centred over it (a slide's title over two narrow columns).

    A line or table reaching only a little past the gutter (a table wider than
    its column) belongs to the column that holds most of it.
    """
    into_left, into_right = gutter[0] - item.x0, item.x1 - gutter[1]
    if min(into_left, into_right) <= 0:
        return False
    centred = min(into_left, into_right) > SIDE_REACH * max(into_left, into_right)
    return centred or (into_left > SIDE_REACH * (gutter[0] - bounds[0])
                       and into_right > SIDE_REACH * (bounds[1] - gutter[1]))


def reading_order(items: Sequence[Item], depth: int = 0) -> list[Item]:
    """Items in reading order, columns read one after the other."""
    if len(items) < 4 or depth > MAX_DEPTH:
        return _rows_order(items)
    em = statistics.median(i.size_pt for i in items) or 10.0
    gutter = _gutter(items, em)
    if gutter is None:
        head = _head_over_columns(items, em)
        if head:
            taken = {id(h) for h in head}
            rest = [i for i in items if id(i) not in taken]
            return _rows_order(head) + reading_order(rest, depth + 1)
        return _rows_order(items)
    bounds = (min(i.x0 for i in items), max(i.x1 for i in items))
    spanning = [_crosses(i, gutter, bounds) for i in items]
    crossing = sorted((i for i, s in zip(items, spanning, strict=True) if s), key=lambda i: i.y0)
    rest = [i for i, s in zip(items, spanning, strict=True) if not s]
    middle = (gutter[0] + gutter[1]) / 2
    ordered: list[Item] = []
    waiting: list[Item] = []  # a float the paragraph around it has not finished yet
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
        if waiting and (section or cut is None or not _next_line(ordered[-1], cut)):
            ordered += waiting  # the paragraph that wrapped around the float has ended
            waiting = []
        ordered += reading_order(lefts, depth + 1)
        later = reading_order(rights, depth + 1) + tail
        if later and cut is not None and _wraps_around(ordered, cut):
            waiting = later
        else:
            ordered += later
        if cut is not None:
            ordered.append(cut)
    return ordered + waiting


def _next_line(prev: Item, line: Item) -> bool:
    """`line` goes on the paragraph `prev` ends: at the usual leading, not indented."""
    return (isinstance(prev, Line) and isinstance(line, Line)
            and line.y0 - prev.y1 < FLOAT_LEADING * prev.height
            and line.x0 <= prev.x0 + prev.size_pt and not prev.text.endswith(SENTENCE_END))


def _wraps_around(ordered: Sequence[Item], cut: Item) -> bool:
    """A paragraph set beside a float (a sidebar, a picture) runs on under it: its
    sentence goes on in the full-width line below, so the float waits for its end."""
    last = ordered[-1] if ordered else None
    return (isinstance(last, Line) and isinstance(cut, Line)
            and abs(last.size_pt - cut.size_pt) < 0.5 and runs_on(last.text, cut.text)
            and cut.y0 - last.y1 < FLOAT_LEADING * last.height)


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


def layout_page(lines: Sequence[Line], ruled: Sequence[Table] = (),
                figures: Sequence[Figure] = ()) -> list[Item]:
    """A page's lines, tables and figures in reading order (`ruled`: tables found by
    rules; `figures`: drawings with their labels, figures.py)."""
    contents, rest = find_contents(join_code_rows(lines, prose_gutter(lines)))
    tables, rest = find_tables(rest)
    return reading_order([*rest, *contents, *tables, *ruled, *figures])
