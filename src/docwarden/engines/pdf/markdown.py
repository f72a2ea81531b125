"""Markdown from ordered page items: paragraphs re-flowed, headings, lists, tables, code.

Pages are grouped into blocks (blocks.py), headings ranked (headings.py), and a
paragraph or table that a page break cut is joined back.  Paragraphs are
re-flowed across line breaks (Chinese and Japanese joined without spaces,
Korean with them, hyphenated words joined: wraps.py); code keeps its indentation.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence

from docwarden.engines.pdf.bidi import is_rtl_line, reading_columns
from docwarden.engines.pdf.blocks import (
    Block,
    Grouper,
    code_titles,
    counted_marker,
    list_marker,
    split_counted_lists,
)
from docwarden.engines.pdf.footnotes import relabelled, unique_labels
from docwarden.engines.pdf.furniture import PageLayout, drop_furniture
from docwarden.engines.pdf.headings import (
    body_size,
    capitals_sizes,
    demote_chapter_labels,
    demote_heading_runs,
    demote_numbered_lists,
    heading_level,
    heading_sizes,
    page_body_size,
    snap_ocr_sizes,
)
from docwarden.engines.pdf.layout import Line, runs_on, same_row
from docwarden.engines.pdf.tables import Table, continue_table, overlap, prose_gutter
from docwarden.engines.pdf.titles import demote_byline, demote_dates
from docwarden.engines.pdf.wraps import Lexicon, join_lines

# What would turn a paragraph into another block, backslash-escaped: a heading's "# ",
# a quote's ">", a rule's "---" ("# of users" is a paragraph).
BLOCK_SYNTAX_RE = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[-*_](?=(?:\s*[-*_]){2,}\s*$))")
CROWDED_ROW_MATES = 2  # lines beside a line in its row that make it a table's cell
CROWDED_SIZE_RATIO = 1.2  # ... when it is set no larger than this over theirs
CODE_EDGE_PT = 2.0  # code on the next page set from the same edge goes on
CODE_BLANK_LINE_STEPS = 1.6  # a gap this many line steps wide is a blank line in code




def page_blocks(
    page: PageLayout, body: float, sizes: list[float], first: bool = False,
    capitals: frozenset[float] = frozenset(),
) -> list[Block]:
    """The page's blocks with their heading levels; on the document's `first` page the
    author line under the title is no heading (before runs of headings are judged:
    title, authors and "Abstract" are no run of labels once the authors step down)."""
    lines = [item for item in page.items if isinstance(item, Line)]
    grouper = Grouper(lines, typed=page.method != "ocr")
    for item in page.items:
        grouper.add(item)
    split_counted_lists(grouper.blocks)
    code_titles(grouper.blocks)
    local_body = page_body_size(page, body)
    blocks = grouper.blocks
    levels = []
    for index, block in enumerate(blocks):
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        # A heading over smaller text heads a paragraph, not a label (figure callouts).
        prose = after is not None and after.kind == "para" and len(after.lines) >= 2
        next_size = after.lines[0].size_pt if after is not None and prose else 0.0
        levels.append(heading_level(block, body, sizes, grouper.column_width, local_body,
                                    next_size, typed=grouper.typed, capitals=capitals,
                                    over_code=after is not None and after.kind == "code"))
    gutter = prose_gutter(lines) if any(levels) else None
    for block, level in zip(blocks, levels, strict=True):
        # A cell of a row of three or more is a table's, however it is set.
        if level and not all(_crowded(line, lines, gutter) for line in block.lines):
            block.kind, block.level = "heading", level
    if first:
        demote_byline(grouper.blocks)
    demote_chapter_labels(grouper.blocks)  # first: a label makes no run of headings
    demote_heading_runs(grouper.blocks)
    demote_numbered_lists(grouper.blocks)
    demote_dates(grouper.blocks)
    return grouper.blocks


def _crowded(line: Line, lines: Sequence[Line], gutter: float | None) -> bool:
    """`line` shares its row with two or more others of about its size, on its side
    of the page's `gutter`: a cell of a table the page's tables did not take (a
    scan's, its cells' boxes out of line).  A heading stands alone, beside the other
    column's text on a page of two, or above the text beside it."""

    def side(other: Line) -> bool:
        return gutter is not None and other.cx > gutter

    mates = [other.size_pt for other in lines if other is not line
             and same_row(line, other) and side(other) == side(line)]
    return len(mates) >= CROWDED_ROW_MATES and (
        line.size_pt <= CROWDED_SIZE_RATIO * statistics.median(mates))


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
    """A fenced block; indentation from x offsets in character widths, gaps as blank
    lines, pieces of one row (a help text's option and its description) on one line."""
    left = min(ln.x0 for ln in lines)
    pitch = max(min((ln.width / len(ln.text) for ln in lines if len(ln.text) >= 2),
                    default=6.0), 1.0)
    rows = _code_rows(lines)
    tops = [row[0].y0 for row in rows]
    steps = [b - a for a, b in itertools.pairwise(tops) if b > a]
    step = min(steps) if steps else 0.0
    out: list[str] = []
    for i, row in enumerate(rows):
        if i and step and tops[i] - tops[i - 1] > CODE_BLANK_LINE_STEPS * step:
            out.append("")
        text = ""
        for ln in sorted(row, key=lambda ln: ln.x0):
            column = round((ln.x0 - left) / pitch)
            text += " " * max(column - len(text), 1 if text else 0) + ln.text
        out.append(text.replace("```", "` ``"))
    return "```\n" + "\n".join(out) + "\n```"


