"""Tesseract's TSV output -> docwarden's OCR lines (`{text, score, box}`).

TSV rows carry a level (1 page, 2 block, 3 paragraph, 4 line, 5 word), the
row's position in that hierarchy, its pixel box and, for words, a confidence
in 0..100.  A line's score is the mean word confidence scaled to 0..1, like
the built-in OCR's.  Its text comes from tesseract's plain-text output of the
same run when that has one line per TSV line: TSV splits Korean into
syllables, the text output keeps the real word spaces.  Otherwise the words
are joined in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
           "left", "top", "width", "height", "conf", "text")
LINE_LEVEL, WORD_LEVEL = 4, 5
Box = list[list[float]]


def corner_box(left: int, top: int, width: int, height: int) -> Box:
    """Four corners clockwise from top-left, as the built-in OCR gives them."""
    right, bottom = left + width, top + height
    return [[float(left), float(top)], [float(right), float(top)],
            [float(right), float(bottom)], [float(left), float(bottom)]]


def _is_cjk(char: str) -> bool:
    """Scripts written without spaces between words (Hangul is written with them)."""
    code = ord(char)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF)


def join_words(words: list[str]) -> str:
    """Words with a space between them, except between two CJK characters."""
    text = ""
    for word in words:
        if text and not (_is_cjk(text[-1]) and _is_cjk(word[0])):
            text += " "
        text += word
    return text


@dataclass
class _Line:
    box: Box
    words: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        score = sum(self.confidences) / len(self.confidences) / 100.0
        return {"text": join_words(self.words), "score": round(min(max(score, 0.0), 1.0), 4),
                "box": self.box}


def _rows(tsv: str) -> list[dict[str, str]]:
    """The data rows of a TSV document; malformed rows are skipped, not fatal."""
    lines = tsv.splitlines()
    if not lines or lines[0].split("\t")[: len(COLUMNS)] != list(COLUMNS):
        raise ValueError("not tesseract TSV output: the header row is missing")
    rows = []
    for raw in lines[1:]:
        cells = raw.split("\t", len(COLUMNS) - 1)
        if len(cells) == len(COLUMNS) - 1:  # a row whose text is empty lost its last tab
            cells.append("")
        if len(cells) == len(COLUMNS) and cells[0].isdigit():
            rows.append(dict(zip(COLUMNS, cells, strict=True)))
    return rows


def _key(row: dict[str, str]) -> tuple[str, ...]:
    return row["page_num"], row["block_num"], row["par_num"], row["line_num"]


def parse_tsv(tsv: str, text: str | None = None) -> list[dict[str, Any]]:
    """Lines with at least one recognised word, in tesseract's reading order."""
    lines: dict[tuple[str, ...], _Line] = {}
    for row in _rows(tsv):
        try:
            _add_row(lines, row)
        except ValueError:  # a number column that is not a number: skip the row
            continue
    found = [line.as_dict() for line in lines.values() if line.words]
    text_lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(text_lines) == len(found):
        for line, line_text in zip(found, text_lines, strict=True):
            line["text"] = line_text
    return found


def _add_row(lines: dict[tuple[str, ...], _Line], row: dict[str, str]) -> None:
    level = int(row["level"])
    if level == LINE_LEVEL:
        left, top, width, height = (int(row[name]) for name in ("left", "top", "width", "height"))
        lines[_key(row)] = _Line(corner_box(left, top, width, height))
        return
    word = row["text"].strip()
    confidence = float(row["conf"])
    if level == WORD_LEVEL and word and 0 <= confidence <= 100 and _key(row) in lines:
        lines[_key(row)].words.append(word)
        lines[_key(row)].confidences.append(confidence)
