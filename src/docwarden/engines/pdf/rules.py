"""Ruled tables: the page's straight lines, and the grids they draw around text.

A grid is a set of horizontal and vertical rules that touch one another (cell
borders stroked as rectangles, or as separate lines, or thin filled boxes);
with at least two rows and two columns it is a table, and every text line
whose centre falls inside a cell belongs to that cell, however many lines the
cell wraps to.  Text outside the grid (a caption above it) stays outside.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docwarden.engines.geometry import DisjointSets
from docwarden.engines.pdf.figures import Box, Region, figure_regions, holds
from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.objects import page_objects
from docwarden.engines.pdf.tables import Table
from docwarden.engines.pdf.wraps import join_lines

THIN_PT = 2.5  # a rule is at most this thick
MIN_RULE_PT = 6.0
MAX_PATHS = 4000  # vector figures: stop looking for rules past this many paths
SNAP_PT = 2.5  # rule ends this close count as touching, positions this close as one
MIN_FILLED_SHARE = 0.3  # of the cells: an empty grid is a drawing, not a table
MIN_MARK_PT, MAX_MARK_PT = 1.5, 8.0  # a drawn bullet's size
MARK_GAP_EM = 2.5  # ... and its distance to the text it marks
MIN_FRAME_SHARE = 0.75  # of the grid's width: how much its top and bottom rules must cover
OPEN_ROW_MAX = 1.5  # a cut row is at most this much taller than the table's tallest row
BACKDROP_SHARE = 0.8  # of the page's width and height: an unbordered box this big is its colour


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal (y0 == y1) or vertical (x0 == x1) segment, top-left page frame."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return self.y0 == self.y1


def _rectangle(obj: pdfium.PdfObject) -> bool:
    """A path of straight segments only, few enough to be a box or a line."""
    count = pdfium_c.FPDFPath_CountSegments(obj.raw)
    if not 2 <= count <= 6:
        return False
    for index in range(count):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj.raw, index)
        if pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            return False
    return True


def _edges(x0: float, y0: float, x1: float, y1: float) -> list[Rule]:
    """A thin box is one rule; a larger box gives its four sides."""
    width, height = x1 - x0, y1 - y0
    if height <= THIN_PT and width >= MIN_RULE_PT:
        mid = (y0 + y1) / 2
        return [Rule(x0, mid, x1, mid)]
    if width <= THIN_PT and height >= MIN_RULE_PT:
        mid = (x0 + x1) / 2
        return [Rule(mid, y0, mid, y1)]
    if width < MIN_RULE_PT or height < MIN_RULE_PT:
        return []
    return [Rule(x0, y0, x1, y0), Rule(x0, y1, x1, y1), Rule(x0, y0, x0, y1),
            Rule(x1, y0, x1, y1)]


@dataclass(slots=True)
class Graphics:
    """What a page draws besides text that the text needs: rules, and small marks
    (a browser draws list bullets as little discs, not as characters)."""

    rules: list[Rule] = field(default_factory=list)
    marks: list[Box] = field(default_factory=list)
    drawings: list[Box] = field(default_factory=list)  # curves and many-segment paths
    pictures: list[Box] = field(default_factory=list)
    figures: list[Region] = field(default_factory=list)

    def walls(self) -> list[tuple[float, float, float]]:
        """Vertical rules outside figures (inside one they are a drawing's lines)."""
        return [(r.x0, r.y0, r.y1) for r in self.rules if not r.horizontal and not any(
            holds(f.box, r.x0, (r.y0 + r.y1) / 2) for f in self.figures)]


def _mark_sized(box: Box) -> bool:
    width, height = box[2] - box[0], box[3] - box[1]
    return (MIN_MARK_PT <= width <= MAX_MARK_PT and MIN_MARK_PT <= height <= MAX_MARK_PT
            and max(width, height) <= 2 * min(width, height))


def _page_sized(obj: pdfium.PdfObject, box: Box, page_size: tuple[float, float]) -> bool:
    """A frame the page's width, or a filled box without a border over most of the
    page: the page's colour as a browser prints it inside its margins.  Neither is a
    table's frame (Sphinx's pages came out as one grid, joined to the small boxes
    behind inline code near their edges)."""
    width, height = box[2] - box[0], box[3] - box[1]
    if width > 0.98 * page_size[0] and height > MIN_RULE_PT:
        return True
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke))
    return (not stroke.value and width > BACKDROP_SHARE * page_size[0]
            and height > BACKDROP_SHARE * page_size[1])


