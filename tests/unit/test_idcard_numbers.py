"""GB 11643-1999 numbers against the shared test vectors, and OCR normalisation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from docwarden.engines.idcard import numbers

DATA = Path(__file__).resolve().parents[1] / "data" / "idcard" / "idnumbers.json"
VECTORS: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
CARD_VECTORS = [v for v in VECTORS["vectors"] if v["category"] != "legacy_15_digit"]
LEGACY_VECTORS = [v for v in VECTORS["vectors"] if v["category"] == "legacy_15_digit"]


@pytest.mark.parametrize("vector", CARD_VECTORS, ids=lambda v: f"{v['category']}:{v['number']}")
def test_validate_matches_vector(vector: dict[str, Any]) -> None:
    assert numbers.validate(vector["number"]) is vector["valid"]


@pytest.mark.parametrize("vector", [v for v in CARD_VECTORS if v["valid"]],
                         ids=lambda v: v["number"])
def test_info_of_valid_vectors(vector: dict[str, Any]) -> None:
    info = numbers.info(vector["number"])
    assert info is not None
    assert info.region_code == vector["region_code"]
    assert info.birth_date == dt.date.fromisoformat(vector["birth_date"])
    assert info.sex == {"M": "男", "F": "女"}[vector["sex"]]


@pytest.mark.parametrize("vector", LEGACY_VECTORS, ids=lambda v: v["number"])
def test_legacy_15_digit_numbers_upgrade(vector: dict[str, Any]) -> None:
    # A second-generation card always carries 18 characters; 15-digit numbers only upgrade.
    assert numbers.validate(vector["number"]) is False
    assert numbers.upgrade_legacy(vector["number"]) == vector["upgraded_18"]
    assert numbers.validate(vector["upgraded_18"])


@pytest.mark.parametrize("vector", VECTORS["upstream_vectors"]["vectors"],
                         ids=lambda v: v["number"])
def test_upstream_vectors(vector: dict[str, Any]) -> None:
    number = vector["number"]
    if len(number) == numbers.LEGACY_LENGTH:
        assert (numbers.upgrade_legacy(number) is not None) is vector["valid"]
    else:
        assert numbers.validate(number) is vector["valid"]


def test_lowercase_x_is_valid_only_after_normalisation() -> None:
    vector = next(v for v in VECTORS["vectors"] if v["category"] == "normalisation")
    assert not numbers.validate(vector["number"])
    assert numbers.validate(numbers.normalise_ocr_number(vector["number"]))


def test_check_char_examples() -> None:
    assert numbers.check_char("11010519491231002") == "X"
    assert numbers.check_char("11010119900512151") == "3"
    with pytest.raises(ValueError):
        numbers.check_char("1234")


def test_future_birth_date_is_invalid() -> None:
    body = "11010120300101001"
    number = body + numbers.check_char(body)
    assert numbers.checksum_ok(number)
    assert not numbers.validate(number, today=dt.date(2025, 1, 1))
    assert numbers.validate(number, today=dt.date(2031, 1, 1))


@pytest.mark.parametrize(("read", "expected"), [
    ("11010519491231002x", "11010519491231002X"),
    ("11010519491231002×", "11010519491231002X"),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
    ("110105 19491231 002X", "11010519491231002X"),
    ("11O1O519491231OO2X", "11010519491231002X"),
])
def test_normalise_ocr_number(read: str, expected: str) -> None:
    assert numbers.normalise_ocr_number(read) == expected


def test_candidates_in_merged_label_text() -> None:
    assert numbers.candidates("公民身份号码11010519491231002x") == ["11010519491231002X"]
    assert numbers.candidates("2015.03.01-2035.03.01") == []
    assert numbers.candidates("1990年5月12日") == []
