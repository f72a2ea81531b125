"""A table of contents: entries led by dots to their page numbers.

Read as prose, a contents page runs its entries together into paragraphs
("Notices . . . . vii Trademarks . . . . viii"), one heading-like entry breaking
them up here and there.  A run of rows that each end in a dot leader and a page
number (arabic or roman) is a two-column table instead, title and page, the
leader dropped; a title that wraps onto the next row joins its entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.tables import Table, group_rows

LEADER_RE = re.compile(
    r"^(?P<title>.*?\S)\s*(?:[.·…]\s?){3,}\s*(?P<page>\d{1,4}|[ivxlcdm]{1,7})$", re.I
)
MIN_ENTRIES = 3  # fewer leader rows are no contents page
MAX_ROW_GAP_EM = 2.2  # a wider gap between rows ends the run (chapter groups sit closer)


@dataclass(slots=True)
class _Entry:
    title: str
    page: str
    lines: list[Line]


def _text(row: Sequence[Line]) -> str:
    return " ".join(line.text for line in row).strip()


def _near(above: Sequence[Line], below: Sequence[Line]) -> bool:
    size = max(line.size_pt for line in below)
    gap = min(line.y0 for line in below) - max(line.y1 for line in above)
    return gap <= MAX_ROW_GAP_EM * size


def _runs(rows: list[list[Line]]) -> list[list[_Entry]]:
    """Entries of each run of adjacent leader rows; a row just above an entry, left
    aligned with or indented from it, is the start of its wrapped title."""
    runs: list[list[_Entry]] = []
    run: list[_Entry] = []
    for index, row in enumerate(rows):
        match = LEADER_RE.match(_text(row))
        if match and run and not _near(run[-1].lines, row):
            runs.append(run)
            run = []
        if match:
            title, lines = match["title"], list(row)
            above = rows[index - 1] if index else None
            if above is not None and not LEADER_RE.match(_text(above)) and _wraps(above, row):
                title, lines = f"{_text(above)} {title}", [*above, *row]
            run.append(_Entry(title.strip(), match["page"], lines))
        elif run and not (index + 1 < len(rows) and _wraps(row, rows[index + 1])):
            runs.append(run)
            run = []
    return [*runs, run]


def _wraps(above: Sequence[Line], row: Sequence[Line]) -> bool:
    """`above` starts the title that `row` ends: close above it, starting no further right."""
    return bool(LEADER_RE.match(_text(row))) and _near(above, row) and (
        min(line.x0 for line in above) <= min(line.x0 for line in row) + 1.0)


def _table(entries: list[_Entry]) -> Table:
    lines = [line for entry in entries for line in entry.lines]
    return Table(
        min(ln.x0 for ln in lines), min(ln.y0 for ln in lines),
        max(ln.x1 for ln in lines), max(ln.y1 for ln in lines),
        size_pt=min(ln.size_pt for ln in lines), lines=lines,
        rows=[[entry.title, entry.page] for entry in entries],
    )


def find_contents(lines: Sequence[Line]) -> tuple[list[Table], list[Line]]:
    """Contents tables found among the lines, and the lines left outside them."""
    tables = [_table(run) for run in _runs(group_rows(lines)) if len(run) >= MIN_ENTRIES]
    used = {id(line) for table in tables for line in table.lines}
    return tables, [line for line in lines if id(line) not in used]
