"""Where the ink is on a rendered page, and which way its text lines run.

Both come from one cheap numpy pass over a 4x reduced copy of the bitmap,
made before any OCR, because OCR time grows with what it is shown:

- the ink box: the detector is bounded to a fixed side, so a page holding a
  few lines is read at a fraction of the cost (and at a better detector
  scale) once its blank paper is cut away;
- the text axis: lines of text make the ink's row profile alternate between
  full and empty, while the column profile stays flat (word gaps do not line
  up); a quarter-turned page shows the opposite.  A page whose /Rotate does
  not match its scan is then read the right way first instead of after a
  wasted full OCR pass.

Reduction averages 4x4 pixels: isolated scanner specks fade below the ink
threshold, strokes of text at OCR resolutions do not.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

REDUCE = 4
INK_DROP = 40  # a reduced cell this much darker than the paper holds ink
MARGIN_PX = 24  # blank kept around the ink box (the detector misses text at an edge)
AXIS_RATIO = 1.4  # one profile this much more uneven than the other decides the axis

Box = tuple[int, int, int, int]


def _ink(image: Image.Image) -> npt.NDArray[np.bool_]:
    """Cells of the reduced page darker than its paper (the median cell)."""
    small = np.asarray(image.convert("L").reduce(REDUCE), dtype=np.int16)
    if small.size == 0:
        return np.zeros((0, 0), dtype=np.bool_)
    return small < int(np.median(small)) - INK_DROP


def _extent(mask: npt.NDArray[np.bool_]) -> Box | None:
    """Reduced-cell box (x0, y0, x1, y1) around the ink, None on a blank page."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def blank(image: Image.Image) -> bool:
    """No ink anywhere (an empty verso drawn as a white box, a blank scan)."""
    return _extent(_ink(image)) is None


def ink_box(image: Image.Image) -> Box | None:
    """Pixel box around the page's ink plus a margin; None when nothing is worth cutting."""
    extent = _extent(_ink(image))
    if extent is None:
        return None
    x0, y0, x1, y1 = extent
    box = (max(x0 * REDUCE - MARGIN_PX, 0), max(y0 * REDUCE - MARGIN_PX, 0),
           min(x1 * REDUCE + MARGIN_PX, image.width), min(y1 * REDUCE + MARGIN_PX, image.height))
    if (box[2] - box[0]) * (box[3] - box[1]) >= 0.9 * image.width * image.height:
        return None
    return box


def _unevenness(profile: npt.NDArray[np.float64]) -> float:
    mean = float(profile.mean()) if profile.size else 0.0
    return float(profile.std()) / mean if mean > 0 else 0.0


def text_axis(image: Image.Image) -> int | None:
    """0 when the text lines run across the image as shown, 1 when up or down, None unsure."""
    mask = _ink(image)
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
