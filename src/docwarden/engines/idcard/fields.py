"""Field parsing over OCR rows of an upright card, front and back.

Each field is found by its printed label first and by its place in the
layout when the label was not read: on the front, the name row sits above the
sex/ethnicity row, which sits above the birth-date row; the address follows
the birth row and wraps over the next rows in the value column until the
number row.  Values are returned as printed (dates as ISO); nothing is
changed to agree with the identity number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from docwarden.engines.idcard import numbers
from docwarden.engines.idcard.ethnicities import match_ethnicity
from docwarden.engines.idcard.labels import (
    DATE_RANGE_RE,
    DATE_STRICT_RE,
    TITLE_CARD,
    TITLE_COUNTRY,
    cjk_only,
    latin_heavy,
    row_labels,
    row_values,
    split_text,
)
from docwarden.engines.idcard.layout import Row

FRONT_FIELDS = ("name", "sex", "ethnicity", "birth", "address", "id_number")
BACK_FIELDS = ("issuing_authority", "valid_from", "valid_to")
LONG_TERM = "长期"
NAME_DOT = "·"
# A wrapped value ends at a row further below the previous one than this many line heights.
WRAP_MAX_GAP_LINES = 1.2
FRONT_STOP_LABELS = {"name", "sex", "birth", "number", "address"}
BACK_STOP_LABELS = {"authority", "validity"}
_DATE_LOOSE_RE = re.compile(r"((?:18|19|20)\d{2})\D{0,2}(\d{1,2})\D{1,2}(\d{1,2})")
_DATE8_RE = re.compile(r"(?<!\d)((?:18|19|20)\d{6})(?!\d)")
_LONG_NUMBER_RE = re.compile(r"[0-9Xx×]{12,}")
Fields = dict[str, str | None]


def iso_date(year: str, month: str, day: str) -> str | None:
    """'1990', '5', '12' -> '1990-05-12', or None for a date that does not exist."""
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _find_row(rows: Sequence[Row], label: str) -> int | None:
    return next((i for i, row in enumerate(rows) if label in row_labels(row)), None)


def find_number(rows: Sequence[Row]) -> tuple[str | None, int | None]:
    """The identity number as read and its row: checksum-valid first, then 18 chars, lowest."""
    best: tuple[tuple[bool, bool, int], str, int] | None = None
    for index, row in enumerate(rows):
        texts = [line.text for line in row.lines] + [row.text]
        for number in (n for text in texts for n in numbers.candidates(text)):
            rank = (numbers.checksum_ok(number), len(number) == numbers.NUMBER_LENGTH, index)
            if best is None or rank > best[0]:
                best = (rank, number, index)
    return (best[1], best[2]) if best else (None, None)


def _birth_in(text: str) -> str | None:
    for pattern in (DATE_STRICT_RE, _DATE_LOOSE_RE):
        for match in pattern.finditer(text):
            found = iso_date(*match.groups())
            if found:
                return found
    compact = _DATE8_RE.search(text)
    return iso_date(compact[1][:4], compact[1][4:6], compact[1][6:]) if compact else None


def find_birth(rows: Sequence[Row], number_row: int | None) -> tuple[str | None, int | None]:
    """The printed birth date: on the 出生 row, else the first row with a 年月日 date."""
    labelled = _find_row(rows, "birth")
    if labelled is not None:
        found = _birth_in(row_values(rows[labelled]).get("birth", ""))
        if found or not any(DATE_STRICT_RE.search(row.text) for row in rows):
            return found, labelled
    for index, row in enumerate(rows):
        if index != number_row and DATE_STRICT_RE.search(row.text):
            return _birth_in(row.text), index
    sex_row = find_sex_row(rows, None)
    if sex_row is not None and sex_row + 1 < len(rows) and sex_row + 1 != number_row:
        found = _birth_in(rows[sex_row + 1].text)
        if found:
            return found, sex_row + 1
    return None, None


def _sex_in(text: str) -> str | None:
    found = re.search("[男女]", text)
    return found[0] if found else None


def find_sex_row(rows: Sequence[Row], birth_row: int | None) -> int | None:
    """The sex/ethnicity row: labelled, else the row just above the birth row, if it says 男/女.

    A row opening with 民族 below the birth row is an address line (民族路), not this row.
    """
    above_birth = rows[:birth_row] if birth_row is not None else rows
    for label in ("sex", "ethnicity"):
        labelled = _find_row(above_birth, label)
        if labelled is not None:
            return labelled
    if birth_row and _sex_in(cjk_only(rows[birth_row - 1].text)):
        return birth_row - 1
    candidates = [i for i, row in enumerate(rows) if re.match("[男女]", row.text)]
    return candidates[0] if candidates else None


def sex_and_ethnicity(row: Row) -> tuple[str | None, str | None]:
    values = row_values(row)
    sex_text = values.get("sex") or values.get(None, "")
    sex = _sex_in(sex_text)
    ethnicity_text = values.get("ethnicity")
    if ethnicity_text is None and sex is not None:
        ethnicity_text = sex_text.split(sex, 1)[1]
    return sex, match_ethnicity(cjk_only(ethnicity_text or ""))


def clean_name(text: str) -> str | None:
    name = cjk_only(text, keep=NAME_DOT).strip(NAME_DOT)
    return name or None


def find_name(rows: Sequence[Row], sex_row: int | None) -> str | None:
    """The name: after 姓名, else the nearest CJK row above the sex row."""
    labelled = _find_row(rows, "name")
    if labelled is not None:
        values = row_values(rows[labelled])
        return clean_name(values.get("name") or "")
    above = range(sex_row - 1, -1, -1) if sex_row else range(len(rows))
    for index in above:
        text = rows[index].text
        if not latin_heavy(text) and clean_name(text):
            return clean_name(text)
    return None


def wrapped_value(rows: Sequence[Row], start: int, stop: int, label: str,
                  stop_labels: set[str]) -> str:
    """A labelled value that wraps: its row, then rows in the value column close below it."""
    first = rows[start]
    labelled = label in row_labels(first)
    parts = [(row_values(first).get(label) or "") if labelled else first.text]
    value_lines = [line for line in first.lines if not split_text(line.text)[0].label]
    column_x = min((line.x0 for line in value_lines), default=first.x0 + 2 * first.height)
    previous = first
    for row in rows[start + 1: stop]:
        if row.y0 - previous.y1 > WRAP_MAX_GAP_LINES * previous.height:
            break
        if row_labels(row) & stop_labels:
            break
        kept = [line.text for line in row.lines if line.x0 >= column_x - row.height]
        if not kept:
            break
        parts.append("".join(kept))
        previous = row
    return "".join(parts)


def find_address(rows: Sequence[Row], birth_row: int | None, number_row: int | None) -> (
        str | None):
    """The address: from 住址 (else the row after the birth row) over its wrapped lines.

    Never includes the identity number, even when the last address line sits
    right next to it.
    """
    start = _find_row(rows, "address")
    if start is None and birth_row is not None and birth_row + 1 < len(rows):
        start = birth_row + 1
    if start is None or start == number_row:
        return None
    stop = number_row if number_row is not None and number_row > start else len(rows)
    text = wrapped_value(rows, start, stop, "address", FRONT_STOP_LABELS)
    text = _LONG_NUMBER_RE.sub("", text)
    text = re.sub(r"\s+", "", text).strip(":.,;")
    return text or None


def parse_front(rows: Sequence[Row]) -> Fields:
    """Front fields from upright rows (missing ones are None)."""
    number, number_row = find_number(rows)
    birth, birth_row = find_birth(rows, number_row)
    sex_row = find_sex_row(rows, birth_row)
    sex, ethnicity = sex_and_ethnicity(rows[sex_row]) if sex_row is not None else (None, None)
    return {
        "name": find_name(rows, sex_row),
        "sex": sex,
        "ethnicity": ethnicity,
        "birth": birth,
        "address": find_address(rows, birth_row, number_row),
        "id_number": number,
    }


def parse_validity(text: str) -> tuple[str | None, str | None]:
    """'2015.03.01-2035.03.01' / '2008.01.10-长期' (any separators) -> ISO dates or 长期."""
    long_term = LONG_TERM in text or "长" in text[8:]
    digits = re.sub(r"\D", "", text.split(LONG_TERM, maxsplit=1)[0])
    start = iso_date(digits[:4], digits[4:6], digits[6:8]) if len(digits) >= 8 else None
    if len(digits) >= 16:
        return start, iso_date(digits[8:12], digits[12:14], digits[14:16])
    return start, LONG_TERM if long_term else None


def _validity_row(rows: Sequence[Row]) -> int | None:
    labelled = _find_row(rows, "validity")
    if labelled is not None:
        return labelled
    return next((i for i, row in enumerate(rows) if DATE_RANGE_RE.search(row.text)), None)


def find_authority(rows: Sequence[Row], validity_row: int | None) -> str | None:
    """签发机关: the labelled row, else the nearest non-title CJK row above the validity row."""
    labelled = _find_row(rows, "authority")
    if labelled is not None:
        stop = validity_row if validity_row is not None and validity_row > labelled else len(rows)
        value = wrapped_value(rows, labelled, stop, "authority", BACK_STOP_LABELS)
        return cjk_only(value) or None
    above = range(validity_row - 1, -1, -1) if validity_row else range(len(rows) - 1, -1, -1)
    for index in above:
        text = rows[index].text
        if TITLE_COUNTRY in text or TITLE_CARD in text or latin_heavy(text):
            continue
        if cjk_only(text):
            return cjk_only(text)
    return None


def parse_back(rows: Sequence[Row]) -> Fields:
    """Back fields from upright rows (missing ones are None)."""
    validity_row = _validity_row(rows)
    valid_from = valid_to = None
    if validity_row is not None:
        values = row_values(rows[validity_row])
        text = values.get("validity") or rows[validity_row].text
        valid_from, valid_to = parse_validity(text)
    return {
        "issuing_authority": find_authority(rows, validity_row),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
