"""Where the ink is on a rendered page, and which way its text lines run.

Both come from one cheap numpy pass over a 4x reduced copy of the bitmap,
made before any OCR, because OCR time grows with what it is shown:

- the ink box: the detector is bounded to a fixed side, so a page holding a
  few lines is read at a fraction of the cost (and at a better detector
  scale) once its blank paper is cut away;
- the columns: a blank strip down the middle of the text, over much of its
  height, is a gutter; the text above, each column and the text below are
  shown to the OCR apart (its detector joins lines across a gutter of one em
  at its input scale, and a page read that way comes out interleaved);
- the text axis: lines of text make the ink's row profile alternate between
  full and empty, while the column profile stays flat (word gaps do not line
  up); a quarter-turned page shows the opposite.  A page whose /Rotate does
  not match its scan is then read the right way first instead of after a
  wasted full OCR pass;
- the glyph height: the detector needs glyphs only so tall, so a page of large
  print is detected on a smaller copy (OcrEngine.recognize's `glyph_px`).

Reduction averages 4x4 pixels: isolated scanner specks fade below the ink
threshold, strokes of text at OCR resolutions do not.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

REDUCE = 4
INK_DROP = 40  # a reduced cell this much darker than the paper holds ink
MARGIN_PX = 24  # blank kept around the ink box (the detector misses text at an edge)
AXIS_RATIO = 1.4  # one profile this much more uneven than the other decides the axis
GUTTER_MIN_SHARE = 0.4  # of the text's height a gutter runs down, blank
GUTTER_MIN_PT = 6.0  # and its width (word spaces are about 3 pt)
GUTTER_MIN_GLYPHS = 1.0  # ... and at least a small glyph's height (spaces of large print)
SIDE_MIN_SHARE = 0.3  # of the gutter's rows inked on each side of it
BLANK_ROW_SEARCH = 10  # reduced rows searched for a blank one where the gutter starts or ends
CUT_MAX_INK = 0.04  # ... or for one this nearly blank (a few glyphs' descenders)

GLYPH_INK_DROP = 60  # full resolution: a pixel this much darker than the paper is a glyph's
EDGE_GAP_PER_HEIGHT = 0.5  # of a line box's height: wider than a word space (a fifth)
EDGE_PAD_PER_HEIGHT = 0.35  # ... and the detector's padding on each side (about 0.31)
# A bullet: one solid dot left of a line's first glyph, within this many of the line
# box's heights, and nothing else there (another column's text is no bullet).
DOT_SEARCH_PER_HEIGHT = 2.5
DOT_HEIGHT_SHARE = (0.2, 0.6)  # of the line's glyph height (a full stop is ~0.12)
DOT_ASPECT = (0.6, 1.6)  # width over height: round or square, no dash
DOT_MIN_FILL = 0.55  # of its box inked: solid (a disc fills 0.79)
DOT_CENTRE_SHARE = (0.3, 0.7)  # down the line's glyph height: at the letters' middle
DOT_MIN_GAP_SHARE = 0.25  # of the glyph height between the dot and the text
DOT_CLEAR_SHARE = 0.5  # of the glyph height blank left of it (no letter cut by the window)
DOT_SERIF_PER_HEIGHT = 0.1  # of the box height left of the first glyph's middle: its serif
GLYPH_MIN_CELLS = 2  # shorter blobs are specks and punctuation
GLYPH_MIN_COUNT = 20  # fewer blobs tell nothing about the page's print
GLYPH_PERCENTILE = 10  # the small print decides: a slide's footnote must stay legible

Box = tuple[int, int, int, int]
Mask = npt.NDArray[np.bool_]


def ink_mask(image: Image.Image) -> Mask:
    """Cells of the reduced page darker than its paper (the median cell); what the
    functions below measure, made once by a caller that asks several of them."""
    small = np.asarray(image.convert("L").reduce(REDUCE), dtype=np.int16)
    if small.size == 0:
        return np.zeros((0, 0), dtype=np.bool_)
    return small < int(np.median(small)) - INK_DROP


def _extent(mask: Mask) -> Box | None:
    """Reduced-cell box (x0, y0, x1, y1) around the ink, None on a blank page."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def blank(image: Image.Image) -> bool:
    """No ink anywhere (an empty verso drawn as a white box, a blank scan)."""
    return _extent(ink_mask(image)) is None


