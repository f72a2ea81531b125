"""Text lines with positions, font sizes and weight; a page's characters as fragments.

textlayer.py reads the characters from pdfium in content-stream order, with
boxes but no layout.  Here characters become fragments (runs on one baseline,
split at column-sized gaps; right-to-left runs reordered from their boxes);
lines.py merges the fragments on one visual line into `Line`s.  Coordinates are PDF
points with the origin at the top-left of the visible page, y growing down, the
same frame OCR boxes are mapped into, so both share the Markdown builder.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from docwarden.engines.geometry import Extent
from docwarden.engines.pdf.bidi import direction, unshape
from docwarden.engines.pdf.footnotes import (
    MARK_CLOSE,
    MARK_OPEN,
    UNKNOWN_MARK,
    may_mark,
    raised_marks,
)
from docwarden.engines.pdf.spacing import is_wide, spaced

SOFT_HYPHEN = "\u00ad"
UNMAPPED = "\ufffc"  # a glyph without a Unicode mapping (symbol fonts, junk)
UNMAPPED_BULLET_RE = re.compile(f"^{UNMAPPED}+\\s+(?=\\w)")
# Glyphs a list item starts with: typeset bullets, beamer's triangles, arrows, check marks
# (a line may also start with "·" or a dash that is no bullet: each user adds those).
BULLET_GLYPHS = "•●○◦▪■□‣⁃∙▶►▸▹➢➤◆◇❖✓✔"
BREAK_GAP_EM = 1.0  # a gap wider than this without a real space starts a new fragment
BREAK_GAP_SPACED_EM = 3.0  # ... and with a real space character in it
MERGE_GAP_EM = 0.8  # fragments closer than this on one line are merged
# A label in a small font hanging before a large title ("Chapter 1." + a 26 pt title) is
# its own fragment when the sizes differ this much and a gap wider than the small
# font's em separates them; superscripts and drop caps touch their neighbours.
SIZE_JUMP_RATIO = 1.8
PROSE_WORD_LETTERS = 2  # letters in a proportional face that make a line with code prose
PROSE_CLOSING = ".,;:!?)"  # ... or one of these ending it
WALL_GAP_EM = 0.15  # a cell border splits a run only across a gap this wide
SENTENCE_END = tuple(".!?:;。！？：；")


@dataclass(slots=True)
class Line(Extent):
    """One visual text line (or a cell-sized fragment of one)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size_pt: float
    bold: bool = False
    italic: bool = False
    mono: bool = False
    code_start: bool = False  # its first glyph is typewriter type ("`standard` Dependencies")
    in_drawing: bool = False  # set over a drawing (a diagram's label), see figures.py
    # The content stream's fragments it holds (first, last) and whether the stream had a
    # space before the first (a space character: real_space_before): _merge's word
    # break between stream neighbours, wraps.join_lines's between a line and the last.
    stream_span: tuple[int, int] = (-1, -1)
    space_before: bool = False
    real_space_before: bool = False

    @property
    def styled(self) -> bool:
        """Set apart from body text by weight or slant."""
        return self.bold or self.italic


@dataclass(slots=True)
class Area(Extent):
    """Something set on a page that holds lines of text: a table, a figure."""

    x0: float
    y0: float
    x1: float
    y1: float
    size_pt: float = 0.0
    lines: list[Line] = field(default_factory=list)


