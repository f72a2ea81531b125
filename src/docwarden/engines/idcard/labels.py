"""Printed labels of the card, split off OCR lines, and what the labels say about a read.

OCR returns a label and its value as one line ("姓名张三"), as two lines, or
misses the (light blue) label altogether; `row_segments` turns each row into
(label, value) pieces so the parsers never depend on which of these happened.
The same markers score which side of the card an image shows and which way
up it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from docwarden.engines.idcard import numbers
from docwarden.engines.idcard.layout import Line, Row

CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Label -> pattern (text is already normalised: no spaces, simplified forms).  Under motion
# blur the recogniser reads 姓名 as 姓者 and 住址 as 佳址/往址; no name starts with 姓者
# nor an address with 佳址, and a label only counts at the start of a row.
LABEL_PATTERNS: dict[str, str] = {
    "name": "姓[名者]",
    "sex": "性别",
    "ethnicity": "民族",
    "birth": "出生",
    "address": "[住佳往]址",
    "number": "(?:公民)?身份(?:证)?号码?|公民身份",
    "authority": "签发机关",
    "validity": "有效期限",
}
_LABEL_RE = re.compile("|".join(f"(?P<{key}>{pat})" for key, pat in LABEL_PATTERNS.items()))
# A label opens its row, after at most this many non-CJK specks the recogniser saw.
MAX_SPECKS_BEFORE_LABEL = 2
# 民族 may follow the sex value on one merged line ("性别男民族汉").
_MIDLINE_OK = {"ethnicity": re.compile("[男女]$")}
DATE_STRICT_RE = re.compile(r"((?:18|19|20)\d{2})年(\d{1,2})月(\d{1,2})日?")
_DATE_DOTTED = r"(?:19|20)\d{2}\D?[01]\d\D?[0-3]\d"
DATE_RANGE_RE = re.compile(rf"(?<!\d){_DATE_DOTTED}\D{{0,3}}(?:{_DATE_DOTTED}(?!\d)|长期)")
TITLE_COUNTRY = "中华人民共和国"
TITLE_CARD = "居民身份证"
AUTHORITY_WORDS = ("公安局", "分局", "派出所")
# A side is recognised when its markers reach this score.
MIN_SIDE_SCORE = 2.0


@dataclass(frozen=True)
class Segment:
    """A piece of a row's text: a printed label (or None) and the text after it."""

    label: str | None
    text: str


def _label_may_start(text: str, start: int, label: str) -> bool:
    """Labels open a row (after at most 2 specks), except 民族 right after the sex value."""
    if start <= MAX_SPECKS_BEFORE_LABEL and not cjk_only(text[:start]):
        return True
    midline = _MIDLINE_OK.get(label)
    return midline is not None and bool(midline.search(text[:start]))


def split_text(text: str) -> list[Segment]:
    """Split a row's text at the printed labels it contains."""
    cuts = [(m.start(), m.end(), str(m.lastgroup)) for m in _LABEL_RE.finditer(text)
            if _label_may_start(text, m.start(), str(m.lastgroup))]
    if not cuts:
        return [Segment(None, text)]
    pieces: list[Segment] = []
    if cuts[0][0] > 0:
        pieces.append(Segment(None, text[: cuts[0][0]]))
    for index, (_, end, label) in enumerate(cuts):
        stop = cuts[index + 1][0] if index + 1 < len(cuts) else len(text)
        pieces.append(Segment(label, text[end:stop].lstrip(":.")))
    return pieces


def row_segments(row: Row) -> list[Segment]:
    """Segments of the row's lines joined left to right (a label split over boxes rejoins)."""
    return split_text(row.text)


def row_values(row: Row) -> dict[str | None, str]:
    """Label -> its value on this row (unlabelled text before any label under None)."""
    values: dict[str | None, str] = {}
    current: str | None = None
    for segment in row_segments(row):
        if segment.label is not None:
            current = segment.label
            values.setdefault(current, "")
            values[current] += segment.text
        else:
            values[current] = values.get(current, "") + segment.text
    return values


def row_labels(row: Row) -> set[str]:
    return {segment.label for segment in row_segments(row) if segment.label is not None}


def cjk_only(text: str, keep: str = "") -> str:
    """Only CJK characters (and `keep`), e.g. a name without OCR specks."""
    return re.sub(f"[^{CJK_CHARS}{re.escape(keep)}]", "", text)


def latin_heavy(text: str) -> bool:
    """Mostly Latin letters: a specimen stamp or a logo, never a field of this card."""
    letters = sum(char.isascii() and char.isalpha() for char in text)
    return letters >= 4 and letters > len(cjk_only(text))


def side_scores(rows: Sequence[Row]) -> tuple[float, float]:
    """(front, back): how much of each side's printed matter the rows show."""
    labels: set[str] = set()
    for row in rows:
        labels |= row_labels(row)
    texts = [row.text for row in rows]
    text = "".join(texts)
    front = float(len(labels & {"name", "sex", "ethnicity", "birth", "address", "number"}))
    back = float(len(labels & {"authority", "validity"}))
    found = [n for row in rows for n in numbers.candidates(row.text)]
    if any(len(n) == numbers.NUMBER_LENGTH for n in found):
        front += 2.0 + float(any(numbers.checksum_ok(n) for n in found))
    front += 1.0 if any(DATE_STRICT_RE.search(row_text) for row_text in texts) else 0.0
    back += 2.0 if any(DATE_RANGE_RE.search(row_text) for row_text in texts) else 0.0
    back += sum(1.0 for word in (TITLE_COUNTRY, TITLE_CARD) if word in text)
    back += 1.0 if any(word in text for word in AUTHORITY_WORDS) else 0.0
    return front, back


def _anchor(line: Line) -> tuple[int, int] | None:
    """(expected row rank top-to-bottom, 0 for a label / 1 for a value) of a marker line."""
    ranks = {"name": 0, "sex": 1, "ethnicity": 1, "birth": 2, "address": 3, "number": 6,
             "authority": 3, "validity": 4}
    segments = split_text(line.text)
    if segments[0].label is not None:
        return ranks[segments[0].label], 0
    text = line.text
    if any(len(n) == numbers.NUMBER_LENGTH for n in numbers.candidates(text)):
        return ranks["number"], 1
    if DATE_STRICT_RE.search(text):
        return ranks["birth"], 1
    if DATE_RANGE_RE.search(text):
        return ranks["validity"], 1
    if TITLE_COUNTRY in text:
        return 0, 1
    if TITLE_CARD in text:
        return 1, 1
    return None


def upright_score(lines: Sequence[Line]) -> int:
    """How well the markers sit where an upright card has them (labels above/left of values)."""
    anchors = [(found, line) for line in lines if (found := _anchor(line)) is not None]
    score = 0
    for index, ((rank_a, kind_a), a) in enumerate(anchors):
        for (rank_b, kind_b), b in anchors[index + 1:]:
            if rank_a != rank_b:
                score += 1 if (rank_b - rank_a) * (b.cy - a.cy) > 0 else -1
            elif kind_a != kind_b:
                score += 1 if (kind_b - kind_a) * (b.cx - a.cx) > 0 else -1
    return score
