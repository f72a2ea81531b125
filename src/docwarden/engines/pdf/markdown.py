"""Markdown from ordered page items: headings, paragraphs, lists and tables.

Headings come from font size ranks relative to the body size (the size most
characters use), from bold lines standing alone and from section numbers on
short styled lines ("1. Introduction" is a heading, "1. Install it." a list
item); paragraphs are re-flowed across line breaks (Chinese and Japanese
joined without spaces, Korean with them, hyphenated words joined); lines in a
monospaced font become fenced code with their indentation.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from docwarden.engines.pdf.bidi import is_rtl_line, reading_columns
from docwarden.engines.pdf.furniture import PageLayout, drop_furniture
from docwarden.engines.pdf.layout import SOFT_HYPHEN, Line
from docwarden.engines.pdf.tables import Table, continue_table

HEADING_SIZE_RATIO = 1.12  # a line this much larger than the body size may be a heading
MAX_HEADING_CHARS = 200
MAX_BOLD_HEADING_CHARS = 120
MAX_SIZE_LEVELS = 3
MAX_ITALIC_HEADING_WORDS = 8
STYLED_HEADING_WIDTH = 0.75  # a bold/italic heading is shorter than this share of a column
PARA_GAP_EM = 0.5  # extra vertical gap (beyond the usual leading) that ends a paragraph
INDENT_EM = 1.0
BULLET_RE = re.compile(r"^(?:[•●○◦▪■□‣⁃∙·]\s*|[-–—*]\s+)(?P<rest>\S.*)$")
NUMBER_RE = re.compile(r"^\(?(?P<num>\d{1,3})[.)]\s+(?P<rest>\S.*)$")
LETTER_RE = re.compile(r"^(?P<mark>\(?[a-z][.)])\s+(?P<rest>\S.*)$")
SENTENCE_END = tuple(".!?:;。！？：；")
# Scripts written without spaces between words (Han, kana, CJK punctuation); Hangul
# separates words with spaces and is not among them.
CJK_RE = re.compile(
    "[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
MAX_NUMBERED_HEADING_CHARS = 90
CODE_BLANK_LINE_STEPS = 1.6  # a gap this many line steps wide is a blank line in code
# Headings hold no code: angle brackets, braces, semicolons, assignments, calls.
CODE_LIKE_RE = re.compile(r"[<>{};=]|\w\(|^\W*$")
MAX_HEADING_RUN = 2  # more same-level headings in a row are labels, names or a cover
MIN_PAGE_BODY_CHARS = 500  # a page needs this much text to have a body size of its own
PAGE_BODY_SHARE = 0.5  # ... set mostly in one size


@dataclass(slots=True)
class Block:
    """A heading, paragraph, list item or table, before rendering."""

    kind: str
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    marker: str = ""
    table: Table | None = None


def _is_cjk(char: str) -> bool:
    return bool(CJK_RE.match(char))


def join_lines(texts: Sequence[str]) -> str:
    """Re-flow wrapped lines into one paragraph string."""
    texts = [t.strip() for t in texts if t.strip()]
    if not texts:
        return ""
    cjk = sum(len(CJK_RE.findall(t)) for t in texts)
    latin = sum(1 for t in texts for ch in t if ch.isascii() and ch.isalpha())
    cjk_block = cjk > latin
    out = texts[0]
    for text in texts[1:]:
        hyphenated = out.endswith("-") and len(out) > 1 and out[-2].isalpha()
        if out.endswith(SOFT_HYPHEN) or (hyphenated and text[0].islower()):
            out = out[:-1] + text
        elif cjk_block or _is_cjk(out[-1]) or _is_cjk(text[0]):
            out += text
        else:
            out += " " + text
    return out.replace(SOFT_HYPHEN, "")


def _size_chars(pages: Sequence[PageLayout]) -> Counter[float]:
    sizes: Counter[float] = Counter()
    for page in pages:
        for item in page.items:
            if isinstance(item, Line):
                sizes[round(item.size_pt * 2) / 2] += len(item.text)
    return sizes


def body_size(pages: Sequence[PageLayout]) -> float:
    """The font size carrying the most characters."""
    sizes = _size_chars(pages)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def page_body_size(page: PageLayout, body: float) -> float:
    """The page's own body size where its text is set smaller than the document's.

    A solution brief or data sheet bound into a report (7.4 pt text in a 10 pt
    document) has its headings at 9.4 pt: below the document's body size, yet
    clearly above the text they head.  Only a page with enough text of one size
    sets its own; a sparse page (a cover, a figure) keeps the document's.
    """
    sizes = _size_chars([page])
    total = sum(sizes.values())
    if total < MIN_PAGE_BODY_CHARS:
        return body
    local, chars = sizes.most_common(1)[0]
    return min(body, local) if chars >= PAGE_BODY_SHARE * total else body


def heading_sizes(pages: Sequence[PageLayout], body: float) -> list[float]:
    """Distinct sizes clearly above the body size, largest first (level 1, 2, ...)."""
    found = {
        round(item.size_pt * 2) / 2
        for page in pages
        for item in page.items
        if isinstance(item, Line) and item.size_pt >= body * HEADING_SIZE_RATIO
        and len(item.text) <= MAX_HEADING_CHARS
    }
    return sorted(found, reverse=True)


def list_marker(text: str) -> tuple[str, str] | None:
    """(Markdown marker, rest of the text) when the line starts a list item."""
    if match := BULLET_RE.match(text):
        return "-", match.group("rest")
    if match := NUMBER_RE.match(text):
        return f"{int(match.group('num'))}.", match.group("rest")
    if match := LETTER_RE.match(text):
        return "-", f"{match.group('mark')} {match.group('rest')}"
    return None


def _line_gap(items: Sequence[Line]) -> float:
    """The usual gap between consecutive lines of one paragraph on this page."""
    gaps = [
        b.y0 - a.y1 for a, b in itertools.pairwise(items)
        if abs(a.size_pt - b.size_pt) < 0.5 and -a.size_pt < b.y0 - a.y1 < a.size_pt
    ]
    return statistics.median(gaps) if gaps else 0.0


class _Grouper:
    """Groups one page's ordered lines into blocks."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.usual_gap = _line_gap(lines)
        widths = sorted(ln.width for ln in lines if len(ln.text) >= 20)
        self.column_width = widths[int(0.9 * (len(widths) - 1))] if widths else 0.0
        self.blocks: list[Block] = []

    def add(self, item: Line | Table) -> None:
        if isinstance(item, Table):
            self.blocks.append(Block("table", table=item))
            return
        if item.mono:
            last = self.blocks[-1] if self.blocks else None
            if last is not None and last.kind == "code" and self._code_continues(last, item):
                last.lines.append(item)
            else:
                self.blocks.append(Block("code", [item]))
            return
        marker = list_marker(item.text)
        if self.blocks and marker is None and self._continues(self.blocks[-1], item):
            self.blocks[-1].lines.append(item)
        elif marker is not None:
            self.blocks.append(Block("item", [item], marker=marker[0]))
        else:
            self.blocks.append(Block("para", [item]))

    def _code_continues(self, block: Block, line: Line) -> bool:
        prev = block.lines[-1]
        gap = line.y0 - prev.y1
        return -0.6 * prev.size_pt < gap < 3 * prev.size_pt

    def _continues(self, block: Block, line: Line) -> bool:
        if block.kind in ("table", "code"):
            return False
        prev = block.lines[-1]
        em = max(prev.size_pt, 1.0)
        if abs(line.size_pt - prev.size_pt) > 0.12 * em:
            return False
        if line.styled != prev.styled and block.kind != "item":
            return False
        if _next_column(prev, line):
            return block.kind == "para" and _runs_on(prev.text, line.text)
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
            return start(line) > start(block.lines[0]) + 0.3 * em
        # Past a paragraph's first line (which may be indented) the column's edges hold.
        settled = len(column) >= 2 or len(column) < len(block.lines)
        if settled and start(line) > left + INDENT_EM * em:
            return False
        short = end(prev) < right - 0.15 * (right - left)
        return not (settled and short and prev.text.endswith(SENTENCE_END))