@dataclass(slots=True)
class Char:
    """One drawn character in top-left page coordinates."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size_pt: float
    bold: bool
    italic: bool = False
    space_before: bool = False
    real_space_before: bool = False
    break_before: bool = False
    mono: bool = False
    superscript: bool = False  # a superscript figure's glyph (textlayer.SUPERSCRIPT_INK_RAISE)


Wall = tuple[float, float, float]  # a vertical rule (x, y0, y1): text never merges across it


def _same_line(frag: list[Char], char: Char) -> bool:
    last = frag[-1]
    overlap = min(last.y1, char.y1) - max(last.y0, char.y0)
    return overlap >= 0.5 * min(last.y1 - last.y0, char.y1 - char.y0)


def _starts_fragment(frag: list[Char], char: Char, extent: tuple[float, float]) -> bool:
    """Whether `char` begins a new fragment; right-to-left text may run either way."""
    if not frag:
        return False
    if char.break_before or not _same_line(frag, char):
        return True
    last = frag[-1]
    em = max(last.size_pt, char.size_pt, 1.0)
    limit = (BREAK_GAP_SPACED_EM if char.real_space_before else BREAK_GAP_EM) * em
    if "R" in (direction(last.text), direction(char.text)):
        return char.x1 < extent[0] - limit or char.x0 > extent[1] + limit
    if char.x0 < last.x0 - 0.5 * em:  # moved back left (ligature parts share one box)
        return True
    return char.x0 - last.x1 > limit or size_jump(last, char)


def size_jump(a: Char | Line, b: Char | Line) -> bool:
    """A gap wider than the smaller font's em between very different font sizes."""
    small, large = sorted((max(a.size_pt, 0.1), max(b.size_pt, 0.1)))
    gap = max(a.x0, b.x0) - min(a.x1, b.x1)
    return large >= SIZE_JUMP_RATIO * small and gap > BREAK_GAP_EM * small


def fragment_line(frag: list[Char], pairs: set[tuple[int, int]], index: int) -> Line:
    space_before, real_space_before = frag[0].space_before, frag[0].real_space_before
    chars = spaced(frag, pairs)
    prose = _prose_word(chars)
    sizes = Counter(round(c.size_pt, 1) for c in chars if not (prose and c.mono))
    bold = italic = mono = 0
    parts: list[str] = []
    for char in chars:
        bold += char.bold
        italic += char.italic
        mono += char.mono
        parts.append(" " + char.text if char.space_before else char.text)
    # A footnote's mark is smaller than its neighbours or a superscript figure.
    if (len(sizes) > 1 or any(char.superscript for char in chars)) and any(
            may_mark(char.text) for char in chars):
        parts = _marked_parts(chars, raised_marks(chars))
    text = "".join(parts).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    # An unmapped glyph opening a line before a space is a symbol-font bullet.
    text = UNMAPPED_BULLET_RE.sub("• ", unshape(text.strip())).replace(UNMAPPED, "")
    return Line(
        text=text.strip(),
        x0=min(c.x0 for c in frag), y0=min(c.y0 for c in frag),
        x1=max(c.x1 for c in frag), y1=max(c.y1 for c in frag),
        size_pt=sizes.most_common(1)[0][0], bold=bold * 2 > len(frag),
        italic=italic * 2 > len(frag), mono=mono * 2 > len(frag) and not prose,
        code_start=chars[0].mono, stream_span=(index, index), space_before=space_before,
        real_space_before=real_space_before,
    )


def _prose_word(chars: Sequence[Char]) -> bool:
    """A word of two or more upright letters in a proportional face beside typewriter
    glyphs, or a sentence's closing marks in that face after them: prose quoting code
    ("Using `secondary_log_colors`", a paragraph's last line "`'httpcore[trio]'`."), no
    code.  Its size is the line's: a browser sets typewriter type smaller than the text
    around it.  Code names its placeholders in italics ("epsfbox{<filename>}")."""
    if not any(char.mono for char in chars):
        return False
    if not chars[-1].mono and chars[-1].text and chars[-1].text in PROSE_CLOSING:
        return True
    run = 0
    for char in chars:
        letter = not (char.mono or char.italic) and char.text.isalpha() and not is_wide(
            char.text)
        run = run + 1 if letter and not (run and char.space_before) else int(letter)
        if run >= PROSE_WORD_LETTERS:
            return True
    return False


def _marked_parts(chars: Sequence[Char], marks: Sequence[bool]) -> list[str]:
    """The chars' text with their spaces, each raised mark held apart (footnotes.py)."""
    parts: list[str] = []
    for i, char in enumerate(chars):
        if char.space_before:
            parts.append(" ")
        glyph = UNKNOWN_MARK if marks[i] and char.text == UNMAPPED else char.text
        opens = marks[i] and (i == 0 or not marks[i - 1] or char.space_before)
        parts.append(MARK_OPEN + glyph if opens else glyph)
        if marks[i] and (i + 1 == len(chars) or not marks[i + 1] or chars[i + 1].space_before):
            parts.append(MARK_CLOSE)
    return parts