def _box(extent: Box, image: Image.Image) -> Box | None:
    """Pixel box around the ink plus a margin; None when nothing is worth cutting."""
    x0, y0, x1, y1 = extent
    box = (max(x0 * REDUCE - MARGIN_PX, 0), max(y0 * REDUCE - MARGIN_PX, 0),
           min(x1 * REDUCE + MARGIN_PX, image.width), min(y1 * REDUCE + MARGIN_PX, image.height))
    if (box[2] - box[0]) * (box[3] - box[1]) >= 0.9 * image.width * image.height:
        return None
    return box


def glyph_height_px(image: Image.Image, mask: Mask | None = None) -> float | None:
    """Height of the page's smaller glyphs (word blobs of ink, 10th percentile), in
    pixels to within REDUCE; None with too little text to tell."""
    cells = (ink_mask(image) if mask is None else mask).astype(np.uint8)
    if cells.size == 0:
        return None
    _, _, stats, _ = cv2.connectedComponentsWithStats(cells, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    heights = heights[heights >= GLYPH_MIN_CELLS]
    if heights.size < GLYPH_MIN_COUNT:
        return None
    return float(np.percentile(heights, GLYPH_PERCENTILE)) * REDUCE


def paper_grey(gray: npt.NDArray[np.uint8]) -> float:
    """The paper's grey level of a full-resolution page: the median of every REDUCE-th
    pixel each way, the level the full-resolution measures count ink from."""
    return float(np.median(gray[::REDUCE, ::REDUCE]))


def glyph_ink(gray: npt.NDArray[np.uint8]) -> Mask:
    """Full-resolution ink of an upright grey page (for ink_edges): the reduced mask
    blurs a glyph's edge by up to REDUCE pixels."""
    if gray.size == 0:
        return np.zeros(gray.shape, dtype=np.bool_)
    return np.asarray(gray < int(paper_grey(gray)) - GLYPH_INK_DROP)


def ink_edges(ink: Mask, box: tuple[float, float, float, float], *,
              own_left: bool = False, own_right: bool = False) -> tuple[int, int] | None:
    """Left and right pixel edges of the glyphs inside an OCR line's padded box.

    The detector pads a box by about a third of its height on each side, at
    times over a neighbouring column's first glyph: ink apart from the line's
    own by more than EDGE_GAP_PER_HEIGHT and within that padding is not the
    line's, unless the text read there starts (`own_left`: a bullet or "1.")
    or ends (`own_right`) with a token of its own.  None when the box holds no
    ink (keep the box then).
    """
    x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
    x1, y1 = min(int(box[2]) + 1, ink.shape[1]), min(int(box[3]) + 1, ink.shape[0])
    height = y1 - y0
    cols = np.flatnonzero(ink[y0 + height // 4:y1 - height // 4, x0:x1].any(axis=0))
    if cols.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(cols) > EDGE_GAP_PER_HEIGHT * height)
    starts = np.concatenate(([cols[0]], cols[breaks + 1]))
    ends = np.concatenate((cols[breaks], [cols[-1]]))
    runs = list(zip(starts.tolist(), ends.tolist(), strict=True))
    pad = EDGE_PAD_PER_HEIGHT * height
    if len(runs) > 1 and runs[0][1] < pad and not own_left:  # ends inside the padding
        runs = runs[1:]
    if len(runs) > 1 and runs[-1][0] > (x1 - x0) - pad and not own_right:
        runs = runs[:-1]
    return x0 + runs[0][0], x0 + runs[-1][1] + 1


def lead_dot(ink: Mask, box: tuple[float, float, float, float], left: int) -> int | None:
    """The left pixel edge of a bullet set before an OCR line whose glyphs start at
    `left` (the detector leaves a lone dot out of the line, and the list with it), or
    None.  `box` is the line's padded box in pixels."""
    y0, y1 = max(int(box[1]), 0), min(int(box[3]) + 1, ink.shape[0])
    height = y1 - y0
    low = max(left - int(DOT_SEARCH_PER_HEIGHT * height), 0)
    # `left` is measured on the glyphs' middle rows: a serif reaches a little further.
    near = left - max(int(DOT_SERIF_PER_HEIGHT * height), 1)
    if height <= 0 or near <= low:
        return None
    band = ink[y0:y1, low:near]
    cols = np.flatnonzero(band.any(axis=0))
    if cols.size == 0 or (np.diff(cols) > 1).any():  # nothing, or more than one mark
        return None
    rows = np.flatnonzero(ink[y0:y1, left:left + 4 * height].any(axis=1))
    dot_rows = np.flatnonzero(band[:, cols[0]:cols[-1] + 1].any(axis=1))
    if rows.size == 0 or dot_rows.size == 0:
        return None
    glyph_h = float(rows[-1] - rows[0] + 1)
    dot_h, dot_w = float(dot_rows[-1] - dot_rows[0] + 1), float(cols[-1] - cols[0] + 1)
    centre = ((dot_rows[0] + dot_rows[-1]) / 2 - rows[0]) / glyph_h
    fill = float(band[dot_rows[0]:dot_rows[-1] + 1, cols[0]:cols[-1] + 1].mean())
    is_dot = (DOT_HEIGHT_SHARE[0] <= dot_h / glyph_h <= DOT_HEIGHT_SHARE[1]
              and DOT_ASPECT[0] <= dot_w / dot_h <= DOT_ASPECT[1] and fill >= DOT_MIN_FILL
              and DOT_CENTRE_SHARE[0] <= centre <= DOT_CENTRE_SHARE[1]
              and (left - low) - cols[-1] >= DOT_MIN_GAP_SHARE * glyph_h
              and cols[0] >= DOT_CLEAR_SHARE * glyph_h)
    return low + int(cols[0]) if is_dot else None


def _unevenness(profile: npt.NDArray[np.float64]) -> float:
    mean = float(profile.mean()) if profile.size else 0.0
    return float(profile.std()) / mean if mean > 0 else 0.0


def text_axis(image: Image.Image) -> int | None:
    """0 when the text lines run across the image as shown, 1 when up or down, None unsure."""
    mask = ink_mask(image)
    extent = _extent(mask)
    if extent is None:
        return None
    x0, y0, x1, y1 = extent
    inked = mask[y0:y1, x0:x1].astype(np.float64)
    rows, cols = _unevenness(inked.mean(axis=1)), _unevenness(inked.mean(axis=0))
    if rows >= AXIS_RATIO * cols and rows > 0:
        return 0
    if cols >= AXIS_RATIO * rows and cols > 0:
        return 1
    return None


def text_regions(image: Image.Image, px_per_pt: float, glyph_px: float | None = None,
                 mask: Mask | None = None) -> list[Box]:
    """Pixel boxes to read apart: the ink box, or the text above a gutter, the two
    columns beside it and the text below it (empty parts left out), cut along
    blank rows and the gutter so that no line is cut.  A gutter is wider than the
    page's small glyphs (`glyph_px`): word spaces of large print lining up down a
    slide are none."""
    mask = ink_mask(image) if mask is None else mask
    extent = _extent(mask)
    if extent is None:
        return []
    whole = _box(extent, image) or (0, 0, image.width, image.height)
    min_px = max(GUTTER_MIN_PT * px_per_pt, GUTTER_MIN_GLYPHS * (glyph_px or 0.0))
    gutter = _gutter(mask, extent, max(round(min_px / REDUCE), 2))
    cuts = None if gutter is None else _blank_rows(mask, extent, gutter)
    if gutter is None or cuts is None or not _text_beside(mask, extent, gutter):
        return [whole]
    x0, y0, x1, y1 = extent
    top, bottom = cuts
    cells = [(x0, y0, x1, top), (x0, top, gutter[0], bottom), (gutter[2], top, x1, bottom),
             (x0, bottom, x1, y1)]
    return [_padded(cell, extent, image) for cell in cells if _inked(mask, cell)]


def _text_beside(mask: Mask, extent: Box, gutter: Box) -> bool:
    """Text down both sides of the gutter (a short last line leaves a blank strip
    beside it too, with nothing on its other side)."""
    x0, _, x1, _ = extent
    gx0, gy0, gx1, gy1 = gutter
    need = SIDE_MIN_SHARE * (gy1 - gy0)
    return all(int(mask[gy0:gy1, a:b].any(axis=1).sum()) >= need for a, b in ((x0, gx0), (gx1, x1)))


def _blank_rows(mask: Mask, extent: Box, gutter: Box) -> tuple[int, int] | None:
    """Rows (nearly) blank right across the text where the gutter starts and ends (the
    text above and below spans both columns); None where a cut would go through lines.
    Two columns' lines need not share baselines, so the row with least ink near the
    gutter's end is taken when no row is blank."""
    x0, y0, x1, y1 = extent
    inked = mask[:, x0:x1].sum(axis=1)

    def near(row: int) -> int | None:
        if row <= y0 or row >= y1:
            return row
        rows = [r for r in range(row - BLANK_ROW_SEARCH, row + BLANK_ROW_SEARCH + 1)
                if y0 < r < y1]
        best = min(rows, key=lambda r: (int(inked[r]), abs(r - row)))
        return best if inked[best] <= CUT_MAX_INK * (x1 - x0) else None

    top, bottom = near(gutter[1]), near(gutter[3])
    return None if top is None or bottom is None else (top, bottom)


def _gutter(mask: Mask, extent: Box, min_cells: int) -> Box | None:
    """The widest blank strip in the middle half of the text running down at least
    GUTTER_MIN_SHARE of its height, in reduced cells; None without one.  A strip's
    edge columns are left out of it: a justified line's last glyph may reach in."""
    x0, y0, x1, y1 = extent
    height, width = y1 - y0, x1 - x0
    first = x0 + width // 4
    spans = [_longest_blank(mask[y0:y1, x]) for x in range(first, x1 - width // 4)]
    tall = [end - start >= GUTTER_MIN_SHARE * height for start, end in spans]
    best: Box | None = None
    index = 0
    while index < len(spans):
        if not tall[index]:
            index += 1
            continue
        end = index
        while end + 1 < len(spans) and tall[end + 1]:
            end += 1
        inner = range(index + 1, end) if end - index + 1 > min_cells + 1 else range(index, end + 1)
        top = max(spans[i][0] for i in inner)
        bottom = min(spans[i][1] for i in inner)
        if len(inner) >= min_cells and bottom - top >= GUTTER_MIN_SHARE * height and (
                best is None or len(inner) > best[2] - best[0]):
            best = (first + inner[0], y0 + top, first + inner[-1] + 1, y0 + bottom)
        index = end + 1
    return best


def _longest_blank(column: Mask) -> tuple[int, int]:
    """(start, end) of the longest run of blank cells down one reduced column."""
    edges = np.flatnonzero(np.diff(np.concatenate(([1], column.astype(np.int8), [1]))))
    if edges.size < 2:
        return 0, 0
    starts, ends = edges[::2], edges[1::2]
    longest = int(np.argmax(ends - starts))
    return int(starts[longest]), int(ends[longest])


def _inked(mask: Mask, cell: Box) -> bool:
    x0, y0, x1, y1 = cell
    return x1 > x0 and y1 > y0 and bool(mask[y0:y1, x0:x1].any())


def _padded(cell: Box, extent: Box, image: Image.Image) -> Box:
    """A cell in pixels, with a margin on the sides where the text ends (its cut
    sides run through blank paper already)."""
    x0, y0, x1, y1 = (v * REDUCE for v in cell)
    ex0, ey0, ex1, ey1 = extent
    return (max(x0 - MARGIN_PX, 0) if cell[0] == ex0 else x0,
            max(y0 - MARGIN_PX, 0) if cell[1] == ey0 else y0,
            min(x1 + MARGIN_PX, image.width) if cell[2] == ex1 else x1,
            min(y1 + MARGIN_PX, image.height) if cell[3] == ey1 else y1)
