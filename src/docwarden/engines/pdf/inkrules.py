"""Ruling lines printed on a scanned page: a paper table's cell borders.

A born-digital page hands rules.py its vector paths; a scan has only pixels.
A rule is a run of ink far longer than any stroke of a glyph, and thin: a
morphological opening with a long flat (or tall) kernel keeps exactly such
runs, and each piece it keeps becomes one `Rule` in page points, so that
rules.ruled_tables finds the same grids on a scan as on the text layer.

Full resolution, not ink.py's 4x reduced mask: a one-pixel rule averaged over
4x4 cells keeps a quarter of its darkness, and a grey one would vanish.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from docwarden.engines.pdf.ink import paper_grey
from docwarden.engines.pdf.rules import THIN_PT, Rule

INK_DROP = 80  # a pixel this much darker than the paper is ink (light cell shading is not)
MIN_RULE_PT = 12.0  # shorter runs are strokes of glyphs: a dash, the stem of a letter
SKEW_PER_LENGTH = 0.02  # a rule scanned about 1 degree askew spans this much more across
MIN_LENGTH_PER_WIDTH = 12  # a letter's bar or stem in large print is stouter than a rule
MIN_KERNEL_PX = 8


def ruling_lines(gray: npt.NDArray[np.uint8], px_per_pt: float) -> list[Rule]:
    """The page's horizontal and vertical rules, in points; `gray` is the upright page."""
    if gray.size == 0:
        return []
    paper = int(paper_grey(gray))
    _, thresholded = cv2.threshold(gray, paper - INK_DROP - 1, 1, cv2.THRESH_BINARY_INV)
    ink = np.asarray(thresholded, dtype=np.uint8)
    length_px = max(round(MIN_RULE_PT * px_per_pt), MIN_KERNEL_PX)
    across = _rules(ink, length_px, px_per_pt, horizontal=True)
    if not across:  # no grid without both: most pages hold no table
        return []
    return across + _rules(ink, length_px, px_per_pt, horizontal=False)


def _rules(ink: npt.NDArray[np.uint8], length_px: int, px_per_pt: float, *,
           horizontal: bool) -> list[Rule]:
    """One direction's rules: the long thin pieces an opening along it keeps.

    A solid block (a photo, a filled header row) survives the opening too, but
    as a thick piece, and so do the bars and stems of large print, but stout.
    """
    shape = (length_px, 1) if horizontal else (1, length_px)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, shape)
    kept = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    # The outer contours of what is kept: as its connected pieces, at a thirtieth of
    # the cost of labelling every pixel of a mostly blank page.
    contours, _ = cv2.findContours(kept, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rules = []
    for x, y, width, height in map(cv2.boundingRect, contours):
        along, across = (width, height) if horizontal else (height, width)
        if across > THIN_PT * px_per_pt + SKEW_PER_LENGTH * along or (
                along < MIN_LENGTH_PER_WIDTH * across):
            continue
        if horizontal:
            middle = (y + height / 2) / px_per_pt
            rules.append(Rule(x / px_per_pt, middle, (x + width) / px_per_pt, middle))
        else:
            middle = (x + width / 2) / px_per_pt
            rules.append(Rule(middle, y / px_per_pt, middle, (y + height) / px_per_pt))
    return rules
