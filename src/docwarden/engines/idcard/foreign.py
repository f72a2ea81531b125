"""Foreigner's permanent residence ID cards (外国人永久居留身份证), new and old format.

Pure parsing over upright OCR lines, like the resident card's `reader`:
fields are found by their values first (the number, the date range, the
dates, a known nationality) and by the bilingual labels (姓名/Name, 性别/Sex,
出生日期/Date of Birth, 国籍/Nationality, 有效期限/Period of Validity,
签发机关/Issuing Authority, 证件号码/ID No. or Card No.) for the rest.

The new card (2023) carries an 18-character number: 9, a 2-digit province,
the ISO numeric nationality, the birth date YYYYMMDD, a sequence (odd for men)
and a MOD 11-2 check character, as the resident number.  The old card carries
15 characters: the alpha-3 nationality, a 4-digit place code, the birth date
YYMMDD and 2 digits.  Nothing is changed to agree with the number: mismatches
go to `checks` and `warnings`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from docwarden.engines.idcard import numbers
from docwarden.engines.idcard.countries import BY_CHINESE, BY_NUMERIC, COUNTRIES, chinese_name
from docwarden.engines.idcard.fields import Fields, iso_date
from docwarden.engines.idcard.labels import cjk_only
from docwarden.engines.idcard.layout import Line, LineLike, Row, group_rows, to_lines

FOREIGN_NEW = "foreign_new"
FOREIGN_OLD = "foreign_old"
FOREIGN_SIDES = (FOREIGN_NEW, FOREIGN_OLD)
CARD_TYPES = {FOREIGN_NEW: "新版外国人永久居留身份证", FOREIGN_OLD: "旧版外国人永久居留身份证"}
FOREIGN_FIELDS = ("name_zh", "name_en", "sex", "birth", "nationality", "nationality_code",
                  "id_number", "issuing_authority", "valid_from", "valid_to")
TITLE_MARK = "永久居留"
# Markers worth this much make an image a foreign card rather than a resident one.
MIN_FOREIGN_SCORE = 2
LABELS: dict[str, re.Pattern[str]] = {key: re.compile(pattern, re.IGNORECASE) for key, pattern in {
    "name_zh": r"姓名", "name_en": r"(?<![A-Za-z])Name(?![A-Za-z])",
    "sex": r"性别|(?<![A-Za-z])Sex(?![A-Za-z])", "birth": r"出生日期|Date\s*of\s*Birth",
    "nationality": r"国籍|Nationality", "validity": r"有效期限|Period\s*of\s*Validity",
    "authority": r"签发机关|Issuing\s*Authority", "number": r"证件号码|(?:ID|Card)\s*No\.?",
}.items()}
_DATE = r"((?:19|20)\d{2})[.\-/年]?([01]?\d)[.\-/月]?([0-3]?\d)日?"
_RANGE_RE = re.compile(rf"(?<!\d){_DATE}\s*[-–—~至]+\s*{_DATE}(?!\d)")
_DATE_RE = re.compile(rf"(?<!\d){_DATE}(?!\d)")
_NEW_NUMBER_RE = re.compile(r"(?<![0-9])9\d{16}[\dX](?![0-9X])")
_OLD_NUMBER_RE = re.compile(r"(?<![A-Z])([A-Z]{3})([0-9OIlSB]{12})(?![0-9])")
_LATIN_NAME_RE = re.compile(r"^[A-Z][A-Z .,'\-]*[A-Z.]$")
_SEX_RE = re.compile(r"(?<![A-Za-z])([男女])|(?<![A-Za-z])([MF])(?![A-Za-z])")
_NOT_NAMES = {"SPECIMEN", "NAME", "SEX", "ID NO.", "CARD NO."}


def _strip_labels(text: str) -> str:
    for pattern in LABELS.values():
        text = pattern.sub("", text)
    return text.strip(" /:：|")


def _labels_of(text: str) -> set[str]:
    return {key for key, pattern in LABELS.items() if pattern.search(text)}


def find_number(texts: Sequence[str]) -> str | None:
    """The card number as read: a new 18-character one first, else an old 15-character one."""
    joined = [re.sub(r"\s+", "", text).upper() for text in texts]
    for text in joined:
        for candidate in numbers.candidates(text):
            if _NEW_NUMBER_RE.fullmatch(candidate):
                return candidate
    for text in joined:
        match = _OLD_NUMBER_RE.search(text)
        if match:
            return match[1] + numbers.normalise_ocr_number(match[2])
    return None


def variant_of(number: str | None) -> str | None:
    if number and len(number) == numbers.NUMBER_LENGTH:
        return FOREIGN_NEW
    if number and len(number) == numbers.LEGACY_LENGTH:
        return FOREIGN_OLD
    return None


def foreign_score(texts: Sequence[str]) -> int:
    """How strongly the lines say "foreign permanent residence card" (0 when not at all)."""
    joined = "".join(texts)
    score = 2 * (TITLE_MARK in joined) + 2 * (find_number(texts) is not None)
    english = ("nationality", "validity", "name_en")
    score += sum(1 for key in english if LABELS[key].search(joined))
    return score


def looks_foreign(raw: Sequence[LineLike]) -> bool:
    return foreign_score([line.text for line in raw]) >= MIN_FOREIGN_SCORE


def _dates(texts: Sequence[str]) -> tuple[str | None, str | None, str | None]:
    """(birth, valid_from, valid_to) from the date range and the other dates."""
    valid_from = valid_to = birth = None
    for text in texts:
        compact = re.sub(r"\s+", "", text)
        found = _RANGE_RE.search(compact)
        if found and valid_from is None:
            valid_from, valid_to = iso_date(*found.groups()[:3]), iso_date(*found.groups()[3:])
            continue
        if birth is None and not found:
            single = _DATE_RE.search(compact)
            birth = iso_date(*single.groups()) if single else None
    return birth, valid_from, valid_to


def _nationality(texts: Sequence[str], number: str | None) -> tuple[str | None, str | None]:
    """(Chinese name as printed or looked up, alpha-3 code) of the nationality."""
    name = code = None
    for text in texts:
        if "中华人民共和国" in text:
            continue
        name = name or next((n for n in BY_CHINESE if n in cjk_only(text)), None)
        if code is None:
            code = next((c for c in re.findall(r"(?<![A-Z])[A-Z]{3}(?![A-Z])", text.upper())
                         if c in COUNTRIES and not re.search(r"\d", text)), None)
    if code is None and name is not None:
        code = BY_CHINESE[name]
    if code is None and number:
        code = number[:3] if variant_of(number) == FOREIGN_OLD else BY_NUMERIC.get(number[3:6])
    return name or (chinese_name(code) if code else None), code


def _row_value(rows: Sequence[Row], key: str) -> tuple[str | None, int | None]:
    """The text after `key`'s label on its row, and the row index."""
    for index, row in enumerate(rows):
        if key in _labels_of(row.text):
            value = _strip_labels(" ".join(_strip_labels(line.text) for line in row.lines))
            return value or None, index
    return None, None