def page_graphics(page: pdfium.PdfPage, bbox: tuple[float, float, float, float]) -> Graphics:
    """Rules, marks and drawings among the page's top-level path objects, and its
    pictures (caller holds the pdfium lock)."""
    left, _, right, top = bbox
    page_width = right - left
    found = Graphics()
    for seen, obj in enumerate(page_objects(page, [pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=1)):
        if seen >= MAX_PATHS:
            break
        x0, y0, x1, y1 = obj.get_bounds()
        box = (x0 - left, top - y1, x1 - left, top - y0)
        if _mark_sized(box):
            found.marks.append(box)
        elif not _rectangle(obj):
            found.drawings.append(box)
        elif not _page_sized(obj, box, (page_width, top - bbox[1])):
            found.rules += _edges(*box)
    for seen, obj in enumerate(page_objects(page, [pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3)):
        if seen >= MAX_PATHS:
            break
        x0, y0, x1, y1 = obj.get_bounds()
        found.pictures.append((x0 - left, top - y1, x1 - left, top - y0))
    found.figures = figure_regions(found.drawings, found.pictures,
                                   (page_width, top - bbox[1]))
    return found


def mark_bullets(lines: Sequence[Line], marks: Sequence[Box]) -> None:
    """Start each line drawn just after a mark with a bullet, in place."""
    for line in lines:
        em = max(line.size_pt, 1.0)
        for x0, y0, x1, y1 in marks:
            centre = (y0 + y1) / 2
            if (line.y0 <= centre <= line.y1 and y1 - y0 <= line.height
                    and (0 <= line.x0 - x1 <= MARK_GAP_EM * em
                         or 0 <= x0 - line.x1 <= MARK_GAP_EM * em)):
                line.text = f"• {line.text}"
                break


def _touch(h: Rule, v: Rule) -> bool:
    return (h.x0 - SNAP_PT <= v.x0 <= h.x1 + SNAP_PT
            and v.y0 - SNAP_PT <= h.y0 <= v.y1 + SNAP_PT)


def _grids(rules: Sequence[Rule]) -> list[list[Rule]]:
    """Connected sets of touching horizontal and vertical rules."""
    sets = DisjointSets(len(rules))
    verticals = sorted((r.x0, i) for i, r in enumerate(rules) if not r.horizontal)
    keys = [x for x, _ in verticals]
    for i, h in enumerate(rules):
        if not h.horizontal:
            continue
        start = bisect.bisect_left(keys, h.x0 - SNAP_PT)
        for _, j in verticals[start:bisect.bisect_right(keys, h.x1 + SNAP_PT)]:
            if _touch(h, rules[j]):
                sets.union(i, j)
    return [[rules[i] for i in group] for group in sets.groups()]


def _snap(values: Sequence[float]) -> list[float]:
    out: list[float] = []
    for value in sorted(values):
        if out and value - out[-1] <= SNAP_PT:
            continue
        out.append(value)
    return out


def _covered(grid: Sequence[Rule], y: float, x0: float, x1: float) -> float:
    """Share of x0..x1 that the grid's horizontal rules at height `y` cover."""
    spans = sorted((max(r.x0, x0), min(r.x1, x1)) for r in grid
                   if r.horizontal and abs(r.y0 - y) <= SNAP_PT)
    covered, reach = 0.0, x0
    for start, end in spans:
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    return covered / max(x1 - x0, 1e-9)


def _framed(grid: Sequence[Rule], xs: Sequence[float], ys: Sequence[float]) -> bool:
    """A table's first and last rules run across it; overlapping boxes (a sidebar
    laid over a text frame) touch too, but their outer rules span only one box."""
    return all(_covered(grid, y, xs[0], xs[-1]) >= MIN_FRAME_SHARE for y in (ys[0], ys[-1]))


def _open_end(grid: Sequence[Rule], xs: Sequence[float], ys: Sequence[float],
              lines: Sequence[Line]) -> list[float]:
    """`ys`, closed under a last row that a page or column break cut: no rule closes
    it, but both side rules run on past the last horizontal rule, and no text follows
    below them within two lines (WeasyPrint and LibreOffice draw a split row so).  Side
    rules running on into more rows (a table whose lower rows are ruled apart) are no
    break, nor is a table ruled only down its columns: its body would make one row
    taller than any row the rules close (OPEN_ROW_MAX)."""
    verticals = [r for r in grid if not r.horizontal]
    sides = [[r.y1 for r in verticals if abs(r.x0 - x) <= SNAP_PT] for x in (xs[0], xs[-1])]
    if not all(sides):
        return list(ys)
    bottom = min(max(side) for side in sides)
    tallest = max(b - a for a, b in itertools.pairwise(ys))
    if not ys[-1] + MIN_RULE_PT < bottom <= ys[-1] + OPEN_ROW_MAX * tallest or any(
            xs[0] <= (ln.x0 + ln.x1) / 2 <= xs[-1]
            and bottom - SNAP_PT <= ln.y0 <= bottom + 2 * ln.height for ln in lines):
        return list(ys)
    return [*ys, bottom]


def _grid_table(grid: Sequence[Rule], lines: Sequence[Line]) -> Table | None:
    ys = _snap([r.y0 for r in grid if r.horizontal])
    xs = _snap([r.x0 for r in grid if not r.horizontal])
    if (len(ys) < 3 and len(xs) < 3) or len(ys) < 2 or len(xs) < 2 or not _framed(grid, xs, ys):
        return None
    ys = _open_end(grid, xs, ys, lines)
    inside = [ln for ln in lines if xs[0] <= (ln.x0 + ln.x1) / 2 <= xs[-1]
              and ys[0] <= (ln.y0 + ln.y1) / 2 <= ys[-1]]
    if not inside:
        return None
    cells: dict[tuple[int, int], list[Line]] = {}
    for line in inside:
        row = sum(1 for y in ys[1:-1] if y < (line.y0 + line.y1) / 2)
        col = sum(1 for x in xs[1:-1] if x < (line.x0 + line.x1) / 2)
        cells.setdefault((row, col), []).append(line)
    rows = [[join_lines([ln.text for ln in sorted(cells.get((r, c), []),
                                                   key=lambda ln: (ln.y0, ln.x0))])
             for c in range(len(xs) - 1)] for r in range(len(ys) - 1)]
    rows = [row for row in rows if any(row)]
    columns = [c for c in range(len(xs) - 1) if any(row[c] for row in rows)]
    rows = [[row[c] for c in columns] for row in rows]
    filled = sum(1 for row in rows for text in row if text)
    if len(rows) < 2 or len(columns) < 2 or filled < MIN_FILLED_SHARE * len(rows) * len(
            columns):
        return None
    return Table(rows=rows, x0=xs[0], y0=ys[0], x1=xs[-1], y1=ys[-1],
                 size_pt=statistics.median(ln.size_pt for ln in inside), lines=inside)


def ruled_tables(lines: Sequence[Line], rules: Sequence[Rule]) -> tuple[list[Table], list[Line]]:
    """Tables drawn by rules, and the lines left outside them."""
    tables = [t for grid in _grids(rules) if (t := _grid_table(grid, lines)) is not None]
    used = {id(line) for table in tables for line in table.lines}
    return tables, [line for line in lines if id(line) not in used]