def _numbered_heading(block: Block, body: float) -> bool:
    """A "1. Introduction" item: one short line, bold or larger, no sentence end."""
    if block.kind != "item" or len(block.lines) != 1:
        return False
    first = block.lines[0]
    text = first.text
    return (
        bool(NUMBER_RE.match(text))
        and len(text) <= MAX_NUMBERED_HEADING_CHARS and not text.endswith((*SENTENCE_END, ","))
        and (first.bold or first.size_pt >= body * HEADING_SIZE_RATIO)
    )


def _heading_level(
    block: Block, body: float, sizes: list[float], column_width: float, local_body: float
) -> int:
    """Heading level of a block, 0 when it is not a heading.

    `local_body` is the page's body size (`page_body_size`): a line clearly larger
    than the text of its own page is a heading even below the document's body size.
    """
    text = " ".join(ln.text for ln in block.lines)
    if not (block.kind == "para" or _numbered_heading(block, body)):
        return 0
    if not any(ch.isalpha() for ch in text) or CODE_LIKE_RE.search(text):
        return 0
    size = round(block.lines[0].size_pt * 2) / 2
    short = len(block.lines) <= 3 and len(text) <= MAX_HEADING_CHARS
    if size in sizes and short:
        return min(sizes.index(size), MAX_SIZE_LEVELS - 1) + 1
    if _styled_heading(block, text, local_body, column_width):
        return max(2, min(len(sizes), MAX_SIZE_LEVELS) + 1)
    if local_body < body and size >= local_body * HEADING_SIZE_RATIO and short:
        return max(1, min(len(sizes), MAX_SIZE_LEVELS))
    return 0