def _english_name(rows: Sequence[Row], codes: set[str]) -> str | None:
    value, _ = _row_value(rows, "name_en")
    candidates = [value] if value else []
    candidates += [_strip_labels(line.text) for row in rows for line in row.lines]
    for candidate in candidates:
        text = re.sub(r"\s*,\s*", ", ", candidate.strip()).upper()
        if (_LATIN_NAME_RE.match(text) and text not in _NOT_NAMES and text not in codes
                and len(text.replace(" ", "")) >= 3):
            return text
    return None


def _chinese_name(rows: Sequence[Row]) -> str | None:
    value, _ = _row_value(rows, "name_zh")
    name = cjk_only(value or "", keep="·")
    return name if 1 < len(name) <= 12 else None


def _sex(rows: Sequence[Row]) -> str | None:
    value, _ = _row_value(rows, "sex")
    texts = [value] if value else [line.text for row in rows for line in row.lines
                                   if len(line.text) <= 4]
    for text in texts:
        match = _SEX_RE.search(text or "")
        if match:
            return match[1] or ("男" if match[2] == "M" else "女")
    return None


def _authority(rows: Sequence[Row]) -> str | None:
    value, _ = _row_value(rows, "authority")
    for text in [value or ""] + [row.text for row in rows]:
        cjk = cjk_only(_strip_labels(text))
        if cjk.endswith(("管理局", "公安部", "出入境管理局")):
            return cjk
    return None


