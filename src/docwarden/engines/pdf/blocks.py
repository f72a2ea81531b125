"""Lines of a page grouped into blocks: paragraphs, list items, code and tables.

A line continues the paragraph above it when it has the same size and style,
follows at the usual line gap and is not indented past the paragraph's edge
(measured from the right on right-to-left pages, and within the line's own
column: a paragraph cut by a column end goes on at the top of the next one).
Lines in a monospaced font become code blocks, unless one reads as prose and
runs on from the paragraph above (field names set in typewriter type filling a
line of a manual's sentence); list markers start items, and a footnote's mark
(footnotes.py) starts a note.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from docwarden.engines.pdf.addresses import ADDRESS_RE
from docwarden.engines.pdf.bidi import is_rtl_line
from docwarden.engines.pdf.figures import Figure
from docwarden.engines.pdf.footnotes import NOTE_START_RE
from docwarden.engines.pdf.layout import (
    BULLET_GLYPHS,
    SENTENCE_END,
    SOFT_HYPHEN,
    Line,
    runs_on,
    same_row,
)
from docwarden.engines.pdf.tables import Table

MIN_WRAPS = 3  # full lines a page needs for their gaps to set the usual one
NEXT_ROW_EM = 0.5  # a line whose top is this far below another's is on a later row
PARA_GAP_EM = 0.4  # extra vertical gap (beyond the usual leading) that ends a paragraph
INDENT_EM = 1.0
RAGGED_EM = 0.5  # short lines whose right ends lie this close are set flush right
OUTDENT_EM = 2.5  # a line set further out than a paragraph's indent (1-2 em) starts a block
TYPESET_BULLET_RE = re.compile(rf"^[{BULLET_GLYPHS}]\s")  # no code starts so: a list item
BULLET_RE = re.compile(rf"^(?:[{BULLET_GLYPHS}·]\s*|[-–—*]\s+)(?P<rest>\S.*)$")
# "1." "1)" "(1)" and "a." "a)" "(a)"; an opening bracket needs its closing one ("(p. 15)
# describes ..." wrapped to a line's start is no item).
NUMBER_RE = re.compile(r"^(?P<open>\()?(?P<num>\d{1,3})(?(open)\)|[.)])\s+(?P<rest>\S.*)$")
# "1 Item" with no full stop: a list item only in a run counting up (`counted_items`).
COUNTED_RE = re.compile(r"^(?P<num>\d{1,3})\s+(?P<rest>\S.*)$")
MIN_COUNTED_FROM_ANY = 3  # a run not starting at 1 (a list a page break cut) needs this many
COUNTED_TEXT_EM = 4.0  # an item's wrapped line starts under its text, this near its number
LETTER_RE = re.compile(r"^(?P<mark>(?P<open>\()?[a-z](?(open)\)|[.)]))\s+(?P<rest>\S.*)$")
# Code has assignments, braces, quotes, escapes, calls or comparisons; prose does not.
CODE_MARK_RE = re.compile(r'[=<>{}\\"`;|]|\w\(|^\s*(?:#|//|\$)')
# A function named in a sentence ("functions inflateInit(), inflate(), and
# inflateEnd()."): empty brackets before a space, comma or full stop call nothing.
NAMED_FUNCTION_RE = re.compile(r"\w\(\)(?=[\s,.:]|$)")
PROSE_MIN_WORDS = 4
MAX_CODE_TITLE_CHARS = 40
LIST_GAP_SLACK_EM = 0.25
FULL_LINE_SHARE = 0.85  # of the column's width: a full line of a paragraph
PROSE_MIN_LOWER = 0.5  # of its letters: keywords in capitals (SQL) are code


@dataclass(slots=True)
class Block:
    """A heading, paragraph, list item, footnote, code, table or figure, before rendering."""

    kind: str
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    marker: str = ""
    table: Table | None = None
    figure: Figure | None = None


def list_marker(text: str) -> tuple[str, str] | None:
    """(Markdown marker, rest of the text) when the line starts a list item."""
    if match := BULLET_RE.match(text):
        return "-", match.group("rest")
    if match := NUMBER_RE.match(text):
        return f"{int(match.group('num'))}.", match.group("rest")
    if match := LETTER_RE.match(text):
        return "-", f"{match.group('mark')} {match.group('rest')}"
    return None


def counted_marker(text: str, marker: str) -> tuple[str, str] | None:
    """(marker, rest) of an item `counted_items` made: its bare number is the marker's."""
    match = COUNTED_RE.match(text)
    if match and f"{int(match.group('num'))}." == marker:
        return marker, match.group("rest")
    return None


