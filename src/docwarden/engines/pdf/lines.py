"""Fragments (layout.py) merged into visual lines: the columns' edges keep a gutter
apart, list markers and section numbers join their text, overprints are dropped."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence

from docwarden.engines.pdf.bidi import is_rtl_line
from docwarden.engines.pdf.footnotes import is_mark_text, raised, resolve, wrap
from docwarden.engines.pdf.layout import (
    BULLET_GLYPHS,
    MERGE_GAP_EM,
    SOFT_HYPHEN,
    Char,
    Line,
    Wall,
    body_pt,
    char_fragments,
    fragment_line,
    join_rtl_fragments,
    size_jump,
)
from docwarden.engines.pdf.spacing import SPACE_GAP_EM

MARKER_GAP_EM = 4.0  # a lone list marker joins the text this far to its right
MIN_EDGE_LINES = 3  # fragments sharing an edge x: a column's side
SENTENCE_GAP_EM = 2.0  # the widest stretched space after a full stop on a justified line
# A fragment that is only a bare number ("1" of pdfTeX's "1 Introduction") joins bold text.
BARE_NUMBER_RE = re.compile(r"^\d{1,3}$")
TITLE_OVER_BODY_PT = 0.5  # a bare number this much larger than the page's text heads a title
# A fragment that is only a list marker or a section number joins the text to its right.
LEAD_RE = re.compile(
    rf"^(?:[{BULLET_GLYPHS}·\-–—*]|\(?\d{{1,3}}[.)]|\(?[a-zA-Z][.)]|\d{{1,3}}(?:\.\d{{1,3}})+\.?)$"
)


class _Edges:
    """How many fragments start and end at each x: the edges of a page's text columns.

    A justified column ends many lines at one x and the next column starts many at
    another; two fragments meeting across such a pair of edges sit in different
    columns however narrow the gutter (pdfTeX's is one em).
    """

    def __init__(self, frags: Sequence[Line]) -> None:
        self.starts = Counter(round(f.x0) for f in frags)
        self.ends = Counter(round(f.x1) for f in frags)
        self.reach = self._row_reach(frags)

    @staticmethod
    def _near(counts: Counter[int], x: float) -> int:
        at = round(x)
        return counts[at - 1] + counts[at] + counts[at + 1]

    def gutter(self, left: Line, right: Line) -> bool:
        return (self._near(self.ends, left.x1) >= MIN_EDGE_LINES
                and self._near(self.starts, right.x0) >= MIN_EDGE_LINES)

    def _row_reach(self, frags: Sequence[Line]) -> dict[int, float]:
        """For each fragment, where the run of fragments it starts on its row ends: each
        next one within a sentence gap (SENTENCE_GAP_EM) of the last, in its column."""
        rows: dict[int, list[Line]] = {}
        for frag in frags:
            rows.setdefault(round(frag.y0), []).append(frag)
        reach: dict[int, float] = {}
        for row in rows.values():
            row.sort(key=lambda f: f.x0)
            end = reach[id(row[-1])] = row[-1].x1
            for frag, after in zip(reversed(row[:-1]), reversed(row[1:]), strict=True):
                if (after.x0 - frag.x1 > SENTENCE_GAP_EM * max(frag.size_pt, 1.0)
                        or self.gutter(frag, after)):
                    end = frag.x1
                reach[id(frag)] = end
        return reach

    def spanned(self, left: Line, right: Line) -> bool:
        """The two fragments run from a column's left edge to its right edge, on their
        own or with the fragments that follow `right` across sentence-sized gaps (a
        loose line that TeX stretched at two full stops)."""
        return (self._near(self.starts, left.x0) >= MIN_EDGE_LINES
                and self._near(self.ends, self.reach.get(id(right), right.x1))
                >= MIN_EDGE_LINES)


def _sentence_gap(left: Line, right: Line, edges: _Edges | None) -> bool:
    """A sentence's end and the next one's start on one justified line: TeX stretches
    the space after a full stop, on a loose line past an em."""
    return (edges is not None and left.text.endswith((".", "?", "!", ":", ";"))
            and right.text[:1].isupper()
            and (" " in right.text or right.text.endswith(("-", SOFT_HYPHEN)))
            and left.bold == right.bold and abs(left.size_pt - right.size_pt) < 0.5
            and edges.spanned(left, right))


def _leads(left: Line, right: Line, page_body_pt: float = 0.0) -> bool:
    """`left` is a list marker, section number or footnote mark that belongs to the text
    on its right.  A bare number heads bold text ("1 Introduction"), or, in fonts that
    tell no weight (TeX's bitmap fonts), a title in its size set larger than the page's
    text (`page_body_pt`)."""
    if LEAD_RE.match(left.text) or (is_mark_text(left.text) and raised(left, right)):
        return True
    if not BARE_NUMBER_RE.match(left.text):
        return False
    title = (page_body_pt > 0 and left.size_pt > page_body_pt + TITLE_OVER_BODY_PT
             and abs(left.size_pt - right.size_pt) < 0.1 and right.text[:1].isupper()
             and not right.mono)
    return (left.bold and right.bold) or title


def _mergeable(left: Line, right: Line, walls: Sequence[Wall] = (),
               edges: _Edges | None = None, page_body_pt: float = 0.0) -> bool:
    overlap = min(left.y1, right.y1) - max(left.y0, right.y0)
    if overlap < 0.6 * min(left.height, right.height):
        return False
    em = max(min(left.size_pt, right.size_pt), 1.0)
    gap = right.x0 - left.x1
    lead = _leads(left, right, page_body_pt)
    limit = MARKER_GAP_EM if lead else MERGE_GAP_EM
    if gap > limit * em and gap <= SENTENCE_GAP_EM * em and _sentence_gap(left, right, edges):
        limit = SENTENCE_GAP_EM
    if not -0.3 * em <= gap <= limit * em or size_jump(left, right):
        return False
    if edges is not None and not lead and gap > SPACE_GAP_EM * em and edges.gutter(left, right):
        return False
    mid = (left.y0 + left.y1) / 2
    return not any(left.x1 - 1 <= x <= right.x0 + 1 and y0 <= mid <= y1 for x, y0, y1 in walls)


def _spaced_after(later: Line, earlier: Line) -> bool:
    """`later` follows `earlier` in the stream, a space between them."""
    return later.space_before and later.stream_span[0] == earlier.stream_span[1] + 1


def _merge(left: Line, right: Line) -> Line:
    """Two fragments of one line; on a right-to-left line the right one is read first.

    A space the stream put between them is kept however narrow their gap: Typst writes
    a right-to-left paragraph in reading order, so "240 ms" comes as "240", " ", "ms"
    and is drawn "ms 240", the boxes nearer than a space.
    """
    stream_space = _spaced_after(left, right) or _spaced_after(right, left)
    narrow = right.x0 - left.x1 < SPACE_GAP_EM * left.size_pt
    sep = "" if narrow and not stream_space else " "
    streamed_first = left if left.stream_span[0] <= right.stream_span[0] else right
    longer = left if len(left.text) >= len(right.text) else right
    first, second = _marked(left, right), _marked(right, left)
    rtl = is_rtl_line(first + second)
    if rtl:
        first, second = second, first
    return Line(
        text=f"{first}{sep}{second}",
        x0=left.x0, y0=min(left.y0, right.y0), x1=max(left.x1, right.x1),
        y1=max(left.y1, right.y1), size_pt=longer.size_pt, bold=longer.bold,
        italic=longer.italic, mono=left.mono and right.mono,
        code_start=(right if rtl else left).code_start,
        stream_span=(min(left.stream_span[0], right.stream_span[0]),
                     max(left.stream_span[1], right.stream_span[1])),
        space_before=streamed_first.space_before,
        real_space_before=streamed_first.real_space_before,
    )


def _marked(frag: Line, other: Line) -> str:
    """`frag`'s text, held apart as a footnote mark when it is only a mark raised beside
    `other` (a note's number set off by a tab)."""
    if is_mark_text(frag.text) and raised(frag, other):
        return wrap(frag.text)
    return frag.text


def merge_fragments(frags: list[Line], walls: Sequence[Wall] = ()) -> list[Line]:
    """Join fragments that sit side by side on one visual line (out-of-order streams)."""
    pending = sorted(frags, key=lambda f: (round(f.y0), f.x0))
    edges = _Edges(frags)
    body = body_pt(frags)
    lines: list[Line] = []
    for frag in pending:
        for i in range(len(lines) - 1, max(len(lines) - 40, 0) - 1, -1):
            if _mergeable(lines[i], frag, walls, edges, body):
                lines[i] = _merge(lines[i], frag)
                break
            if _mergeable(frag, lines[i], walls, edges, body):
                lines[i] = _merge(frag, lines[i])
                break
        else:
            lines.append(frag)
    return lines


def build_lines(chars: list[Char], walls: Sequence[Wall] = ()) -> list[Line]:
    """A page's chars in stream order -> visual lines (stream order kept where it is
    sane), footnote marks resolved."""
    pairs = {(id(chars[i - 1]), id(c)) for i, c in enumerate(chars) if i and c.space_before}
    frags = join_rtl_fragments(char_fragments(chars, walls), walls)
    lines = [fragment_line(frag, pairs, index) for index, frag in enumerate(frags)]
    merged = _drop_overprints(merge_fragments([line for line in lines if line.text], walls))
    resolve(merged)
    return merged


def _drop_overprints(lines: list[Line]) -> list[Line]:
    """One copy of a line drawn twice in the same place (fake bold, a stamped overlay),
    also where the second drawing repeats only some of its glyphs (read apart, they
    make a line of fragments, "th t th", under the whole one)."""
    seen: set[tuple[str, int, int]] = set()
    kept: list[Line] = []
    for line in lines:
        key = (line.text, round(line.x0), round(line.y0))
        if key not in seen:
            seen.add(key)
            kept.append(line)
    by_top = sorted(kept, key=lambda ln: ln.y0)
    tops = [ln.y0 for ln in by_top]
    tallest = max((ln.height for ln in kept), default=0.0)
    return [line for line in kept if not any(
        _repeats(line, other)
        for other in by_top[bisect.bisect_left(tops, line.y0 - tallest):
                            bisect.bisect_right(tops, line.y1)])]


def _repeats(part: Line, whole: Line) -> bool:
    """`part` lies within `whole` on its row and holds some of its glyphs, in order."""
    if part is whole or len(part.text) >= len(whole.text):
        return False
    inside = (part.x0 >= whole.x0 - 1 and part.x1 <= whole.x1 + 1
              and min(part.y1, whole.y1) - max(part.y0, whole.y0) > 0.5 * part.height)
    if not inside:
        return False
    glyphs = iter(whole.text)
    return all(ch in glyphs for ch in part.text if not ch.isspace())
