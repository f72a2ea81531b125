"""Checks and warnings: mismatches are reported, never corrected; side refusals read well."""

from __future__ import annotations

import datetime as dt

import pytest

from docwarden.engines.idcard import record
from docwarden.engines.idcard.checks import field_warnings, number_checks
from docwarden.engines.idcard.reader import SideRead
from docwarden.errors import InvalidInput

TODAY = dt.date(2025, 6, 1)
Fields = dict[str, str | None]
FRONT: Fields = {
    "name": "张三", "sex": "男", "ethnicity": "汉", "birth": "1990-05-12",
    "address": "北京市东城区示例大街88号", "id_number": "110101199005121513",
}
BACK: Fields = {
    "issuing_authority": "北京市公安局东城分局", "valid_from": "2015-03-01",
    "valid_to": "2035-03-01",
}


def test_consistent_front() -> None:
    checks, warnings = number_checks(dict(FRONT), TODAY)
    assert checks == {"id_number_valid": True, "birth_matches": True, "sex_matches": True,
                      "region": {"code": "110101", "name": "北京市东城区", "status": "current"}}
    assert warnings == []


def test_mismatches_are_reported_and_fields_left_as_printed() -> None:
    fields = dict(FRONT, sex="女", birth="1990-05-13")
    checks, warnings = number_checks(fields, TODAY)
    assert checks["birth_matches"] is False and checks["sex_matches"] is False
    assert checks["id_number_valid"] is True
    assert fields["sex"] == "女" and fields["birth"] == "1990-05-13"
    assert any("birth date 1990-05-13" in w for w in warnings)
    assert any("printed sex 女" in w for w in warnings)


def test_wrong_check_character_is_explained() -> None:
    checks, warnings = number_checks(dict(FRONT, id_number="110101199005121514"), TODAY)
    assert checks["id_number_valid"] is False
    assert checks["birth_matches"] is True  # the other checks still run
    assert any("check character is 4" in w and "give 3" in w for w in warnings)


def test_unknown_and_abolished_regions() -> None:
    checks, warnings = number_checks(dict(FRONT, id_number="111111199011269753",
                                          birth="1990-11-26"), TODAY)
    assert checks["region"] == {"code": "111111", "name": None, "status": "unknown"}
    assert any("not a GB/T 2260 code" in w for w in warnings)
    checks, _ = number_checks(dict(FRONT, id_number="51900619930118688X", sex="女",
                                   birth="1993-01-18"), TODAY)
    assert checks["id_number_valid"] is True
    assert checks["region"]["status"] == "abolished"


def test_short_number_and_no_number() -> None:
    checks, warnings = number_checks(dict(FRONT, id_number="11010119900512151"), TODAY)
    assert checks["id_number_valid"] is False and checks["region"] is None
    assert any("17 characters" in w for w in warnings)
    checks, warnings = number_checks(dict(FRONT, id_number=None), TODAY)
    assert set(checks.values()) == {None} and warnings == []


def test_field_warnings() -> None:
    assert field_warnings(dict(FRONT), ("front",), TODAY) == []
    missing = field_warnings(dict(FRONT, address=None), ("front",), TODAY)
    assert missing == ["could not read: address"]
    expired = field_warnings(dict(BACK, valid_to="2020-01-01"), ("back",), TODAY)
    assert "the card expired on 2020-01-01" in expired
    assert field_warnings(dict(BACK, valid_to="长期"), ("back",), TODAY) == []
    unknown = field_warnings(dict(FRONT, ethnicity="火星"), ("front",), TODAY)
    assert any("火星" in w for w in unknown)


def test_wrong_side_and_not_a_card_messages() -> None:
    back = SideRead("back", 0.0, 7.0, dict(BACK))
    with pytest.raises(InvalidInput, match="looks like the back of an ID card; send it with "
                                           "side=back or side=auto"):
        record.check_side(back, "front", "this image")
    record.check_side(back, "auto", "this image")
    with pytest.raises(InvalidInput, match="does not look like a Chinese resident ID card"):
        record.check_side(SideRead(None, 0.0, 0.0), "auto", "this image")
    with pytest.raises(InvalidInput, match="side must be"):
        record.requested_side({"side": "top"})
    assert record.requested_side({}) == "auto"


def test_merge_both_sides() -> None:
    reads = [SideRead("front", 10.0, 0.0, dict(FRONT)), SideRead("back", 0.0, 7.0, dict(BACK))]
    merged = record.merge(reads, TODAY)
    assert merged["side"] == "both"
    assert merged["fields"] == {**FRONT, **BACK}
    assert merged["checks"]["id_number_valid"] is True
    assert merged["warnings"] == []
    single = record.merge(reads[1:], TODAY)
    assert single["side"] == "back" and single["fields"]["name"] is None
    assert single["checks"]["id_number_valid"] is None


def test_an_address_one_character_off_the_regions_name_is_flagged_not_corrected() -> None:
    from docwarden.engines.idcard.checks import misread_region_prefix

    region = "陕西省汉中市略阳县"
    assert misread_region_prefix("陕西省汉中市路阳县临河西街4组", region)
    assert not misread_region_prefix("陕西省汉中市略阳县临河西街4组", region)  # exact
    assert not misread_region_prefix("北京市东城区示例大街88号", region)  # lives elsewhere
    assert not misread_region_prefix("陕西省汉中", region)  # too short to compare
    assert not misread_region_prefix("北京市朝阳区", "北京朝阳")  # names under 5 are too short
    misread = {**FRONT, "address": "北京市东域区示例大街88号"}  # 东城区 -> 东域区
    _, warnings = number_checks(misread, TODAY)
    assert any("one character off" in w and "北京市东城区" in w for w in warnings)
    assert misread["address"] == "北京市东域区示例大街88号"  # left as read
    read = SideRead("front", 10.0, 0.0, misread, confidence={"address": 0.99})
    merged = record.merge([read], TODAY)
    assert merged["confidence"]["address"] <= 0.3
