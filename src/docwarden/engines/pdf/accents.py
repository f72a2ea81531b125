"""Accents drawn as glyphs of their own over (or under) a letter, put back on it.

TeX's `\\accent`, which LaTeX uses for every accented letter in its default OT1
font encoding, draws the accent and the letter as two glyphs at one place: the
text layer reads "G¨odel", "caf´e", "na¨ıve" (a dotless i under the dots), and a
word is then neither found nor matched.  An accent glyph whose box covers most
of a letter's on the same line is that letter's combining mark: "Gödel", "café",
"naïve".  An accent standing alone (a caret in code, a quoted `´`) covers no
letter and stays.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from docwarden.engines.pdf.layout import Char

# Spacing accents (as fonts map them) and the combining marks they stand for.
COMBINING = {
    "\u00b4": "\u0301", "`": "\u0300", "\u02c6": "\u0302", "^": "\u0302", "\u02dc": "\u0303",
    "~": "\u0303", "\u00a8": "\u0308", "\u00af": "\u0304", "\u02c9": "\u0304",
    "\u02d8": "\u0306", "\u02d9": "\u0307", "\u02da": "\u030a", "\u02dd": "\u030b",
    "\u02c7": "\u030c", "\u00b8": "\u0327", "\u02db": "\u0328",
}
BELOW = frozenset({"\u0327", "\u0328"})  # cedilla, ogonek: under the letter
DOTLESS = {"\u0131": "i", "\u0237": "j"}  # TeX sets an accent over i and j without the dot
COVER_SHARE = 0.5  # of the narrower box's width, shared by accent and letter
# Chars either side searched for the letter: TeX draws a capital's caron after the
# rest of the line ("Dvoˇr´ak, ˇ" for "Čapek, Dvořák").
SEARCH_CHARS = 24


def _covers(accent: Char, letter: Char) -> bool:
    shared_x = min(accent.x1, letter.x1) - max(accent.x0, letter.x0)
    shared_y = min(accent.y1, letter.y1) - max(accent.y0, letter.y0)
    narrower = min(accent.x1 - accent.x0, letter.x1 - letter.x0)
    lower = min(accent.y1 - accent.y0, letter.y1 - letter.y0)
    return narrower > 0 and shared_x >= COVER_SHARE * narrower and shared_y >= 0.5 * lower


def _letter_under(chars: Sequence[Char], index: int, taken: set[int]) -> int | None:
    """The index of the letter the accent at `index` sits on: its neighbours first."""
    accent = chars[index]
    span = range(max(index - SEARCH_CHARS, 0), min(index + SEARCH_CHARS + 1, len(chars)))
    for k in sorted(span, key=lambda k: (abs(k - index), k < index)):
        text = chars[k].text  # "ˆ" and "ˇ" are modifier letters: alphabetic, no base
        if k not in taken and text.isalpha() and text not in COMBINING and _covers(
                accent, chars[k]):
            return k
    return None


def composed(chars: list[Char]) -> list[Char]:
    """The page's chars with each accent glyph merged into the letter it covers."""
    taken: set[int] = set()
    for index, accent in enumerate(chars):
        mark = COMBINING.get(accent.text)
        if mark is None:
            continue
        found = _letter_under(chars, index, taken)
        if found is None:
            continue
        letter = chars[found]
        base = letter.text if mark in BELOW else DOTLESS.get(letter.text, letter.text)
        letter.text = unicodedata.normalize("NFC", base + mark)
        if index < found:  # drawn first: a space or break before it was the word's
            letter.space_before |= accent.space_before
            letter.real_space_before |= accent.real_space_before
            letter.break_before |= accent.break_before
        taken.add(index)
    return [char for index, char in enumerate(chars) if index not in taken] if taken else chars