def _styled_heading(block: Block, text: str, body: float, column_width: float) -> bool:
    """A short bold (or italic, few words) line standing alone, at least body size."""
    return (
        all(ln.styled for ln in block.lines) and len(block.lines) <= 2
        and (all(ln.bold for ln in block.lines) or len(text.split()) <= MAX_ITALIC_HEADING_WORDS)
        and max(ln.width for ln in block.lines) <= STYLED_HEADING_WIDTH * (column_width or 1e9)
        and len(text) <= MAX_BOLD_HEADING_CHARS and block.lines[0].size_pt >= body * 0.95
        and not text.endswith((".", ",", ";", ":", "。", "，"))
    )


def page_blocks(page: PageLayout, body: float, sizes: list[float]) -> list[Block]:
    grouper = _Grouper([item for item in page.items if isinstance(item, Line)])
    for item in page.items:
        grouper.add(item)
    local_body = page_body_size(page, body)
    for block in grouper.blocks:
        if level := _heading_level(block, body, sizes, grouper.column_width, local_body):
            block.kind, block.level = "heading", level
    demote_heading_runs(grouper.blocks)
    return grouper.blocks


def _stepping_down(blocks: Sequence[Block]) -> bool:
    """Each heading set smaller than the one before: a title, its subtitle, a section."""
    sizes = [block.lines[0].size_pt for block in blocks]
    return all(b < a / HEADING_SIZE_RATIO for a, b in itertools.pairwise(sizes))


def demote_heading_runs(blocks: Sequence[Block]) -> None:
    """Three or more same-level headings with nothing between are not headings.

    Diagram labels, author lists and cover blurbs are short, large or bold lines
    side by side or stacked; real sections have text between their headings.  A
    stack whose sizes step down (title, subtitle, first section) is a hierarchy
    that shares a level only because the size levels ran out, and is kept.
    """
    start = 0
    for end in range(1, len(blocks) + 1):
        same = end < len(blocks) and blocks[end].kind == "heading" and (
            blocks[start].kind == "heading" and blocks[end].level == blocks[start].level)
        if same:
            continue
        run = blocks[start:end]
        if run[0].kind == "heading" and len(run) > MAX_HEADING_RUN and not _stepping_down(run):
            for block in run:
                block.kind = "item" if list_marker(block.lines[0].text) else "para"
        start = end