def _code_rows(lines: Sequence[Line]) -> list[list[Line]]:
    """Consecutive lines grouped by the row they share."""
    rows: list[list[Line]] = []
    for ln in lines:
        if rows and same_row(rows[-1][-1], ln):
            rows[-1].append(ln)
        else:
            rows.append([ln])
    return rows


def render_block(block: Block, lexicon: Lexicon | None = None) -> str:
    if block.kind == "table" and block.table is not None:
        return render_table(block.table)
    if block.kind == "figure" and block.figure is not None:
        return block.figure.text
    if block.kind == "code":
        return render_code(block.lines)
    text = join_lines([ln.text for ln in block.lines], lexicon,
                      [ln.real_space_before for ln in block.lines])
    if block.kind == "heading":
        return f"{'#' * block.level} {text}"
    if block.kind == "item":
        found = list_marker(text) or counted_marker(text, block.marker)
        return f"{block.marker} {found[1] if found else text}"
    return BLOCK_SYNTAX_RE.sub(r"\\\g<0>", text, count=1)


def _continues_across(prev: Block, nxt: Block) -> bool:
    """Join a paragraph, a table or code (set from the same left edge) that a page break
    cut into `prev`; whether it was."""
    if prev.table is not None and nxt.table is not None:
        return continue_table(prev.table, nxt.table)
    if prev.kind == nxt.kind == "code" and abs(
            min(ln.x0 for ln in prev.lines) - min(ln.x0 for ln in nxt.lines)) <= CODE_EDGE_PT:
        prev.lines.extend(nxt.lines)
        return True
    if prev.kind != "para" or nxt.kind != "para" or not runs_on(
            prev.lines[-1].text, nxt.lines[0].text):
        return False
    prev.lines.extend(nxt.lines)
    return True


def _list_indents(blocks: Sequence[Block]) -> list[str]:
    """Indentation of each list item: an item set further in than the one before is
    nested under it (by its marker's width plus one, as Markdown wants)."""
    indents: list[str] = []
    levels: list[tuple[float, str]] = []  # (where an open level starts, its marker)
    for block in blocks:
        if block.kind != "item":
            indents.append("")
            levels = []
            continue
        first = block.lines[0]
        start = -first.x1 if is_rtl_line(first.text) else first.x0
        slack = 0.5 * max(first.size_pt, 1.0)
        while levels and start < levels[-1][0] - slack:
            levels.pop()
        if levels and abs(start - levels[-1][0]) <= slack:
            levels.pop()
        indents.append(" " * sum(len(marker) + 1 for _, marker in levels))
        levels.append((start, block.marker))
    return indents


