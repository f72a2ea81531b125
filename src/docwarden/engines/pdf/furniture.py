"""Page furniture: running headers, footers and page numbers.

A line in the top or bottom margin band, or in a page's first or last row set
apart from its text, is furniture when the same text (digits and a trailing
roman numeral ignored) sits at about the same height on a good share of the
pages, or when it is only a page number; so is a line in the same row, size and
style as such a header (the section's title beside the chapter's), and a header
or footer that quotes the current section's or chapter's title (`\\markright`,
KOMA-Script's clauses, LuaTeX's manual): on two pages or more, at one height, a
margin line in body size repeating a title of that page or an earlier one.
Notes that a listing goes on over a page break ("(continues on next page)") go
too, so that its two parts join again.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from docwarden.engines.pdf.addresses import ADDRESS_RE
from docwarden.engines.pdf.layout import Line, body_pt
from docwarden.engines.pdf.order import Item

MARGIN_FRACTION = 0.12  # top and bottom bands where headers and footers live
# A first or last row set apart is a header or footer only in the page's outer quarter:
# a short contents page's last entry ("3 Results  13") sits mid-page.
EDGE_FRACTION = 0.25
REPEAT_FRACTION = 0.4  # share of pages (alternating left/right headers: about half each)
POSITION_TOLERANCE_PT = 8.0
ATTACHED_GAP = 0.6  # of a line's height: closer to body text than this, it is body text
TITLE_PT = 1.0  # larger than a page's text by this: a title a running header may quote
_ROMAN = r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
PAGE_NUMBER_RE = re.compile(
    rf"^(?:(?:page|p\.|seite)\s*)?[-–(\[]?\s*(?:\d{{1,5}}|(?=[mdclxvi])({_ROMAN}))\s*[-–)\]]?"
    rf"(?:\s*(?:/|of|von)\s*\d{{1,5}})?$|^第\s*\d+\s*页(?:\s*/\s*共\s*\d+\s*页)?$"
    r"|^\d{1,3}[-–]\d{1,4}$",
    re.IGNORECASE,
)
# A date and/or time alone ("12/6/26, 7:52 PM", "2026-12-06 19:52").
STAMP_RE = re.compile(
    r"^(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},?\s*)?(?:\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?)?$",
    re.IGNORECASE,
)
_DIGITS_RE = re.compile(r"\d+")
_NUMBER_ENDS_RE = re.compile(r"^[#.\s]+|[#.\s]+$")
BRACKETED_RE = re.compile(r"^\([^()]{4,60}\)$")
NOTE_REACH = 4  # lines from a page's end or start (past a running header) a note may be
_TRAILING_ROMAN_RE = re.compile(rf"\s(?=[mdclxvi]+$){_ROMAN}$", re.IGNORECASE)


@dataclass(slots=True)
class PageLayout:
    """One converted page: its items in reading order and how its text was read."""

    number: int
    width_pt: float
    height_pt: float
    method: str
    items: list[Item] = field(default_factory=list)
    chars: int = 0


def _zone(line: Line, page: PageLayout) -> str | None:
    if line.y1 <= page.height_pt * MARGIN_FRACTION:
        return "top"
    if line.y0 >= page.height_pt * (1 - MARGIN_FRACTION):
        return "bottom"
    return None


def furniture_key(text: str) -> str:
    """Text with page-dependent parts (numbers) blanked, for comparing across pages."""
    plain = " ".join(text.lower().split())
    return _DIGITS_RE.sub("#", _TRAILING_ROMAN_RE.sub(" #", plain))


def _title_key(text: str) -> str:
    """A title's words without its number or a page number at either end ("8 Nodes",
    "128 Nodes" and "Nodes 129" alike)."""
    return _NUMBER_ENDS_RE.sub("", furniture_key(text))


def is_page_number(text: str) -> bool:
    return bool(PAGE_NUMBER_RE.match(text.strip()))


def _repeated(
    occurrences: list[tuple[int, float, Line]], min_pages: int
) -> list[Line]:
    """Occurrences whose height is shared by at least `min_pages` distinct pages."""
    marked: list[Line] = []
    for _, centre, line in occurrences:
        pages = {p for p, c, _ in occurrences if abs(c - centre) <= POSITION_TOLERANCE_PT}
        if len(pages) >= min_pages:
            marked.append(line)
    return marked


def _attached(line: Line, body: Sequence[Line]) -> bool:
    """The line runs on into the body text at the usual leading: the first (or last) line
    of a paragraph that every page repeats is content, not a running header."""
    return any(
        min(line.x1, other.x1) > max(line.x0, other.x0)
        and abs(line.size_pt - other.size_pt) <= 0.1 * max(line.size_pt, 1.0)
        and max(other.y0 - line.y1, line.y0 - other.y1) < ATTACHED_GAP * line.height
        for other in body)


def is_stamp(text: str) -> bool:
    """A page number, or a date, time or address alone: what a browser prints in margins."""
    plain = text.strip()
    return is_page_number(plain) or bool(STAMP_RE.match(plain) or ADDRESS_RE.match(plain))


def _body_pt(page: PageLayout) -> float:
    """The size most of the page's text is set in."""
    return body_pt(item for item in page.items if isinstance(item, Line))