def _cell(text: str) -> str:
    return text.replace("|", "\\|").strip()


def render_table(table: Table) -> str:
    width = max(len(row) for row in table.rows)
    rows = [[_cell(c) for c in row] + [""] * (width - len(row))
            for row in reading_columns(table.rows)]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def render_code(lines: Sequence[Line]) -> str:
    """A fenced block; indentation from x offsets in character widths, gaps as blank lines."""
    left = min(ln.x0 for ln in lines)
    pitch = min((ln.width / len(ln.text) for ln in lines if len(ln.text) >= 2), default=6.0)
    steps = [b.y0 - a.y0 for a, b in itertools.pairwise(lines) if b.y0 > a.y0]
    step = min(steps) if steps else 0.0
    out: list[str] = []
    for i, ln in enumerate(lines):
        if i and step and ln.y0 - lines[i - 1].y0 > CODE_BLANK_LINE_STEPS * step:
            out.append("")
        out.append(" " * round((ln.x0 - left) / max(pitch, 1.0)) + ln.text.replace("```", "` ``"))
    return "```\n" + "\n".join(out) + "\n```"


def render_block(block: Block) -> str:
    if block.kind == "table" and block.table is not None:
        return render_table(block.table)
    if block.kind == "code":
        return render_code(block.lines)
    text = join_lines([ln.text for ln in block.lines])
    if block.kind == "heading":
        return f"{'#' * block.level} {text}"
    if block.kind == "item":
        found = list_marker(text)
        return f"{block.marker} {found[1] if found else text}"
    return text


def _runs_on(last: str, first: str) -> bool:
    """A sentence broken by a column or page end: no sentence end, then lower case."""
    last, first = last.rstrip(), first.lstrip()
    return bool(last) and bool(first) and not last.endswith(SENTENCE_END) and first[0].islower()


def _next_column(prev: Line, line: Line) -> bool:
    """`line` heads the next column: above `prev` and beside it (either side: RTL pages)."""
    return line.y1 <= prev.y0 and (line.x0 >= prev.x1 - 1 or line.x1 <= prev.x0 + 1)


def _continues_across(prev: Block, nxt: Block) -> bool:
    """Join a paragraph or a table that a page break cut into `prev`; whether it was."""
    if prev.table is not None and nxt.table is not None:
        return continue_table(prev.table, nxt.table)
    if prev.kind != "para" or nxt.kind != "para" or not _runs_on(
            prev.lines[-1].text, nxt.lines[0].text):
        return False
    prev.lines.extend(nxt.lines)
    return True


def _join_blocks(blocks: Sequence[Block]) -> str:
    parts: list[str] = []
    for i, block in enumerate(blocks):
        if i:
            lists = block.kind == "item" and blocks[i - 1].kind == "item"
            parts.append("\n" if lists else "\n\n")
        parts.append(render_block(block))
    return "".join(parts)


def build_markdown(pages: Sequence[PageLayout], page_separators: bool = False) -> str:
    """The document's Markdown; page furniture is removed from `pages` in place."""
    drop_furniture(pages)
    body = body_size(pages)
    sizes = heading_sizes(pages, body)
    per_page = [page_blocks(page, body, sizes) for page in pages]
    if page_separators:
        chunks = [
            f"<!-- page {page.number} -->\n\n{_join_blocks(blocks)}".rstrip()
            for page, blocks in zip(pages, per_page, strict=True)
        ]
        return "\n\n".join(chunks).strip() + "\n"
    merged: list[Block] = []
    for blocks in per_page:
        start = 0
        if merged and blocks and _continues_across(merged[-1], blocks[0]):
            start = 1
        merged.extend(blocks[start:])
    text = _join_blocks(merged).strip()
    return text + "\n" if text else ""
