"""Code listings: the pieces of one row of code read as one line.

A producer may draw a row of code in pieces: a --help listing's option and its
description, an ASN.1 field and its type, a listing's line number and its line.
Read apart they were taken for a column of their own or for the cells of a
table; joined, with the gap kept as spaces, the listing stays a listing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.tables import group_rows

CODE_ROW_GAP_EM = 30.0  # pieces of one code row are set at most this far apart
LINE_NUMBER_RE = re.compile(r"^\d{1,5}$")  # a listing's line number, in any font


def join_code_rows(lines: Sequence[Line], gutter: float | None = None) -> list[Line]:
    """The lines with each row of code pieces joined into one; never across the gutter
    of a page of two prose columns."""
    pieces = [ln for ln in lines if ln.mono or LINE_NUMBER_RE.match(ln.text)]
    rows = [row for row in group_rows(pieces) if any(piece.mono for piece in row)]
    joined: list[Line] = []
    for row in rows:  # each left to right
        start = len(joined)
        for piece in row:
            last = joined[-1] if len(joined) > start else None
            if last is not None and _same_code_row(last, piece, gutter):
                joined[-1] = _code_join(last, piece)
            else:
                joined.append(piece)
    taken = {id(piece) for row in rows for piece in row}
    return [*joined, *(ln for ln in lines if id(ln) not in taken)]


def _code_join(left: Line, right: Line) -> Line:
    pitch = max(left.width / max(len(left.text), 1), 0.1)
    gap = " " * max(round((right.x0 - left.x1) / pitch), 1)
    return Line(f"{left.text}{gap}{right.text}", left.x0, min(left.y0, right.y0), right.x1,
                max(left.y1, right.y1), left.size_pt, left.bold, left.italic, mono=True)


def _same_code_row(left: Line, right: Line, gutter: float | None) -> bool:
    numbered = not left.mono and right.mono  # a line number, often set smaller
    return (right.x0 >= left.x1 - 1
            and right.x0 - left.x1 <= CODE_ROW_GAP_EM * left.size_pt
            and (numbered or abs(left.size_pt - right.size_pt) < 0.5)
            and not (gutter is not None and left.x1 <= gutter <= right.x0))