def _margin_lines(page: PageLayout) -> list[tuple[str, Line]]:
    return [(zone, item) for item in page.items
            if isinstance(item, Line) and (zone := _zone(item, page)) is not None]


def _edge_rows(page: PageLayout) -> list[tuple[str, Line]]:
    """The page's first and last rows when set apart from the text by a line's height
    or more, set no larger than its text and in the page's outer quarter: where a
    running header or footer sits, whatever the page's margins (a chapter's first
    heading is larger)."""
    lines = sorted((item for item in page.items if isinstance(item, Line)),
                   key=lambda ln: ln.y0)
    if len(lines) < 3:
        return []
    body = _body_pt(page)
    rows: list[tuple[str, Line]] = []
    for zone, edge, inner, below in (("top", lines[0], lines, True),
                                     ("bottom", lines[-1], lines[::-1], False)):
        row = [ln for ln in inner if min(ln.y1, edge.y1) - max(ln.y0, edge.y0) > 0]
        rest = [ln for ln in inner if ln not in row]
        if not rest:
            continue
        gap = (min(ln.y0 for ln in rest) - max(ln.y1 for ln in row) if below
               else min(ln.y0 for ln in row) - max(ln.y1 for ln in rest))
        outer = (edge.y1 <= EDGE_FRACTION * page.height_pt if below
                 else edge.y0 >= (1 - EDGE_FRACTION) * page.height_pt)
        if (outer and gap >= max(ln.height for ln in row)
                and max(ln.size_pt for ln in row) <= body + 0.5):
            rows += [(zone, ln) for ln in row]
    return rows


def _in_row_of(line: Line, other: Line) -> bool:
    """`line` shares most of its height with `other`: set in its row."""
    return min(other.y1, line.y1) - max(other.y0, line.y0) > 0.5 * line.height


def _stamped_rows(margin: list[tuple[str, Line]]) -> set[int]:
    """Margin lines that are stamps, and the small lines sharing a row with one (a
    browser's header: the date, then the page title, in one small font).  A line under
    half a stamp's size is no part of it: a letterhead's sender beside its logo "M"."""
    stamps = [line for _, line in margin if is_stamp(line.text)]
    doomed = {id(line) for line in stamps}
    for _, line in margin:
        if any(_in_row_of(line, s) and s.size_pt / 2 <= line.size_pt <= s.size_pt + 0.5
               for s in stamps):
            doomed.add(id(line))
    return doomed


def _row_mates(rows: list[list[Line]], doomed: set[int]) -> set[int]:
    """Margin lines set in one row with a running header, in its size and style: the
    header's other half (the section's title beside the chapter's, which changes)."""
    mates: set[int] = set()
    for lines in rows:
        heads = [line for line in lines if id(line) in doomed]
        mates.update(id(line) for line in lines if any(
            _in_row_of(line, h) and abs(h.size_pt - line.size_pt) < 0.5
            and h.styled == line.styled for h in heads))
    return mates


