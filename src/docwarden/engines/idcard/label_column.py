"""Printed labels read one character off (姓者 for 姓名, 住扯 for 住址), restored by position.

The labels are a closed set, printed in one column at the left of the card,
and every value starts in a column further right (about 2.5 line heights).  So
text that opens a row *in the label column* opens with a label, and when it is
one character away from a label it is that label, misread under blur or low
resolution; it is rewritten to the printed label before the fields are parsed,
so the label never ends up in a value (姓者侯平萱).  The same text in the value
column is left alone: a surname can be 姓 (姓明华 with its label unread), and
only where the text stands tells the two apart, never the characters alone.
The column is found from the labels read exactly; a side with none of them
read exactly is left as read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from docwarden.engines.idcard.labels import (
    CJK_CHARS,
    MAX_SPECKS_BEFORE_LABEL,
    cjk_only,
    split_text,
)
from docwarden.engines.idcard.layout import Line, Row

# The labels that open a row in the label column, as printed (民族 stands mid-row: not here).
COLUMN_LABELS = {"name": "姓名", "sex": "性别", "birth": "出生", "address": "住址",
                 "number": "公民身份号码", "authority": "签发机关", "validity": "有效期限"}
# A row opens in the label column when its first line starts within this many line heights
# of the left edge of the nearest label read exactly.
COLUMN_TOLERANCE_LINES = 1.0
_SPECKS_RE = re.compile(f"[^{CJK_CHARS}]*")


@dataclass(frozen=True)
class _Anchor:
    """Where a label read exactly starts: its left edge, vertical centre and height."""

    x0: float
    cy: float
    height: float


def _opening_label(line: Line) -> str | None:
    """The label the line's text opens with (after specks), read exactly, if any."""
    segments = split_text(line.text)
    first = segments[0] if segments[0].label is not None else None
    if first is None and len(segments) > 1 and len(segments[0].text) <= MAX_SPECKS_BEFORE_LABEL:
        first = segments[1] if not cjk_only(segments[0].text) else None
    return first.label if first is not None else None


def one_off_label(text: str) -> tuple[int, str] | None:
    """(where the misread label ends in `text`, the printed label) when `text` opens (after
    at most 2 non-CJK specks) with one label and only one, a single substituted character off."""
    specks = _SPECKS_RE.match(text)
    start = specks.end() if specks else 0
    if start > MAX_SPECKS_BEFORE_LABEL:
        return None
    found = [(start + len(label), label) for label in COLUMN_LABELS.values()
             if len(text) - start >= len(label)
             and sum(a != b for a, b in zip(text[start:], label, strict=False)) == 1]
    return found[0] if len(found) == 1 else None


def _anchors(rows: Sequence[Row]) -> list[_Anchor]:
    first_lines = [row.lines[0] for row in rows if row.lines]
    return [_Anchor(line.x0, line.cy, line.height) for line in first_lines
            if _opening_label(line) in COLUMN_LABELS]


def _in_label_column(line: Line, anchors: Sequence[_Anchor]) -> bool:
    nearest = min(anchors, key=lambda anchor: abs(anchor.cy - line.cy))
    return abs(line.x0 - nearest.x0) <= COLUMN_TOLERANCE_LINES * max(line.height, nearest.height)


def _restored(line: Line, anchors: Sequence[_Anchor]) -> Line:
    """The line with a one-off label at its start rewritten, when it stands in the column."""
    if _opening_label(line) is not None or not _in_label_column(line, anchors):
        return line
    found = one_off_label(line.text)
    if found is None:
        return line
    end, label = found
    return replace(line, text=label + line.text[end:])


def restore_labels(rows: Sequence[Row]) -> list[Row]:
    """Rows with the misread labels that open them in the label column put right."""
    anchors = _anchors(rows)
    if not anchors:
        return list(rows)
    return [Row((_restored(row.lines[0], anchors), *row.lines[1:])) if row.lines else row
            for row in rows]