def _walled(last: Char, char: Char, walls: Sequence[Wall]) -> bool:
    """A vertical rule runs through the gap between two neighbours, drawn either way
    round (right to left too): a table's cell border (lines of a drawing crossing its
    labels touch the glyphs and split nothing)."""
    return _wall_between((last.x0, last.x1), (char.x0, char.x1), char, walls)


def _wall_between(a: tuple[float, float], b: tuple[float, float], at: Char,
                  walls: Sequence[Wall]) -> bool:
    """A wall in the gap between the spans `a` and `b` (x0, x1), at the height of `at`."""
    left, right = (a[1], b[0]) if a[1] <= b[0] else (b[1], a[0])
    if right - left < WALL_GAP_EM * at.size_pt:
        return False
    mid = (at.y0 + at.y1) / 2
    return any(left < x < right and y0 <= mid <= y1 for x, y0, y1 in walls)


def char_fragments(chars: list[Char], walls: Sequence[Wall] = ()) -> list[list[Char]]:
    frags: list[list[Char]] = []
    current: list[Char] = []
    extent = (0.0, 0.0)
    for char in chars:
        if _starts_fragment(current, char, extent) or (
                current and walls and _walled(current[-1], char, walls)):
            frags.append(current)
            current = []
        extent = (min(extent[0], char.x0), max(extent[1], char.x1)) if current else (
            char.x0, char.x1)
        current.append(char)
    if current:
        frags.append(current)
    return frags


def _beside(a: list[Char], b: list[Char]) -> bool:
    """Two char groups on one visual line with at most a word gap between them."""
    ay0, ay1 = min(c.y0 for c in a), max(c.y1 for c in a)
    by0, by1 = min(c.y0 for c in b), max(c.y1 for c in b)
    if min(ay1, by1) - max(ay0, by0) < 0.5 * min(ay1 - ay0, by1 - by0):
        return False
    gap = max(min(c.x0 for c in a), min(c.x0 for c in b)) - min(
        max(c.x1 for c in a), max(c.x1 for c in b))
    return gap <= MERGE_GAP_EM * max(a[0].size_pt, b[0].size_pt, 1.0)


def join_rtl_fragments(frags: list[list[Char]], walls: Sequence[Wall] = ()
                       ) -> list[list[Char]]:
    """Char groups of one right-to-left line joined before reordering (not after, as
    text); a cell border between two keeps them apart."""
    if not any(direction(c.text) == "R" for frag in frags for c in frag):
        return frags
    out: list[list[Char]] = []
    for frag in frags:
        rtl = any(direction(c.text) == "R" for c in frag)
        span = (min(c.x0 for c in frag), max(c.x1 for c in frag))
        for i in range(len(out) - 1, max(len(out) - 40, 0) - 1, -1):
            other_rtl = any(direction(c.text) == "R" for c in out[i])
            if (rtl or other_rtl) and _beside(out[i], frag) and not _wall_between(
                    (min(c.x0 for c in out[i]), max(c.x1 for c in out[i])), span, frag[0],
                    walls):
                out[i] = out[i] + frag
                break
        else:
            out.append(frag)
    return out


def size_chars(lines: Iterable[Line]) -> Counter[float]:
    """Characters set in each font size (to the half point): the body size carries most."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size_pt * 2) / 2] += len(line.text)
    return sizes


def body_pt(lines: Iterable[Line]) -> float:
    """The size most of these lines' characters are set in (0 when there are none)."""
    sizes = size_chars(lines)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def runs_on(last: str, first: str) -> bool:
    """A sentence broken by a column or page end: no sentence end, then lower case."""
    last, first = last.rstrip(), first.lstrip()
    return bool(last) and bool(first) and not last.endswith(SENTENCE_END) and first[0].islower()


def same_row(a: Line, b: Line) -> bool:
    """Two pieces set side by side on one row (sharing most of the smaller height)."""
    return min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5 * min(a.height, b.height)