def counted_items(lines: Sequence[Line]) -> list[Block] | None:
    """Lines that count up at one left edge ("1 Issue ...", "2 Early ..."), any other
    line set a little further in (an item's wrapped text), as items; None if they do
    not (a contents page's page numbers and names sit far to the right)."""
    first = lines[0] if lines else None
    start = COUNTED_RE.match(first.text) if first is not None else None
    if first is None or start is None or is_rtl_line(first.text):
        return None
    em = max(first.size_pt, 1.0)
    number = int(start.group("num"))
    items: list[Block] = []
    for line in lines:
        match = COUNTED_RE.match(line.text)
        if match and int(match.group("num")) == number and abs(line.x0 - first.x0) <= 0.3 * em:
            items.append(Block("item", [line], marker=f"{number}."))
            number += 1
        elif first.x0 + 0.5 * em < line.x0 <= first.x0 + COUNTED_TEXT_EM * em:
            items[-1].lines.append(line)
        else:
            return None
    return items


def _enough(items: Sequence[Block]) -> bool:
    return len(items) >= (2 if items[0].marker == "1." else MIN_COUNTED_FROM_ANY)


def split_counted_lists(blocks: list[Block]) -> None:
    """Paragraphs that are a numbered list set without full stops (ReportLab's bare
    numbers, which had run into one paragraph) become its items, in place.  The list
    may span several: a wrapped item's indented line had started a paragraph."""
    index = 0
    while index < len(blocks):
        items, end = None, index
        while end < len(blocks) and blocks[end].kind == "para":
            run = counted_items([ln for block in blocks[index:end + 1] for ln in block.lines])
            if run is None:
                break
            end += 1
            if _enough(run):
                items = run
        if items is None:
            index += 1
            continue
        blocks[index:end] = items
        index += len(items)


def code_titles(blocks: list[Block]) -> None:
    """A lone bold line in typewriter type between prose, over text that starts where it
    does, is a title set in code ("### `bfloat16`" printed from a README), no listing:
    it becomes a paragraph for the heading rules to judge.  A manual's term over its
    indented description, and a bold keyword beside a listing, stay code."""
    for index, block in enumerate(blocks):
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        before = blocks[index - 1] if index else None
        if (block.kind != "code" or len(block.lines) != 1 or after is None
                or after.kind not in ("para", "item") or (before and before.kind == "code")):
            continue
        title, text = block.lines[0], block.lines[0].text
        if (title.bold and len(text) <= MAX_CODE_TITLE_CHARS and not CODE_MARK_RE.search(text)
                and abs(after.lines[0].x0 - title.x0) <= INDENT_EM * title.size_pt):
            block.kind = "para"


def _fills(width: float, column_width: float) -> bool:
    """A line (or an item's reach) this wide fills its column: a paragraph's full line,
    which wraps.  Without a column's width nothing does."""
    return column_width > 0 and width >= FULL_LINE_SHARE * column_width


def _line_gap(items: Sequence[Line], column_width: float) -> float:
    """The usual gap between consecutive lines of one paragraph on this page: below a
    full line, which wraps, when there are a few (a page of one-line paragraphs and
    listings had the gap between paragraphs for its usual one) and set in the text's
    face (a listing's lines may overlap), else below any line.
    Only a line a row below the last counts (the loose cells of a table's row, a
    run-in heading and its text, had made the usual gap negative)."""
    pairs = [
        (a, b.y0 - a.y1) for a, b in itertools.pairwise(items)
        if abs(a.size_pt - b.size_pt) < 0.5 and -a.size_pt < b.y0 - a.y1 < a.size_pt
        and b.y0 - a.y0 >= NEXT_ROW_EM * a.size_pt
    ]
    wraps = [gap for a, gap in pairs if _fills(a.width, column_width) and not a.mono]
    gaps = wraps if len(wraps) >= MIN_WRAPS else [gap for _, gap in pairs]
    return statistics.median(gaps) if gaps else 0.0


