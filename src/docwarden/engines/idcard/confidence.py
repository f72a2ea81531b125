"""Per-field confidence: the recogniser's score of the lines a value came from, then the checks.

A caller routes a card to a person when any field is below `LOW_CONFIDENCE`.
The recogniser's line score says how sure it was of the glyphs; the checks
then move it: an ID number with a valid check character and a known region,
a birth date and sex that agree with that number, an address that opens with
the number's GB/T 2260 region and an issuing authority named after a known
district are all much more likely right than the glyph score alone says, and
any failed check caps the field low.  Values are never changed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from docwarden.engines.idcard import regions
from docwarden.engines.idcard.checks import misread_region_prefix
from docwarden.engines.idcard.ethnicities import is_known
from docwarden.engines.idcard.fields import BACK_FIELDS, FRONT_FIELDS, LONG_TERM, Fields
from docwarden.engines.idcard.labels import AUTHORITY_WORDS, split_text
from docwarden.engines.idcard.layout import LineLike, normalise_text

# Below this a field should be looked at by a person (a warning names it).
LOW_CONFIDENCE = 0.8
# A value whose source lines cannot be told apart gets this much.
UNATTRIBUTED = 0.5
# A failed check caps the field here.
FAILED_CHECK = 0.3
# A passed check removes this share of the remaining doubt.
CHECK_WEIGHT = 0.9
DATE_FIELDS = ("birth", "valid_from", "valid_to")


def _date_key(text: str) -> str:
    """ISO or printed date -> digits without leading zeros per part (1990年5月12日 = 1990-05-12)."""
    return "".join(str(int(part)) for part in re.findall(r"\d+", text))


def _key_for(name: str) -> Callable[[str], str]:
    if name == "birth":
        return _date_key
    if name in DATE_FIELDS:
        return lambda text: re.sub(r"\D", "", text)
    if name == "id_number":
        return lambda text: re.sub(r"[^0-9X]", "", text.upper().replace("×", "X"))
    return lambda text: re.sub(r"[\s:.,;，：]", "", text)


def _pieces(lines: Sequence[LineLike]) -> list[tuple[str, float]]:
    """(value text without its printed label, line score) for every line."""
    found = []
    for line in lines:
        score = float(getattr(line, "score", 1.0))
        for segment in split_text(normalise_text(line.text)):
            if segment.text:
                found.append((segment.text, score))
    return found


def value_confidence(name: str, value: str, pieces: Sequence[tuple[str, float]]) -> float:
    """The score of the line(s) the value was read from; partly read values score less."""
    key = _key_for(name)
    wanted = key(value)
    if name == "valid_to" and value == LONG_TERM:
        wanted = LONG_TERM
    if not wanted:
        return UNATTRIBUTED
    keyed = [(key(text) if wanted != LONG_TERM else text, score) for text, score in pieces]
    exact = [score for text, score in keyed if text == wanted]
    within = [score for text, score in keyed if wanted in text]
    if exact or within:
        return max(exact or within)
    parts = {text: score for text, score in keyed if text and text in wanted}
    covered = min(1.0, sum(len(text) for text in parts) / len(wanted))
    return min(parts.values()) * covered if parts else UNATTRIBUTED


def from_lines(fields: Fields, lines: Sequence[LineLike]) -> dict[str, float]:
    """Recogniser-based confidence of every field read on one side (0 for an unread one)."""
    pieces = _pieces(lines)
    return {name: (round(value_confidence(name, value, pieces), 3) if value else 0.0)
            for name, value in fields.items()}


def _passed(score: float) -> float:
    return 1.0 - (1.0 - score) * (1.0 - CHECK_WEIGHT)


def _check_outcomes(fields: Fields, checks: dict[str, Any]) -> dict[str, bool | None]:
    """Per field: True when a check confirms it, False when one contradicts it, None if none."""
    region = checks.get("region") or {}
    region_name = region.get("name") if region.get("status") in {"current", "history"} else None
    ethnicity, address = fields.get("ethnicity"), fields.get("address")
    return {
        "id_number": checks.get("id_number_valid"),
        "birth": checks.get("birth_matches"),
        "sex": checks.get("sex_matches"),
        "ethnicity": None if not ethnicity else (None if is_known(ethnicity) else False),
        "address": (True if region_name and address and address.startswith(region_name)
                    else False if misread_region_prefix(address, region_name) else None),
        "issuing_authority": authority_known(fields.get("issuing_authority")),
        "valid_from": _validity_consistent(fields),
        "valid_to": _validity_consistent(fields),
    }


@cache
def authority_names() -> frozenset[str]:
    """How police offices sign cards: 某县公安局, 某市公安局, 某市公安局某分局 (GB/T 2260 names)."""
    table = regions.current_table()
    names: set[str] = set()
    for code, county in table.items():
        names.add(f"{county}公安局")
        city = table.get(code[:4] + "00") or table.get(code[:2] + "0000")
        if city and city != county and len(county) > 2:
            names.add(f"{city}公安局{county[:-1]}分局")
            names.add(f"{city}公安局{county}分局")
    return frozenset(names)


def authority_known(authority: str | None) -> bool | None:
    """True for an authority named like a real office of a GB/T 2260 district, False for text
    that is no police office at all, None (no opinion) otherwise."""
    if not authority:
        return None
    if not authority.endswith(AUTHORITY_WORDS):
        return False
    return True if authority in authority_names() else None


def _validity_consistent(fields: Fields) -> bool | None:
    """Validity of 5, 10 or 20 years (same day and month), or long-term from a real date."""
    start, end = fields.get("valid_from"), fields.get("valid_to")
    if not start or not end:
        return None
    if end == LONG_TERM:
        return True
    years = int(end[:4]) - int(start[:4])
    return end[4:] == start[4:] and years in (5, 10, 20)


def adjusted(fields: Fields, raw: dict[str, float], checks: dict[str, Any]) -> dict[str, float]:
    """Recogniser confidence moved by the checks: up when confirmed, capped when contradicted."""
    outcomes = _check_outcomes(fields, checks)
    result: dict[str, float] = {}
    for name in (*FRONT_FIELDS, *BACK_FIELDS):
        if name not in raw:
            continue
        score, outcome = raw[name], outcomes.get(name)
        if fields.get(name) is None:
            score = 0.0
        elif outcome is True:
            score = _passed(score)
        elif outcome is False:
            score = min(score, FAILED_CHECK)
        result[name] = round(score, 3)
    return result


def low_confidence_warning(confidence: dict[str, float], fields: Fields) -> list[str]:
    """One warning naming the read fields a person should check."""
    low = [f"{name} ({score:.2f})" for name, score in confidence.items()
           if fields.get(name) is not None and score < LOW_CONFIDENCE]
    return [f"low confidence, check by eye: {', '.join(low)}"] if low else []