def parse(raw: Sequence[LineLike], width: float, height: float) -> Fields:
    """The printed fields of an upright card (None where not read)."""
    lines: list[Line] = to_lines(raw, width, height)
    rows = group_rows(lines)
    texts = [line.text for line in lines] + [row.text for row in rows]
    number = find_number(texts)
    birth, valid_from, valid_to = _dates([row.text for row in rows])
    nationality, code = _nationality(texts, number)
    return {"name_zh": _chinese_name(rows), "name_en": _english_name(rows, set(COUNTRIES)),
            "sex": _sex(rows), "birth": birth, "nationality": nationality,
            "nationality_code": code, "id_number": number,
            "issuing_authority": _authority(rows), "valid_from": valid_from,
            "valid_to": valid_to}


def _encoded(number: str) -> tuple[str | None, str | None, str | None]:
    """(birth ISO, sex, alpha-3 nationality) encoded in a card number."""
    if variant_of(number) == FOREIGN_NEW:
        birth = numbers.parse_date8(number[6:14])
        sex = "男" if number[16].isdigit() and int(number[16]) % 2 else "女"
        return (birth.isoformat() if birth else None), sex, BY_NUMERIC.get(number[3:6])
    yymmdd = number[7:13]
    birth_old = None
    for century in ("19", "20"):
        found = numbers.parse_date8(century + yymmdd)
        if found and found <= dt.date.today():
            birth_old = found.isoformat()
    return birth_old, None, number[:3]


def _number_problem(number: str) -> str | None:
    if variant_of(number) == FOREIGN_NEW:
        if not numbers.checksum_ok(number):
            return (f"card number {number}: the check character does not match the first 17 "
                    "digits (misread or not genuine)")
    elif not re.fullmatch(r"[A-Z]{3}\d{12}", number):
        return f"card number {number} is not 3 letters and 12 digits"
    if _encoded(number)[0] is None:
        return f"card number {number} does not encode a calendar birth date"
    return None


def checks(fields: Fields) -> tuple[dict[str, Any], list[str]]:
    """Number validity and the printed fields against what the number encodes."""
    result: dict[str, Any] = {"id_number_valid": None, "birth_matches": None,
                              "sex_matches": None, "nationality_matches": None}
    warnings = [f"{name} could not be read" for name in ("id_number", "name_en", "birth")
                if not fields.get(name)]
    number = fields.get("id_number")
    if not number:
        return result, warnings
    problem = _number_problem(number)
    result["id_number_valid"] = problem is None
    warnings += [problem] if problem else []
    printed = (fields.get("birth"), fields.get("sex"), fields.get("nationality_code"))
    for key, shown, encoded in zip(("birth_matches", "sex_matches", "nationality_matches"),
                                   printed, _encoded(number), strict=True):
        if shown and encoded:
            result[key] = shown == encoded
            if not result[key]:
                warnings.append(f"printed {key.removesuffix('_matches')} {shown} differs from "
                                f"the card number ({encoded})")
    return result, warnings


def answer(raw: Sequence[LineLike], width: float, height: float,
           requested: str | None) -> dict[str, Any]:
    """The engine's answer for a foreign card; `requested` None means detect the format."""
    fields = parse(raw, width, height)
    detected = variant_of(fields.get("id_number"))
    side = requested or detected or FOREIGN_NEW
    found, warnings = checks(fields)
    if requested and detected and detected != requested:
        warnings.append(f"the card number looks like a {detected} card, not {requested}")
    return {"side": side, "card_type": CARD_TYPES[side], "fields": fields, "checks": found,
            "warnings": warnings}


def is_card(fields: Fields) -> bool:
    """Enough was read to call it a card: the number, or two of the main fields."""
    main = ("name_en", "birth", "nationality", "valid_to")
    return bool(fields.get("id_number")) or sum(bool(fields.get(k)) for k in main) >= 2

