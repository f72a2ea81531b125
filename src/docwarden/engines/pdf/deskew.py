"""A page scanned askew: the small turn that levels its text lines.

A sheet laid a degree off on the scanner turns every line with it.  The column
finder (ink.text_regions) looks for blank vertical gutters, and over a page's
height a 0.7 degree turn moves a column's edge by ~25 px at 200 dpi, enough to
close a gutter: two-column papers came out interleaved (reading order 0.21 and
0.25 on bench.accuracy.pdf_precision's askew scans).  The turn is the one whose
row profile of the page's ink is most peaked: levelled lines make dark rows
between blank leading.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

from docwarden.engines.pdf.ink import GLYPH_INK_DROP, paper_grey

MAX_SKEW_DEG = 3.0  # a scan turned further is a page laid crooked on purpose, or no text
STEP_DEG = 0.1
COARSE_STEP_DEG = 0.5  # searched first, then STEP_DEG around the best
# Below this a column's edge moves less than a word space over the page: left as it is
# (each levelling resamples the page, and a level page must not be touched).
MIN_SKEW_DEG = 0.2
MIN_GAIN = 1.01  # the best turn's profile must beat the level one's by this much
SUBSAMPLE = 2  # every 2nd pixel each way: REDUCE's 4 blurred lines apart (0.7 read as 0.5)
# Profiles of vertical strips, summed: columns whose baselines do not line up would
# blur one profile of the whole page (a two-column page's 0.7 degrees read as 0.5).
STRIPS = 4
MIN_INK_PIXELS = 500  # fewer inked pixels say nothing about lines


def skew_degrees(gray: npt.NDArray[np.uint8]) -> float:
    """The turn, in degrees counterclockwise (PIL's `rotate`), a grey page's lines show."""
    small = gray[::SUBSAMPLE, ::SUBSAMPLE]
    rows, cols = np.nonzero(small < paper_grey(gray) - GLYPH_INK_DROP)
    if rows.size < MIN_INK_PIXELS:
        return 0.0
    width = small.shape[1]
    reach = math.ceil(width * math.tan(math.radians(MAX_SKEW_DEG)))
    strip_offset = (cols * STRIPS // width) * (small.shape[0] + 2 * reach + 1) + reach
    centred = cols - width / 2.0

    def score(angle: float) -> float:
        return _peakedness(rows + centred * math.tan(math.radians(angle)), strip_offset)

    level = score(0.0)
    coarse = max(_steps(0.0, MAX_SKEW_DEG, COARSE_STEP_DEG), key=score)
    best = max(_steps(coarse, COARSE_STEP_DEG - STEP_DEG, STEP_DEG), key=score)
    return best if score(best) >= MIN_GAIN * level else 0.0


def _steps(centre: float, reach: float, step: float) -> list[float]:
    count = round(reach / step)
    return [round(centre + i * step, 3) for i in range(-count, count + 1)]


def _peakedness(positions: npt.NDArray[np.float64], offsets: npt.NDArray[np.int64]) -> float:
    """Sum over the strips of squared row counts: largest when ink gathers in few rows."""
    counts = np.bincount(np.rint(positions).astype(np.int64) + offsets)
    return float(np.dot(counts, counts))


def levelled(image: Image.Image) -> tuple[Image.Image, npt.NDArray[np.uint8]]:
    """The page turned back level when its lines are askew by MIN_SKEW_DEG or more, and
    its grey copy (measured here anyway; the page's later measures read it too)."""
    gray = np.asarray(image.convert("L"))
    angle = skew_degrees(gray)
    if abs(angle) < MIN_SKEW_DEG:
        return image, gray
    paper = round(paper_grey(gray))
    bands = len(image.getbands())
    fill = paper if bands == 1 else (paper,) * bands
    level = image.rotate(-angle, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    return level, np.asarray(level.convert("L"))