def _join_blocks(blocks: Sequence[Block], lexicon: Lexicon | None = None) -> str:
    parts: list[str] = []
    for i, (block, indent) in enumerate(zip(blocks, _list_indents(blocks), strict=True)):
        if i:
            lists = block.kind == "item" and blocks[i - 1].kind == "item"
            parts.append("\n" if lists else "\n\n")
        parts.append(indent + render_block(block, lexicon))
    return "".join(parts)


def _join_column_breaks(blocks: list[Block]) -> list[Block]:
    """A page's blocks with a table that a column break cut joined again: the next
    table in reading order stands beside it, starting higher up (the next column)."""
    joined: list[Block] = []
    for block in blocks:
        prev = joined[-1].table if joined else None
        if (prev is None or block.table is None or block.table.y0 >= prev.y1
                or overlap(prev.x0, prev.x1, block.table.x0, block.table.x1) > 0
                or not continue_table(prev, block.table)):
            joined.append(block)
    return joined


def _relabel_notes(pages: Sequence[PageLayout]) -> None:
    """Footnote labels made unique in the document (footnotes.unique_labels)."""
    texts = [[item.text for item in page.items if isinstance(item, Line)] for page in pages]
    for page, names in zip(pages, unique_labels(texts), strict=True):
        if not names:
            continue
        for item in page.items:
            if isinstance(item, Line):
                item.text = relabelled(item.text, names)
            elif isinstance(item, Table):
                item.rows = [[relabelled(cell, names) for cell in row] for row in item.rows]


def _text_and_notes(blocks: Sequence[Block]) -> tuple[list[Block], list[Block]]:
    """A page's blocks apart from its footnotes, and the footnotes."""
    return ([b for b in blocks if b.kind != "note"], [b for b in blocks if b.kind == "note"])


def _notes_last(blocks: Sequence[Block]) -> list[Block]:
    """A page's footnotes after its text (a column's notes sit above the next column)."""
    text, notes = _text_and_notes(blocks)
    return text + notes


def build_markdown(
    pages: Sequence[PageLayout], page_separators: bool = False, hyphenates: bool = True,
) -> str:
    """The document's Markdown; page furniture is removed from `pages` in place.
    `hyphenates`: the PDF's maker may have hyphenated words (Lexicon)."""
    drop_furniture(pages)
    _relabel_notes(pages)
    body = body_size(pages)
    snap_ocr_sizes(pages, body)
    sizes = heading_sizes(pages, body)
    capitals = capitals_sizes(pages, body)
    per_page = [_join_column_breaks(page_blocks(page, body, sizes, index == 0, capitals))
                for index, page in enumerate(pages)]
    lines = [item for page in pages for item in page.items if isinstance(item, Line)]
    lexicon = Lexicon((line.text for line in lines), (line.real_space_before for line in lines),
                      hyphenates)
    if page_separators:
        chunks = [
            f"<!-- page {page.number} -->\n\n{_join_blocks(_notes_last(blocks), lexicon)}".rstrip()
            for page, blocks in zip(pages, per_page, strict=True)
        ]
        return "\n\n".join(chunks).strip() + "\n"
    text = _join_blocks(_pages_joined(per_page), lexicon).strip()
    return text + "\n" if text else ""


def _pages_joined(per_page: Sequence[Sequence[Block]]) -> list[Block]:
    """The pages' blocks in one run, a paragraph, table or listing a page break cut
    joined again; a page's footnotes follow its text, after such a paragraph's end."""
    merged: list[Block] = []
    notes: list[Block] = []  # the last page's, held until its last paragraph is whole
    for blocks in per_page:
        text, page_notes = _text_and_notes(blocks)
        if merged and text and _continues_across(merged[-1], text[0]):
            text = text[1:]
        merged.extend(notes)
        merged.extend(text)
        notes = page_notes
    return merged + notes
