"""A table of contents: entries led by dots to their page numbers.

Read as prose, a contents page runs its entries together into paragraphs
("Notices . . . . vii Trademarks . . . . viii"), one heading-like entry breaking
them up here and there.  A run of rows that each end in a dot leader and a page
number (arabic or roman) is a two-column table instead, title and page, the
leader dropped; a title that wraps onto the next row joins its entry, and the
rows between that set their page apart without a leader (a chapter's entry)
are entries too.  Contents set without any leaders (ConTeXt, many reports) are
known by more rows whose page numbers stand flush right and ascend.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.tables import Table, group_rows

LEADER_RE = re.compile(
    r"^(?P<title>.*?\S)\s*(?:[.·…]\s?){3,}\s*(?P<page>\d{1,4}|[ivxlcdm]{1,7})$", re.I
)
MIN_ENTRIES = 3  # fewer leader rows are no contents page
MIN_UNDOTTED_ENTRIES = 8  # without leaders: more rows, pages ascending and flush right
ALIGN_PT, ALIGNED_SHARE = 3.0, 0.9
MAX_ROW_GAP_EM = 2.2  # a wider gap between rows ends the run (chapter groups sit closer)


PAGE_RE = re.compile(r"\d{1,4}|[ivxlcdm]{1,7}", re.I)
PAGE_GAP_EM = 2.0  # a page number set this far right of its title, without a leader
SAME_SIZE_EM = 0.12  # a wrapped title keeps its size (the page's heading above does not)
OUTDENT_EM = 4.0  # a chapter entry starts at most this far left of the dotted ones


@dataclass(slots=True)
class _Entry:
    title: str
    page: str
    lines: list[Line]
    dotted: bool

    @property
    def size_pt(self) -> float:
        return self.lines[-1].size_pt


def _text(row: Sequence[Line]) -> str:
    return " ".join(line.text for line in row).strip()


def _near(above: Sequence[Line], below: Sequence[Line]) -> bool:
    size = max(line.size_pt for line in below)
    gap = min(line.y0 for line in below) - max(line.y1 for line in above)
    return gap <= MAX_ROW_GAP_EM * size


def _entry(row: list[Line]) -> _Entry | None:
    """A row as an entry: a dot leader to its page, or (a chapter's entry) a title and
    its page number set apart at the right (a row of more cells is a table's)."""
    if match := LEADER_RE.match(_text(row)):
        return _Entry(match["title"], match["page"], list(row), dotted=True)
    if len(row) == 2 and PAGE_RE.fullmatch(row[-1].text) and (
            row[-1].x0 - row[-2].x1 >= PAGE_GAP_EM * row[-1].size_pt):
        return _Entry(_text(row[:-1]), row[-1].text, list(row), dotted=False)
    return None


def _runs(rows: list[list[Line]]) -> list[list[_Entry]]:
    """Entries of each run of adjacent entry rows; a row just above an entry, left
    aligned with or indented from it, is the start of its wrapped title."""
    entries = [_entry(row) for row in rows]
    runs: list[list[_Entry]] = []
    run: list[_Entry] = []
    for index, (row, entry) in enumerate(zip(rows, entries, strict=True)):
        if entry:
            above = rows[index - 1] if index else None
            if above is not None and entries[index - 1] is None and _wraps(above, row):
                entry.title, entry.lines = f"{_text(above)} {entry.title}", [*above, *row]
            if run and not _near(run[-1].lines, entry.lines):
                runs.append(run)
                run = []
            run.append(entry)
        elif run and not (index + 1 < len(rows) and entries[index + 1] is not None
                          and _wraps(row, rows[index + 1])):
            runs.append(run)
            run = []
    return [_trimmed(run) for run in (*runs, run)]


def _trimmed(run: list[_Entry]) -> list[_Entry]:
    """The run, when it is contents, from its first entry in line with the others: a
    running header ("Contents 9") above a contents page is set further left."""
    dotted = [e for e in run if e.dotted]
    if len(dotted) >= MIN_ENTRIES:
        guide = dotted
    elif len(run) >= MIN_UNDOTTED_ENTRIES and _ascending(run) and _right_aligned(run):
        guide = run
    else:
        return []
    left = statistics.median(e.lines[0].x0 for e in guide) - OUTDENT_EM * guide[0].size_pt
    while run and not run[0].dotted and run[0].lines[0].x0 < left:
        run = run[1:]
    return run


def _ascending(run: Sequence[_Entry]) -> bool:
    """Page numbers that never go back (roman front matter aside), bar one slip."""
    pages = [int(e.page) for e in run if e.page.isdigit()]
    return sum(1 for a, b in itertools.pairwise(pages) if b < a) <= 1


def _right_aligned(run: Sequence[_Entry]) -> bool:
    """Page numbers set flush right, the way a contents page sets them."""
    ends = [e.lines[-1].x1 for e in run]
    middle = statistics.median(ends)
    return sum(1 for end in ends if abs(end - middle) <= ALIGN_PT) >= ALIGNED_SHARE * len(ends)


def _wraps(above: Sequence[Line], row: list[Line]) -> bool:
    """`above` starts the title that entry `row` ends: close above it, starting no
    further right."""
    return _near(above, row) and (
        min(line.x0 for line in above) <= min(line.x0 for line in row) + 1.0) and (
        abs(above[0].size_pt - row[0].size_pt) <= SAME_SIZE_EM * row[0].size_pt)


def _table(entries: list[_Entry]) -> Table:
    lines = [line for entry in entries for line in entry.lines]
    return Table(
        min(ln.x0 for ln in lines), min(ln.y0 for ln in lines),
        max(ln.x1 for ln in lines), max(ln.y1 for ln in lines),
        size_pt=min(ln.size_pt for ln in lines), lines=lines,
        rows=[[entry.title, entry.page] for entry in entries], contents=True,
    )


def find_contents(lines: Sequence[Line]) -> tuple[list[Table], list[Line]]:
    """Contents tables found among the lines, and the lines left outside them."""
    tables = [_table(run) for run in _runs(group_rows(lines)) if run]
    used = {id(line) for table in tables for line in table.lines}
    return tables, [line for line in lines if id(line) not in used]
