"""Figures: drawings and pictures, and the labels printed over them.

Text inside a diagram (callouts, axis labels, boxes of a flow chart) is no
body text: read line by line it becomes stray paragraphs between the body's
sentences and, being short, large or bold, headings.  A figure is found from
the page's graphics: a cluster of drawn paths that holds curves or many
segments, or a picture.  Lines whose centre falls inside one, when they are
mostly short labels, are kept together as the figure's text, read in rows,
where the figure stands; a framed box of prose (a sidebar) is no figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from docwarden.engines.geometry import DisjointSets
from docwarden.engines.pdf.layout import Area, Line, body_pt
from docwarden.engines.pdf.tables import group_rows

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the top-left page frame
MERGE_PT = 6.0  # drawings this close belong to one figure
MIN_FIGURE_PT = 36.0  # a figure is at least this wide and high
MAX_PAGE_SHARE = 0.85  # ... and smaller than this share of the page (not a page frame)
MIN_DRAWINGS = 3  # complex paths a cluster needs to be a figure (a picture is one)
LABEL_MAX_CHARS = 40
MIN_LABEL_SHARE = 0.7  # of the lines inside: short labels, not a box of prose
MAX_INKED = 0.25  # labels cover at most this share of their figure
SMALLER = 0.95  # labels over a picture are set smaller than the page's text


@dataclass(slots=True)
class Figure(Area):
    """A drawing or picture with the text printed over it."""

    @property
    def text(self) -> str:
        return " · ".join(line.text for line in self.lines)


def _near(a: Box, b: Box) -> bool:
    return (a[0] - MERGE_PT <= b[2] and b[0] - MERGE_PT <= a[2]
            and a[1] - MERGE_PT <= b[3] and b[1] - MERGE_PT <= a[3])


def _clusters(boxes: Sequence[Box]) -> list[list[int]]:
    """Indices of boxes grouped by touching (within MERGE_PT), transitively."""
    sets = DisjointSets(len(boxes))
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    for pos, i in enumerate(order):
        for j in order[pos + 1:]:
            if boxes[j][0] - MERGE_PT > boxes[i][2]:
                break
            if _near(boxes[i], boxes[j]):
                sets.union(i, j)
    return sets.groups()


@dataclass(frozen=True, slots=True)
class Region:
    """A figure's box, and whether it is drawn (vector paths) or only pictures."""

    box: Box
    drawn: bool


def holds(box: Box, x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _centre_in(inner: Box, outer: Box) -> bool:
    return holds(outer, (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2)


def _framed_groups(boxes: Sequence[Box], drawings: int
                   ) -> list[tuple[list[int], Box | None]]:
    """A drawing around other graphics (a figure's frame) makes a group of its own,
    however close the figure beside it, and bounds it (a picture clipped by the
    frame may reach past it); the graphics outside frames are clustered."""
    frames = [i for i in range(drawings)
              if sum(1 for j, b in enumerate(boxes) if j != i and _centre_in(b, boxes[i])) >= 2]
    outer = [i for i in frames if not any(j != i and _centre_in(boxes[i], boxes[j])
                                          and boxes[j] != boxes[i] for j in frames)]
    groups: list[tuple[list[int], Box | None]] = []
    claimed: set[int] = set()
    for i in outer:
        group = [j for j, b in enumerate(boxes) if j not in claimed and _centre_in(b, boxes[i])]
        claimed.update(group)
        groups.append((group, boxes[i]))
    loose = [j for j in range(len(boxes)) if j not in claimed]
    groups += [([loose[k] for k in group], None)
               for group in _clusters([boxes[j] for j in loose])]
    return groups


def figure_regions(drawings: Sequence[Box], pictures: Sequence[Box],
                   page: tuple[float, float]) -> list[Region]:
    """The page's figures: frames around graphics, clusters of drawings (curves,
    many-segment paths) and pictures, not too small and not the whole page."""
    boxes = [*drawings, *pictures]
    regions: list[Region] = []
    for group, frame in _framed_groups(boxes, len(drawings)):
        drawn = sum(1 for i in group if i < len(drawings)) >= MIN_DRAWINGS
        if not drawn and all(i < len(drawings) for i in group):
            continue
        box = frame or (min(boxes[i][0] for i in group), min(boxes[i][1] for i in group),
                        max(boxes[i][2] for i in group), max(boxes[i][3] for i in group))
        width, height = box[2] - box[0], box[3] - box[1]
        if min(width, height) >= MIN_FIGURE_PT and (
                width * height <= MAX_PAGE_SHARE * page[0] * page[1]):
            regions.append(Region(box, drawn))
    return regions


def _inside(line: Line, box: Box) -> bool:
    return holds(box, line.cx, line.cy)


def _labels(inside: Sequence[Line], region: Region, page_body_pt: float) -> bool:
    """Lines that read as a figure's labels: mostly short, sparse over its area, and
    over a picture alone set smaller than the page's text (a cover's title, or prose
    laid over a background picture, is set at least as large)."""
    short = [ln for ln in inside if len(ln.text) <= LABEL_MAX_CHARS and not ln.mono]
    box = region.box
    inked = sum(ln.width * ln.height for ln in inside)
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1.0)
    small = statistics.median(ln.size_pt for ln in inside) < SMALLER * page_body_pt
    return (len(short) >= MIN_LABEL_SHARE * len(inside) and inked <= MAX_INKED * area
            and (region.drawn or small))


def _flows_out(inside: Sequence[Line], outside: Sequence[Line]) -> bool:
    """A block of text runs on across the figure's edge (a cover's text beside its
    picture): a line inside has its next or previous line outside."""
    return any(
        min(a.x1, b.x1) > max(a.x0, b.x0)
        and -0.2 * a.height < max(b.y0 - a.y1, a.y0 - b.y1) < 0.6 * a.height
        and abs(a.size_pt - b.size_pt) < 0.5
        for a in inside for b in outside)


def take_figures(lines: Sequence[Line], regions: Sequence[Region]
                 ) -> tuple[list[Figure], list[Line]]:
    """Figures holding the label lines inside them, and the lines left outside."""
    figures: list[Figure] = []
    taken: set[int] = set()
    body = body_pt(lines)
    for region in regions:
        within = {id(ln) for ln in lines if _inside(ln, region.box)}
        inside = [ln for ln in lines if id(ln) in within and id(ln) not in taken]
        if not inside or not _labels(inside, region, body) or _flows_out(
                inside, [ln for ln in lines if id(ln) not in within]):
            for line in inside:
                line.in_drawing = region.drawn
            continue
        rows = [line for row in group_rows(inside) for line in row]
        x0, y0, x1, y1 = region.box
        figures.append(Figure(x0, y0, x1, y1, size_pt=min(ln.size_pt for ln in inside),
                              lines=rows))
        taken.update(id(ln) for ln in inside)
    return figures, [ln for ln in lines if id(ln) not in taken]
