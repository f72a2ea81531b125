"""Bold on a scanned page, from the width of its strokes.

OCR reads no font, so a subsection or an "Abstract" set bold in the body's
size was no heading on a scan.  A line's stroke width is measured in the
bitmap as twice its ink over its ink's edge pixels (a stroke w pixels wide has
2 edge pixels in every w), and compared with the page's body lines: bold
stems are ~1.3-1.6x a regular face's.  Measured on the real set's 21 Latin
files scanned at 200 dpi against their text layers' bold flags, lines within
BODY_SIZE_BAND of the body size: 65 of 66 bold lines found, 1 of 2 643 regular
lines taken for bold.  Ink is anything a third of the way from the paper toward
the darkest ink, so headings printed in a colour count in full (at a fixed
mid-grey threshold a blue heading lost half its strokes and read as regular).
Only lines near body size are judged: larger print has wider stems anyway, and
is told apart by its size.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from docwarden.engines.pdf.ink import REDUCE, paper_grey
from docwarden.engines.pdf.layout import Line

INK_SHARE = 1 / 3  # of the way from paper to ink, a pixel is ink
MIN_CONTRAST = 60  # grey levels between paper and ink for strokes to be measured
BOLD_STROKE_RATIO = 1.2  # of the body lines' stroke width: a bold line's
FILL_STROKE_RATIO = 2.0  # ... and past this the box sits on a filled background
BODY_SIZE_BAND = (0.85, 1.25)
BODY_MIN_CHARS = 20  # lines this long are the page's body text
MIN_BODY_LINES = 3
SAMPLE_STEP = REDUCE  # every 4th pixel each way is enough for the page's ink (paper_grey's)


def mark_bold(lines: Sequence[Line], gray: npt.NDArray[np.uint8], px_per_pt: float) -> None:
    """Set `bold` on the body-sized lines whose strokes are much wider than the body's."""
    threshold = _ink_threshold(gray)
    if threshold is None:
        return
    widths = [_stroke_width(gray, line, px_per_pt, threshold) for line in lines]
    body = [(line.size_pt, width) for line, width in zip(lines, widths, strict=True)
            if len(line.text) >= BODY_MIN_CHARS and width]
    if len(body) < MIN_BODY_LINES:
        return
    size = statistics.median(s for s, _ in body)
    stroke = statistics.median(w for _, w in body)
    low, high = BODY_SIZE_BAND
    for line, width in zip(lines, widths, strict=True):
        if width and low * size <= line.size_pt <= high * size:
            line.bold = BOLD_STROKE_RATIO * stroke <= width < FILL_STROKE_RATIO * stroke


def _ink_threshold(gray: npt.NDArray[np.uint8]) -> float | None:
    sample = gray[::SAMPLE_STEP, ::SAMPLE_STEP]
    if sample.size == 0:
        return None
    paper, ink = paper_grey(gray), float(np.percentile(sample, 0.5))
    return None if paper - ink < MIN_CONTRAST else paper - INK_SHARE * (paper - ink)


def _stroke_width(gray: npt.NDArray[np.uint8], line: Line, px_per_pt: float,
                  threshold: float) -> float | None:
    x0, y0 = max(round(line.x0 * px_per_pt), 0), max(round(line.y0 * px_per_pt), 0)
    x1, y1 = round(line.x1 * px_per_pt), round(line.y1 * px_per_pt)
    ink = gray[y0:y1, x0:x1] < threshold
    if not ink.any():
        return None
    padded = np.pad(ink, 1)
    inner = (padded[1:-1, 1:-1] & padded[:-2, 1:-1] & padded[2:, 1:-1]
             & padded[1:-1, :-2] & padded[1:-1, 2:])
    area = int(ink.sum())
    return 2 * area / max(area - int(inner.sum()), 1)
