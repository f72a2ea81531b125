"""Right-to-left text: logical order of one line's characters from their positions.

PDF producers store Arabic and Hebrew in visual order, in logical order, or
(pdfium reordering per text object) something in between, so the stream order
is not trusted.  The glyph boxes are: a line is read right to left when most
of its strong characters are right-to-left, and inside it each run of
left-to-right text (Latin words, numbers, with the punctuation between them)
is read left to right, kept whole.  This is the inverse of the Unicode bidi
algorithm for the common case of one embedding level on each side.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

RTL_CLASSES = frozenset({"R", "AL"})
LTR_CLASSES = frozenset({"L", "EN", "AN"})  # numbers are laid out left to right
# Arabic presentation forms (shaped glyphs some fonts map to): NFKC gives the letters.
PRESENTATION_RANGES = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


class Glyph(Protocol):
    """What reordering needs of a character: its text and horizontal extent."""

    @property
    def text(self) -> str: ...

    @property
    def x0(self) -> float: ...

    @property
    def x1(self) -> float: ...


G = TypeVar("G", bound=Glyph)


def direction(text: str) -> str:
    """"R" for right-to-left, "L" for left-to-right, "N" for neither (digits, punctuation)."""
    kind = unicodedata.bidirectional(text[:1]) if text else ""
    if kind in RTL_CLASSES:
        return "R"
    if kind in LTR_CLASSES:
        return "L"
    return "N"


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in RTL_CLASSES for ch in text)


def is_rtl_line(text: str) -> bool:
    """Most strong characters are right-to-left (the line's base direction)."""
    rtl = sum(1 for ch in text if unicodedata.bidirectional(ch) in RTL_CLASSES)
    ltr = sum(1 for ch in text if unicodedata.bidirectional(ch) == "L")
    return rtl > 0 and rtl >= ltr


def _reverse_runs(glyphs: list[G], inside: Callable[[str], bool]) -> list[G]:
    """Reverse each maximal run of glyphs for which `inside` holds (neutrals between joined)."""
    kinds = [direction(g.text) for g in glyphs]
    out: list[G] = []
    i = 0
    while i < len(glyphs):
        if not inside(kinds[i]):
            out.append(glyphs[i])
            i += 1
            continue
        j = i
        while j + 1 < len(glyphs):
            k = j + 1
            while k < len(glyphs) and kinds[k] == "N":
                k += 1
            if k < len(glyphs) and inside(kinds[k]):
                j = k
            else:
                break
        out.extend(reversed(glyphs[i:j + 1]))
        i = j + 1
    return out


def logical_order(glyphs: Sequence[G]) -> list[G]:
    """One line's glyphs in reading order, from their boxes."""
    visual = sorted(glyphs, key=lambda g: (g.x0 + g.x1) / 2)
    if is_rtl_line("".join(g.text for g in glyphs)):
        return _reverse_runs(visual[::-1], lambda kind: kind == "L")
    return _reverse_runs(visual, lambda kind: kind == "R")


def unshape(text: str) -> str:
    """Arabic presentation-form glyphs back to plain letters (other text untouched)."""
    if not any(lo <= ord(ch) <= hi for ch in text for lo, hi in PRESENTATION_RANGES):
        return text
    return "".join(
        unicodedata.normalize("NFKC", ch)
        if any(lo <= ord(ch) <= hi for lo, hi in PRESENTATION_RANGES) else ch
        for ch in text
    )


def _visual_runs_reversed(text: str) -> str:
    """A left-to-right-only cell of a right-to-left table in logical order.

    Under a right-to-left base direction a number and the word beside it are
    separate runs laid out right to left ("240 ms" shows as "ms 240"), while
    words stay one run; so runs (words together, each number alone) are reversed.
    """
    runs: list[list[str]] = []
    for token in text.split():
        wordy = any(ch.isalpha() for ch in token)
        if wordy and runs and any(ch.isalpha() for ch in runs[-1][0]):
            runs[-1].append(token)
        else:
            runs.append([token])
    return " ".join(" ".join(run) for run in reversed(runs))


def reading_columns(rows: list[list[str]]) -> list[list[str]]:
    """A table's rows with columns in reading order: right to left in Arabic or Hebrew."""
    if not is_rtl_line(" ".join(cell for row in rows for cell in row)):
        return rows
    return [[cell if has_rtl(cell) else _visual_runs_reversed(cell) for cell in reversed(row)]
            for row in rows]