def _quoting_headers(pages: Sequence[PageLayout], loose: list[list[Line]]
                     ) -> list[tuple[int, float, Line]]:
    """Of each page's `loose` margin lines (set apart from its text), those in body size
    repeating a title (a line set clearly larger than its page's text) of their page
    or an earlier one: a running header or footer naming the current section or
    chapter (LuaTeX's manual: "128 Nodes", "Nodes 129" at the foot of chapter 8's
    pages had been headings).  Body text repeated (a syntax line, a default value) is
    no title."""
    titles: set[str] = set()
    found: list[tuple[int, float, Line]] = []
    for index, (page, candidates) in enumerate(zip(pages, loose, strict=True)):
        lines = [item for item in page.items if isinstance(item, Line)]
        if not lines:
            continue
        size = _body_pt(page)
        titles.update(_title_key(text) for text in _titles(lines, size))
        found += [(index, (ln.y0 + ln.y1) / 2, ln) for ln in candidates
                  if _zone(ln, page) is not None and ln.size_pt <= size + 0.5
                  and _title_key(ln.text) in titles - {""}]
    return found


def _titles(lines: Sequence[Line], page_body_pt: float) -> list[str]:
    """The page's lines set clearly larger than its text, and each run of them in one
    size joined (a chapter's title wrapped over two lines)."""
    large = [ln for ln in lines if ln.size_pt > page_body_pt + TITLE_PT]
    runs: list[list[Line]] = []
    for ln in sorted(large, key=lambda ln: ln.y0):
        last = runs[-1][-1] if runs else None
        if last is not None and abs(last.size_pt - ln.size_pt) < 0.5 and (
                0 <= ln.y0 - last.y1 < last.height):
            runs[-1].append(ln)
        else:
            runs.append([ln])
    return [ln.text for ln in large] + [" ".join(ln.text for ln in run) for run in runs]


def drop_furniture(pages: Sequence[PageLayout]) -> int:
    """Remove headers, footers and page numbers in place; returns how many lines went."""
    by_key: dict[tuple[str, str], list[tuple[int, float, Line]]] = defaultdict(list)
    doomed: set[int] = set()
    rows: list[list[Line]] = []  # each page's margin and edge lines
    loose: list[list[Line]] = []  # ... those set apart from its text
    for index, page in enumerate(pages):
        margin = _margin_lines(page)
        margin += [(zone, line) for zone, line in _edge_rows(page)
                   if all(line is not other for _, other in margin)]
        stamped = _stamped_rows(margin)
        doomed |= stamped
        in_margin = {id(line) for _, line in margin}
        body = [item for item in page.items
                if isinstance(item, Line) and id(item) not in in_margin]
        rows.append([line for _, line in margin])
        apart = [(zone, item) for zone, item in margin if not _attached(item, body)]
        loose.append([item for _, item in apart])
        for zone, item in apart:
            if id(item) not in stamped:
                by_key[(zone, furniture_key(item.text))].append(
                    (index, (item.y0 + item.y1) / 2, item))
    min_pages = max(2, math.ceil(REPEAT_FRACTION * len(pages)))
    doomed.update(id(line) for line in _repeated(_quoting_headers(pages, loose), 2))
    for occurrences in by_key.values():
        if len({p for p, _, _ in occurrences}) >= min_pages:
            doomed.update(id(line) for line in _repeated(occurrences, min_pages))
    doomed |= _row_mates(rows, doomed)
    doomed |= _continuation_notes(pages, doomed)
    for page in pages:
        page.items = [item for item in page.items if id(item) not in doomed]
    return len(doomed)


def _continuation_notes(pages: Sequence[PageLayout], doomed: set[int]) -> set[int]:
    """Sphinx's notes on a listing a page break cuts: "(continues on next page)" after
    the page's last code line, "(continued from previous page)" before the next page's
    first, each in brackets and smaller than the text (in the document's language).
    Only such a pair around a page break counts, the `doomed` running headers and
    footers set aside."""
    kept = [[item for item in page.items if isinstance(item, Line) and id(item) not in doomed]
            for page in pages]
    notes: set[int] = set()
    for lines, following in itertools.pairwise(kept):
        ends, starts = lines[-NOTE_REACH:], following[:NOTE_REACH]
        below = next((note for code, note in itertools.pairwise(ends)
                      if code.mono and _bracketed_note(note, lines)), None)
        above = next((note for note, code in itertools.pairwise(starts)
                      if code.mono and _bracketed_note(note, following)), None)
        if below is not None and above is not None:
            notes |= {id(below), id(above)}
    return notes


def _bracketed_note(line: Line, page_lines: Sequence[Line]) -> bool:
    """A line wholly in brackets, set smaller than its page's text (measured only then)."""
    return (not line.mono and bool(BRACKETED_RE.match(line.text))
            and line.size_pt < body_pt(page_lines))