class Grouper:
    """Groups one page's ordered lines into blocks."""

    def __init__(self, lines: Sequence[Line], typed: bool = True) -> None:
        self.typed = typed  # lines with their fonts, not OCR's (where code has no face)
        widths = sorted(ln.width for ln in lines if len(ln.text) >= 20)
        self.column_width = widths[int(0.9 * (len(widths) - 1))] if widths else 0.0
        self.usual_gap = _line_gap(lines, self.column_width)
        self.blocks: list[Block] = []

    def add(self, item: Line | Table | Figure) -> None:
        if isinstance(item, Table):
            self.blocks.append(Block("table", table=item))
            return
        if isinstance(item, Figure):
            self.blocks.append(Block("figure", figure=item))
            return
        last = self._open_block(item)
        if item.mono and last is not None and self._prose_runs_on(last, item):
            last.lines.append(item)
            return
        if item.mono and not (TYPESET_BULLET_RE.match(item.text) or ADDRESS_RE.match(
                item.text)):
            if last is not None and last.kind == "code" and self._code_continues(last, item):
                last.lines.append(item)
            else:
                self.blocks.append(Block("code", [item]))
            return
        if NOTE_START_RE.match(item.text):
            self.blocks.append(Block("note", [item]))
            return
        marker = list_marker(item.text)
        if last is not None and marker is None and self._continues(last, item):
            last.lines.append(item)
        elif marker is not None:
            self.blocks.append(Block("item", [item], marker=marker[0]))
        else:
            self.blocks.append(Block("para", [item]))

    def _open_block(self, line: Line) -> Block | None:
        """The block `line` may continue: the last one, or past the footnotes that end a
        column the last one before them (a paragraph goes on at the next column's top)."""
        if not self.blocks:
            return None
        last = self.blocks[-1]
        if last.kind != "note" or self._continues(last, line):
            return last
        return next((block for block in reversed(self.blocks) if block.kind != "note"), None)

    def _prose_runs_on(self, block: Block, line: Line) -> bool:
        """A typewriter line that carries on the sentence of the paragraph above, whose
        last line is full (a bold heading over code in bold keywords is no sentence)."""
        text = line.text
        letters = [ch for ch in text if ch.isalpha()]
        return (
            block.kind in ("para", "item") and not block.lines[-1].text.endswith(":")
            and self._full_run_on(block.lines[-1], line)
            and len(text.split()) >= PROSE_MIN_WORDS
            and not CODE_MARK_RE.search(NAMED_FUNCTION_RE.sub("", text))
            and sum(ch.islower() for ch in letters) >= PROSE_MIN_LOWER * max(len(letters), 1)
            and self._continues(block, line)
        )

    def _past_list(self, block: Block, line: Line) -> bool:
        """`line` follows the list's last item further off than the items follow each
        other: the next paragraph (its first-line indent can look like an item's)."""
        before = self.blocks[-2] if len(self.blocks) >= 2 and self.blocks[-1] is block else None
        if before is None or before.kind != "item":
            return False
        item_gap = block.lines[0].y0 - before.lines[-1].y1
        gap = line.y0 - block.lines[-1].y1
        return 0 <= item_gap < gap - LIST_GAP_SLACK_EM * line.size_pt

    def _full_run_on(self, prev: Line, line: Line) -> bool:
        """A full line whose sentence runs on: a change of style after it is a phrase set
        in italics or bold that fills most of a line or ends the paragraph, no heading
        (a heading is short or ends)."""
        return _fills(prev.width, self.column_width) and not prev.text.endswith(SENTENCE_END)

    def _code_continues(self, block: Block, line: Line) -> bool:
        prev = block.lines[-1]
        gap = line.y0 - prev.y1
        return same_row(prev, line) or -0.6 * prev.size_pt < gap < 3 * prev.size_pt

    def _continues(self, block: Block, line: Line) -> bool:
        if block.kind in ("table", "figure", "code"):
            return False
        prev = block.lines[-1]
        em = max(prev.size_pt, 1.0)
        if abs(line.size_pt - prev.size_pt) > 0.12 * em:
            return False
        if line.styled != prev.styled and block.kind != "item" and not self._full_run_on(
                prev, line):
            return False
        if _next_column(prev, line):
            return block.kind == "para" and runs_on(prev.text, line.text)
        gap = line.y0 - prev.y1
        if gap < -0.6 * em or gap > self.usual_gap + PARA_GAP_EM * em:
            return False
        # Right-to-left paragraphs are aligned right: measure from the right edge.
        flip = -1.0 if is_rtl_line(prev.text) else 1.0

        def start(ln: Line) -> float:
            return ln.x0 if flip > 0 else -ln.x1

        def end(ln: Line) -> float:
            return ln.x1 if flip > 0 else -ln.x0

        # The block's lines in this column (a paragraph may have begun in the last one).
        column = [ln for ln in block.lines if ln.x0 < line.x1 and ln.x1 > line.x0]
        if not column:
            return False
        left = min(start(ln) for ln in column)
        right = max(end(ln) for ln in column)
        if block.kind == "item":
            first = start(block.lines[0])
            flush = any(abs(start(ln) - first) <= 0.3 * em for ln in block.lines[1:])
            if start(line) > first + 0.3 * em:  # under the item's text: a hanging indent,
                # unless the item wraps to its number's edge: then a paragraph's indent
                return not flush and not self._past_list(block, line)
            return self._wraps_to_marker(prev, start(line) - first, end(prev) - first, em)
        settled = len(column) >= 2 or len(column) < len(block.lines)
        if self._leaves_edge(settled, left, start(prev), start(line), prev, line):
            return False
        short = end(prev) < right - 0.15 * (right - left)
        return not (settled and short and prev.text.endswith(SENTENCE_END))

    def _leaves_edge(self, settled: bool, left: float, prev_start: float, line_start: float,
                     prev: Line, line: Line) -> bool:
        """`line` starts off the paragraph's edge.  Past a paragraph's first line (which
        may be indented) the column's edges hold, or the edge its second line set (a
        hanging indent); a line set further out than an indent starts a block (a man
        page's next section name).  Under a short first line a line set further in is
        no wrap either: a man page's section name over its text, a subsection's over
        its first option ("OPTIONS" / "Generic Program Information"); not on a scan,
        where no typeface tells code (a loop's first line over its body).  Centred
        lines keep together however their ends fall, as do a short first line and the
        next set flush right with it (a cover's authors)."""
        em = max(prev.size_pt, 1.0)
        shift, reach = line.x0 - prev.x0, line.x1 - prev.x1
        short = self.column_width > 0 and not _fills(prev.width, self.column_width)
        if (abs(shift) > INDENT_EM * em and abs(shift + reach) <= em) or (
                short and abs(reach) <= RAGGED_EM * em):  # centred, or flush right
            return False
        if settled:
            return (line_start > left + INDENT_EM * em and abs(line_start - prev_start) > 1
                    ) or line_start < left - OUTDENT_EM * em
        return self.typed and short and line_start > prev_start + INDENT_EM * em

    def _wraps_to_marker(self, prev: Line, indent: float, reach: float, em: float) -> bool:
        """A numbered paragraph wrapping back to its number's edge, not under its text
        (legal clauses: "(1) The name ... is" / "not registered ..."): the next line
        starts where the item does (`indent` from it), the item's last line reaches
        across the column (`reach` from the item's start) and its sentence runs on.
        A paragraph after a list starts past a line that ends one.  A line broken at a
        hyphen runs on however short (a long URL wrapped at its "-")."""
        return (self.column_width > 0 and abs(indent) <= 0.3 * em
                and (_fills(reach, self.column_width) or prev.text.endswith((SOFT_HYPHEN, "-")))
                and not prev.text.rstrip().endswith(SENTENCE_END))


def _next_column(prev: Line, line: Line) -> bool:
    """`line` heads the next column: above `prev` and beside it (either side: RTL pages)."""
    return line.y1 <= prev.y0 and (line.x0 >= prev.x1 - 1 or line.x1 <= prev.x0 + 1)
