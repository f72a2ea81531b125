"""Font sizes of OCR lines: what headings on a scanned page are told apart by.

The detector's box height follows what a line holds (descenders, capitals) and
its padding, by +-15 % on long lines and far more on short ones: body lines
came out as large as the bold headings above them.  A line's advance measures
its size instead: Han and kana glyphs advance one em each, Latin letters about
half an em and word spaces a little over a quarter, once the box's padding
(BOX_PAD_PER_HEIGHT of its height) is taken off its width.  Fitted on 900 lines
of real-producer PDFs scanned at 200 dpi: long lines within -7/+10 % (10th/90th
percentiles), short ones -5/+22 %.

A short line is measured less surely, so it takes the size of the line it
continues (a paragraph's last line, a heading's second one) when its advance
agrees with it; a glyph or two is set like the page.  (Short table cells read a
little large; a row of three or more cells holds no heading, markdown.py.)
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from docwarden.engines.pdf.layout import SENTENCE_END

Box = tuple[str, float, float, float, float]  # text, x0, y0, x1, y1 in points

CJK_RE = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff60]")
CJK_MIN_SHARE, CJK_MIN_CHARS = 0.6, 3  # a line this much Han/kana is sized by its advance
NARROW_EM = 0.55  # the advance of a Latin letter or digit beside Han text, in em
LATIN_GLYPH_EM, LATIN_SPACE_EM = 0.5, 0.28  # average advance of a Latin glyph, a word space
MIN_ADVANCE_CHARS = 10  # glyphs a Latin line needs for its advance alone to measure its size
MIN_SHORT_GLYPHS = 3  # ... and fewer than this are too few for any measure
BOX_PAD_PER_HEIGHT = 0.45  # the detector pads a line's box by about this share of its height
SHORT_ADVANCE_BIAS = 1.08  # a short line's advance still reads this much large
SHORT_BOX_HEIGHT_PER_PT = 1.64  # a short line's box is this many times its font size
RUN_ON_GAP = 0.5  # of the line above's height: closer below it, a line may continue it
RUN_ON_BAND = (0.7, 1.45)  # its short measure within this band of the line above's size
FLUSH_PER_HEIGHT = 0.5  # left edges this close (of a line's height) are one paragraph's


def line_sizes(boxes: Sequence[Box]) -> list[float]:
    """Font sizes of a page's OCR lines, in points."""
    sizes = [_advance_size(text, x1 - x0, y1 - y0) for text, x0, y0, x1, y1 in boxes]
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][2])
    for i in order:  # top down: a short line may take the size its line above just got
        if sizes[i] and not _long(boxes[i][0]):
            sizes[i] = _short_size(boxes, sizes, i)
    for chain in _sentence_chains(boxes, sizes, order):
        shared = statistics.median(sizes[i] for i in chain)
        for i in chain:
            sizes[i] = shared
    known = [size for size in sizes if size > 0]
    typical = statistics.median(known) if known else 0.0
    return [round(size if size > 0 else typical or (y1 - y0) / SHORT_BOX_HEIGHT_PER_PT, 1)
            for size, (_, _, y0, _, y1) in zip(sizes, boxes, strict=True)]


def _sentence_chains(boxes: Sequence[Box], sizes: list[float], order: Sequence[int]
                     ) -> list[list[int]]:
    """Runs of lines that carry one sentence on, each right under the last at its left
    edge: one paragraph's lines, set in one size, whatever each line's advance says
    (+-10 % on a narrow column's lines, enough to make one of them a heading)."""
    chains: list[list[int]] = []
    chain_of: dict[int, list[int]] = {}
    for i in order:  # top down
        above = _carried_from(boxes, sizes, i)
        if above is None:
            continue
        chain = chain_of.get(above)
        if chain is None:
            chain = chain_of[above] = [above]
            chains.append(chain)
        chain.append(i)
        chain_of[i] = chain
    return chains


def _carried_from(boxes: Sequence[Box], sizes: list[float], index: int) -> int | None:
    """The line right above `index` whose sentence `index` carries on (it starts in lower
    case, flush with that line's left edge), if any."""
    text, x0, *_ = boxes[index]
    if not sizes[index] or not text[:1].islower():
        return None
    nearest = _line_above(boxes, sizes, index)
    if nearest is None:
        return None
    prev_text, prev_x0, prev_y0, _, prev_y1 = boxes[nearest]
    flush = abs(x0 - prev_x0) <= FLUSH_PER_HEIGHT * (prev_y1 - prev_y0)
    return nearest if flush and not prev_text.rstrip().endswith(SENTENCE_END) else None


def _line_above(boxes: Sequence[Box], sizes: list[float], index: int) -> int | None:
    """The sized line right above `index`, close enough below it to be continued by it."""
    _, x0, y0, x1, _ = boxes[index]
    above = [j for j, (_, ax0, ay0, ax1, ay1) in enumerate(boxes)
             if j != index and sizes[j] and ax0 < x1 and x0 < ax1 and ay1 <= y0 + 1
             and y0 - ay1 <= RUN_ON_GAP * (ay1 - ay0)]
    return max(above, key=lambda j: boxes[j][4]) if above else None


def _long(text: str) -> bool:
    glyphs = text.replace(" ", "")
    return len(glyphs) >= MIN_ADVANCE_CHARS or _cjk(glyphs)


def _cjk(glyphs: str) -> bool:
    return _mostly_wide(_wide(glyphs), len(glyphs))


def _wide(glyphs: str) -> int:
    """Han and kana glyphs (one em each)."""
    return sum(1 for ch in glyphs if CJK_RE.match(ch))


def _mostly_wide(wide: int, glyphs: int) -> bool:
    return wide >= CJK_MIN_SHARE * glyphs and wide >= CJK_MIN_CHARS


def _advance_size(text: str, width: float, height: float) -> float:
    """Size from the line's width over its glyphs' usual advance; 0 for a glyph or two."""
    glyphs = text.replace(" ", "")
    inner = max(width - BOX_PAD_PER_HEIGHT * height, 0.0)
    wide = _wide(glyphs)
    if _mostly_wide(wide, len(glyphs)):
        return inner / (wide + NARROW_EM * (len(glyphs) - wide))
    if len(glyphs) < MIN_SHORT_GLYPHS:
        return 0.0
    # Han glyphs in a mostly Latin line still advance a full em each (a mixed line read
    # as Latin came out 17 pt for 11.5).
    return inner / (wide + LATIN_GLYPH_EM * (len(glyphs) - wide)
                    + LATIN_SPACE_EM * (len(text) - len(glyphs)))


def _short_size(boxes: Sequence[Box], sizes: list[float], index: int) -> float:
    """A short line's size: its line above's where it continues that line, else its
    advance (its box's height says little: +-14 % and more without descenders)."""
    advance = sizes[index] / SHORT_ADVANCE_BIAS
    nearest = _line_above(boxes, sizes, index)
    if nearest is not None:
        low, high = RUN_ON_BAND
        if low * sizes[nearest] <= advance <= high * sizes[nearest]:
            return sizes[nearest]
    return advance
