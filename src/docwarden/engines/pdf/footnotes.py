"""Footnotes: a raised number after a word that a note on the same page answers.

pdfLaTeX, Word (through LibreOffice) and WeasyPrint set a footnote's mark as a
smaller glyph raised off the baseline, in the text and again before the note at
the page's foot; Typst draws the font's superscript figure (textlayer.py).  Read
as plain text the mark ran into its word ("day1") and the notes into each other
("1Measured ... 2Two-core ...").  A raised small digit is also how a power is set
("mc2"), so a mark becomes a footnote only when the page answers it: a line
further down starts with the same raised mark.  Matched marks are written as
Markdown footnotes (`day[^1]`, `[^1]: Measured ...`; markdown.py sets a page's
notes after its text); any other raised mark is read as before, its glyphs in
place.  WeasyPrint's notes start "1." on the baseline, like a list item: such
lines are notes when they pair up, in order, with the page's raised references
(`_plain_heads`).

While lines are built (layout.py, lines.py) a raised mark is held between two
sentinels; `resolve` replaces every sentinel on the page.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

# Unicode's noncharacters, for a program's own use: no text layer holds them
# (textlayer.py reads one as an unmapped glyph), where a private-use sentinel would
# meet a symbol font's glyphs.
MARK_OPEN, MARK_CLOSE = "\ufdd0", "\ufdd1"
# U+FFFC: a glyph without a Unicode mapping (layout.UNMAPPED), such as pdfTeX's "∗" and
# "†" from cmsy, the marks of LaTeX's \thanks; inside a mark it becomes UNKNOWN_MARK.
MARK_GLYPHS = frozenset("0123456789*∗†‡§¶\ufffc")
UNKNOWN_MARK = "\ufdd2"
# A raised small letter labels an affiliation ("aUniversity of Lisbon", elsarticle) or ends
# an ordinal ("1st"): held apart like a mark, never a footnote's label.
LABEL_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
# LaTeX's \fnsymbol order: the names unknown marks take when they pair up (resolve).
SYMBOLS = ("∗", "†", "‡", "§", "¶", "‖", "∗∗", "††", "‡‡")
# A mark is at most this share of the size of the text it is set beside (LaTeX 7/10 pt,
# Word 7/12, WeasyPrint's "super" 10.7/12) ...
MARK_MAX_SHARE = 0.92
# ... and its box's foot this far (in that text's ems) above the text's foot.
MARK_RAISE_EM = 0.2
MARKED_RE = re.compile(f"{MARK_OPEN}([^{MARK_CLOSE}]*){MARK_CLOSE}")
# A reference is glued to the end of the word or sign it follows ("day1", "servers,2");
# a raised number before a word is something else (scrjura's sentence numbers).
REFERENCE_RE = re.compile(f"(?<=\\S){MARKED_RE.pattern}(?![^\\W\\d_])")
NOTE_MARK_RE = re.compile(f"^{MARK_OPEN}([^{MARK_CLOSE}]+){MARK_CLOSE}\\s*")
PLAIN_HEAD_RE = re.compile(r"^(\d{1,3})\.\s+(?=\S)")  # WeasyPrint's note: "1. Measured ..."
# What `resolve` writes: a note's first line and a reference to one.
NOTE_START_RE = re.compile(r"^\[\^([^\]\s]+)\]: ")
NOTE_LABEL_RE = re.compile(r"\[\^([^\]\s]+)\]")


class Glyph(Protocol):
    """What a mark is measured by: a char (layout.Char) or a fragment (layout.Line)."""

    text: str
    y1: float
    size_pt: float


class MarkGlyph(Glyph, Protocol):
    """A char, which may be drawn as a superscript figure (layout.Char)."""

    superscript: bool


class Lined(Protocol):
    """A line whose text `resolve` may rewrite (layout.Line)."""

    text: str
    y0: float


def raised(mark: Glyph, beside: Glyph) -> bool:
    """`mark` is set smaller than `beside` and raised off its baseline."""
    size = beside.size_pt
    return mark.size_pt <= MARK_MAX_SHARE * size and beside.y1 - mark.y1 >= MARK_RAISE_EM * size


def is_mark_text(text: str) -> bool:
    return bool(text) and all(ch in MARK_GLYPHS for ch in text)


def may_mark(text: str) -> bool:
    """A glyph a raised mark may be made of (a footnote's, or a label's letter)."""
    return text in MARK_GLYPHS or text in LABEL_LETTERS


def raised_marks(chars: Sequence[MarkGlyph]) -> list[bool]:
    """Whether each char (a fragment's, in reading order) is a raised mark's glyph: a
    superscript figure, or a mark glyph raised beside the nearest clearly larger char,
    before it or else after."""
    flags = [char.superscript for char in chars]
    largest = max((c.size_pt for c in chars), default=0.0)
    for i, char in enumerate(chars):
        if may_mark(char.text) and char.size_pt <= MARK_MAX_SHARE * largest:
            beside = _larger_near(chars, i)
            flags[i] = flags[i] or (beside is not None and raised(char, beside))
    return flags


def _larger_near(chars: Sequence[MarkGlyph], i: int) -> MarkGlyph | None:
    limit = chars[i].size_pt / MARK_MAX_SHARE
    for j in itertools.chain(range(i - 1, -1, -1), range(i + 1, len(chars))):
        if chars[j].size_pt >= limit:
            return chars[j]
    return None


def wrap(text: str) -> str:
    """A raised mark's glyphs between the sentinels."""
    return f"{MARK_OPEN}{text}{MARK_CLOSE}"


def resolve(lines: Iterable[Lined]) -> None:
    """Rewrite one page's marked lines: the first reference to a mark that a lower line
    answers becomes a footnote reference, that line its note; every other mark is plain
    text again (a power set like the note's number further down: "mc2")."""
    page = list(lines)
    marked = [line for line in page if MARK_OPEN in line.text]
    if not marked:
        return
    _plain_heads(page, marked)
    marked = [line for line in page if MARK_OPEN in line.text]
    _name_unknown(marked)
    first: dict[str, tuple[int, int]] = {}  # label -> (line, offset) of its first reference
    for index, line in enumerate(marked):
        for ref in REFERENCE_RE.finditer(line.text):
            first.setdefault(ref.group(1), (index, ref.start()))
    answered = {
        note.group(1) for line in marked if (note := NOTE_MARK_RE.match(line.text))
        and note.group(1) in first and marked[first[note.group(1)][0]].y0 < line.y0
        and not _unknown(note.group(1)) and not any(ch.isalpha() for ch in note.group(1))
    }
    for index, line in enumerate(marked):
        refs = {offset for label, (at, offset) in first.items()
                if at == index and label in answered}
        line.text = _rewritten(line.text, answered, refs)


def _plain_heads(page: Sequence[Lined], marked: Sequence[Lined]) -> None:
    """Lines opening "1. ", "2. " on the baseline below every raised reference, whose
    numbers are those references' labels in the same order, one each: WeasyPrint's
    notes; their numbers are marked as the other producers' raised ones are."""
    refs: list[str] = []
    for line in marked:
        refs += [m.group(1) for m in REFERENCE_RE.finditer(line.text)
                 if m.group(1).isdigit() and m.group(1) not in refs]
    lowest = max(line.y0 for line in marked if REFERENCE_RE.search(line.text)) if refs else 0.0
    heads = [(line, head) for line in page if line.y0 > lowest
             and (head := PLAIN_HEAD_RE.match(line.text))]
    if not refs or [head.group(1) for _, head in heads] != refs:
        return
    for line, head in heads:
        line.text = wrap(head.group(1)) + line.text[head.end():]


def _unknown(label: str) -> bool:
    return set(label) == {UNKNOWN_MARK}


def _name_unknown(lines: Sequence[Lined]) -> None:
    """Unknown marks named in LaTeX's symbol order when the page's references to them and
    its notes opened by them pair up one to one, both taken top down."""
    refs = sum(_unknown(m.group(1)) for line in lines for m in REFERENCE_RE.finditer(line.text))
    heads = [note.end() if (note := NOTE_MARK_RE.match(line.text)) and _unknown(note.group(1))
             else 0 for line in lines]
    if not refs or refs != sum(end > 0 for end in heads) or refs > len(SYMBOLS):
        return
    ref_names, note_names = iter(SYMBOLS), iter(SYMBOLS)
    for line, head in zip(lines, heads, strict=True):
        if head:
            line.text = wrap(next(note_names)) + line.text[head:]
        line.text = REFERENCE_RE.sub(
            lambda m: wrap(next(ref_names)) if _unknown(m.group(1)) else m.group(0), line.text)


def _rewritten(text: str, answered: set[str], refs: set[int]) -> str:
    """`text` with its references at offsets `refs` and an answered note's mark written
    as Markdown footnotes, every other mark's sentinels dropped."""
    text = REFERENCE_RE.sub(lambda m: f"[^{m.group(1)}]" if m.start() in refs else m.group(0),
                            text)
    note = NOTE_MARK_RE.match(text)
    if note is not None and note.group(1) in answered:
        text = f"[^{note.group(1)}]: {text[note.end():]}"
    return MARKED_RE.sub(lambda m: _restored(m, text), text).replace(UNKNOWN_MARK, "")


def _restored(mark: re.Match[str], text: str) -> str:
    """An unanswered mark's glyphs in place, a space after one that opens a word before
    a capital ("a University of Lisbon", scrjura's "2 Dieser"), where it had run in."""
    start, end, label = mark.start(), mark.end(), mark.group(1)
    opens_word = start == 0 or text[start - 1].isspace()
    spaced = opens_word and text[end:end + 1].isupper() and not _unknown(label)
    return f"{label} " if spaced else label  # an unknown glyph is dropped, and its space


def unique_labels(pages: Sequence[Iterable[str]]) -> list[dict[str, str]]:
    """For each page's line texts, new names for its notes' labels that an earlier page
    used: numbering that starts again (a chapter, a page of symbols) goes on "1-2"."""
    used: set[str] = set()
    names: list[dict[str, str]] = []
    for texts in pages:
        renamed: dict[str, str] = {}
        for label in sorted({m.group(1) for text in texts if (m := NOTE_START_RE.match(text))}):
            new, count = label, 1
            while new in used:
                count += 1
                new = f"{label}-{count}"
            used.add(new)
            if new != label:
                renamed[label] = new
        names.append(renamed)
    return names


def relabelled(text: str, names: dict[str, str]) -> str:
    """`text` with its note labels renamed (unique_labels)."""
    if not names or "[^" not in text:
        return text
    return NOTE_LABEL_RE.sub(lambda m: f"[^{names.get(m.group(1), m.group(1))}]", text)
