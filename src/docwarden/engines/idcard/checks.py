"""Consistency checks between the printed fields and the identity number.

Every mismatch is reported in `checks` and explained in `warnings`; no field
is ever changed to make the checks pass.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from docwarden.engines.idcard import numbers, regions
from docwarden.engines.idcard.ethnicities import is_known
from docwarden.engines.idcard.fields import BACK_FIELDS, FRONT_FIELDS, LONG_TERM, Fields


def _number_problem(number: str, today: dt.date) -> str | None:
    """Why a number is not valid, in words, or None when it is."""
    if len(number) != numbers.NUMBER_LENGTH:
        return f"ID number {number} has {len(number)} characters, 18 expected (misread?)"
    if not numbers.has_valid_format(number):
        return f"ID number {number} is not 17 digits followed by a digit or X"
    expected = numbers.check_char(number[:17])
    if expected != number[17]:
        return (f"ID number check character is {number[17]} but the first 17 digits give "
                f"{expected}: the number is misread or not genuine")
    birth = numbers.parse_date8(number[6:14])
    if birth is None:
        return f"ID number encodes {number[6:14]}, which is not a calendar date"
    if birth > today:
        return f"ID number encodes a birth date in the future ({birth.isoformat()})"
    if not regions.region_known(number[:6]):
        return f"region code {number[:6]} of the ID number is not a GB/T 2260 code"
    return None


def _compare(fields: Fields, info: numbers.NumberInfo, checks: dict[str, Any],
             warnings: list[str]) -> None:
    """Printed birth date and sex against the number."""
    encoded_birth = info.birth_date.isoformat() if info.birth_date else None
    if fields.get("birth") and encoded_birth:
        checks["birth_matches"] = fields["birth"] == encoded_birth
        if not checks["birth_matches"]:
            warnings.append(f"printed birth date {fields['birth']} differs from the date in the "
                            f"ID number ({encoded_birth})")
    if fields.get("sex"):
        checks["sex_matches"] = fields["sex"] == info.sex
        if not checks["sex_matches"]:
            warnings.append(f"printed sex {fields['sex']} differs from the ID number (its 17th "
                            f"digit means {info.sex})")


def misread_region_prefix(address: str | None, region_name: str | None) -> bool:
    """The address starts with the ID number's region name but for one character.

    A person may live elsewhere than the county that issued the number (a
    different prefix altogether); one character off a name of 5 or more is a
    misread (略阳县 read as 路阳县). Reported with a warning, never corrected.
    """
    if not address or not region_name or len(region_name) < 5:
        return False
    prefix = address[:len(region_name)]
    if len(prefix) < len(region_name):
        return False
    return sum(a != b for a, b in zip(prefix, region_name, strict=True)) == 1


def number_checks(fields: Fields, today: dt.date) -> tuple[dict[str, Any], list[str]]:
    """`checks` for the front fields, with a warning for each failed one."""
    checks: dict[str, Any] = {"id_number_valid": None, "birth_matches": None,
                              "sex_matches": None, "region": None}
    warnings: list[str] = []
    number = fields.get("id_number")
    if not number:
        return checks, warnings
    problem = _number_problem(number, today)
    checks["id_number_valid"] = problem is None
    if problem:
        warnings.append(problem)
    info = numbers.info(number)
    if info is None:
        return checks, warnings
    _compare(fields, info, checks, warnings)
    year = info.birth_date.year if info.birth_date else None
    region = regions.lookup(info.region_code, year)
    checks["region"] = (region.as_dict() if region else
                        {"code": info.region_code, "name": None, "status": "unknown"})
    address = fields.get("address")
    if region and misread_region_prefix(address, region.name):
        warnings.append(f"the address begins {str(address)[:len(region.name)]}, one character "
                        f"off the ID number's region {region.name} (misread?)")
    return checks, warnings


def field_warnings(fields: Fields, sides: tuple[str, ...], today: dt.date) -> list[str]:
    """Unread fields, an unknown ethnicity, an expired card."""
    expected = [name for side in sides
                for name in (FRONT_FIELDS if side == "front" else BACK_FIELDS)]
    missing = [name for name in expected if fields.get(name) is None]
    warnings = [f"could not read: {', '.join(missing)}"] if missing else []
    ethnicity = fields.get("ethnicity")
    if ethnicity and not is_known(ethnicity):
        warnings.append(f"ethnicity {ethnicity} is not one of the 56 recognised names (misread?)")
    valid_to = fields.get("valid_to")
    if valid_to and valid_to != LONG_TERM and valid_to < today.isoformat():
        warnings.append(f"the card expired on {valid_to}")
    valid_from = fields.get("valid_from")
    if valid_from and valid_to and valid_to != LONG_TERM and valid_to <= valid_from:
        warnings.append(f"validity ends ({valid_to}) before it starts ({valid_from})")
    return warnings
