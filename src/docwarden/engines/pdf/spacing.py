"""Where the spaces go in a run of glyphs on one line.

pdfium reports real space characters, spaces it generated from gaps, and no
space at all (pdfTeX, browsers); none of them can be taken as given.  A gap
counts when it is wide for the font (or the producer wrote a space there);
monospaced text is measured in pitches; where East Asian text meets Latin
letters or digits a word processor's own spacing is told from a real space by
the line's other word gaps; right-to-left lines take their spaces from glyphs
drawn side by side, after reordering.
"""

from __future__ import annotations

import itertools
import unicodedata
from typing import Protocol, TypeVar

from docwarden.engines.pdf.bidi import direction, logical_order

SPACE_GAP_EM = 0.22  # an unspaced gap wider than this still separates words (Times: 0.25)
MIN_SPACE_GAP_EM = 0.05  # a space needs at least this much room between its neighbours
AUTOSPACE_GAP_EM = 0.3  # East Asian text meeting Latin: wider than autospace is a space
SEAM_SHARE = 0.9  # ... or a gap this close to the line's own word gaps
RTL_SPACE_GAP_EM = 0.15  # joined Arabic letters touch: a smaller gap is a word break


class Spaced(Protocol):
    """What spacing needs of a glyph (layout.Char)."""

    text: str
    x0: float
    x1: float
    size_pt: float
    space_before: bool
    real_space_before: bool
    mono: bool


G = TypeVar("G", bound=Spaced)


def _mono_pitch(frag: list[G]) -> float:
    """The character advance of monospaced text (0 otherwise): gaps in code are in pitches.

    Tight glyph boxes of a typewriter font leave gaps around narrow glyphs ("(", ".")
    that are no word breaks; only an advance of 1.5 pitches or more is one.  The pitch
    is that of typewriter glyphs side by side: a heading's word in its own face ("Using
    `secondary_log_colors`") has wider letters, which are no gaps.
    """
    if len(frag) < 4 or sum(c.mono for c in frag) * 2 <= len(frag):
        return 0.0
    steps = sorted(b.x0 - a.x0 for a, b in itertools.pairwise(frag)
                   if a.mono and b.mono and not b.space_before)
    return steps[len(steps) // 2] if steps and steps[len(steps) // 2] > 0 else 0.0


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char[:1]) in ("W", "F")


def _script_seam(prev: Spaced, char: Spaced) -> bool:
    """East Asian text meeting Latin letters, digits or signs ("40%까지")."""
    return is_wide(prev.text) != is_wide(char.text)


def _plain_break(prev: Spaced, char: Spaced) -> bool:
    gap = char.x0 - prev.x1
    return gap >= MIN_SPACE_GAP_EM * char.size_pt and (
        char.space_before or gap > SPACE_GAP_EM * char.size_pt)


def _word_breaks(frag: list[G]) -> list[bool]:
    """Whether a space separates each char from the one before it (left-to-right text).

    A space, even a real one, with no room for it between the glyphs is no word
    break (a producer's stray space before a run in another font).  Where East
    Asian text meets Latin letters or digits, word processors add space of their
    own ("autospace", about a fifth of an em in LibreOffice) and pdfium reports it
    as a space: there only a real space, or a gap as wide as the line's other
    word gaps, counts.
    """
    seams = [i > 0 and _script_seam(frag[i - 1], c) for i, c in enumerate(frag)]
    breaks = [i > 0 and not seams[i] and _plain_break(frag[i - 1], c)
              for i, c in enumerate(frag)]
    gaps = sorted((c.x0 - frag[i - 1].x1) / c.size_pt for i, c in enumerate(frag) if breaks[i])
    word_gap = gaps[len(gaps) // 2] if gaps else AUTOSPACE_GAP_EM
    for i, char in enumerate(frag):
        if seams[i]:
            gap = char.x0 - frag[i - 1].x1
            breaks[i] = gap >= MIN_SPACE_GAP_EM * char.size_pt and (
                char.real_space_before or gap >= SEAM_SHARE * word_gap * char.size_pt)
    return breaks


def _ltr_breaks(frag: list[G]) -> list[bool]:
    """Word breaks of a left-to-right run; between two typewriter glyphs a gap counts
    in pitches."""
    breaks = _word_breaks(frag)
    pitch = _mono_pitch(frag)
    if not pitch:
        return breaks
    for i in range(1, len(frag)):
        prev, char = frag[i - 1], frag[i]
        if prev.mono and char.mono:
            breaks[i] = char.space_before or char.x0 - prev.x0 > 1.5 * pitch
    return breaks


def _widest_gap(visual: list[G], a: int, b: int) -> float:
    """The widest gap between glyphs drawn from slot `a` to slot `b` of a line.

    Reading neighbours at a change of direction are not drawn side by side: the
    space between "مثل" and "pandas" lies between "ل" and the far end of
    "pandas", while "15%" drawn as "%15" has none between "5" and "%".
    """
    lo, hi = min(a, b), max(a, b)
    return max((visual[k + 1].x0 - visual[k].x1 for k in range(lo, hi)), default=0.0)


def spaced(frag: list[G], pairs: set[tuple[int, int]]) -> list[G]:
    """The fragment in reading order, each char's space_before set for that order.

    `pairs` holds (id, id) of stream neighbours with a space between them: after a
    right-to-left line is reordered, a space belongs between the same two chars.
    """
    if not any(direction(c.text) == "R" for c in frag):
        for char, broken in zip(frag, _ltr_breaks(frag), strict=True):
            char.space_before = broken
        return frag
    ordered = logical_order(frag)
    visual = sorted(frag, key=lambda c: (c.x0 + c.x1) / 2)
    slot = {id(c): i for i, c in enumerate(visual)}
    for i, char in enumerate(ordered):
        prev = ordered[i - 1]
        rtl = "R" in (direction(prev.text), direction(char.text))
        gap = _widest_gap(visual, slot[id(prev)], slot[id(char)])
        em_gap = (RTL_SPACE_GAP_EM if rtl else SPACE_GAP_EM) * char.size_pt
        char.space_before = i > 0 and (
            (id(prev), id(char)) in pairs or (id(char), id(prev)) in pairs or gap > em_gap
            or _starts_ltr_word(char))
    return ordered


def _starts_ltr_word(char: Spaced) -> bool:
    """The stream put a space before a Latin letter or a digit: it opens a word, whatever
    glyph precedes it in reading order.  Typst writes a right-to-left paragraph in
    reading order, so a cell's "240 ms" is drawn "ms 240" with its space narrower than a
    gap can tell.  Other glyphs are left out: a stream in drawing order puts its space
    before a right-to-left word's last letter, and before the "%" of "15%" drawn "%15"."""
    return char.space_before and (direction(char.text) == "L" or char.text.isdigit())
