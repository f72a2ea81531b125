"""Foreigner's permanent residence cards: parsing hand-written OCR lines, checks, generator."""

from __future__ import annotations

from dataclasses import dataclass

from docwarden.engines.idcard import foreign, numbers
from tests.foreigncardgen import foreign_fields


@dataclass(frozen=True)
class L:
    text: str
    box: tuple[tuple[float, float], ...]


def lines(*rows: tuple[str, ...]) -> list[L]:
    """One row per tuple, label at x=50 and values from x=300, 44 px apart."""
    out = []
    for index, row in enumerate(rows):
        y = 100 + 44 * index
        for col, text in enumerate(row):
            x = 50 if col == 0 else 300
            out.append(L(text, ((x, y), (x + 200, y), (x + 200, y + 26), (x, y + 26))))
    return out


NEW = lines(("外国人永久居留身份证",), ("姓名/Name", "证件样本"), ("", "ZHENGJIAN，YANGBEN"),
            ("性别/Sex", "女/F"), ("出生日期/Date of Birth", "1981.08.03"),
            ("国籍/Nationality", "加拿大/CAN"),
            ("有效期限/Period of Validity", "2023.09.15-2033.09.14"),
            ("证件号码/ID No.", "911124198108030024"))
OLD = lines(("Name", "ZHENGJIAN,YANGBEN"), ("姓名", "证件样本"), ("性别/Sex", "女/F"),
            ("出生日期/Date of Birth", "1981.08.03"), ("国籍/Nationality", "加拿大/CAN"),
            ("有效期限/Period of Validity", "2023.09.15-2033.09.14"),
            ("签发机关/Issuing Authority", "中华人民共和国国家移民管理局"),
            ("证件号码/Card No.", "CAN110081080310"))


def test_the_new_card_sample_reads_field_by_field() -> None:
    answer = foreign.answer(NEW, 856, 540, None)
    assert answer["side"] == "foreign_new" and answer["card_type"] == "新版外国人永久居留身份证"
    assert answer["fields"] == {
        "name_zh": "证件样本", "name_en": "ZHENGJIAN, YANGBEN", "sex": "女",
        "birth": "1981-08-03", "nationality": "加拿大", "nationality_code": "CAN",
        "id_number": "911124198108030024", "issuing_authority": None,
        "valid_from": "2023-09-15", "valid_to": "2033-09-14"}
    assert answer["checks"] == {"id_number_valid": True, "birth_matches": True,
                                "sex_matches": True, "nationality_matches": True}
    assert answer["warnings"] == []


def test_the_old_card_sample_reads_with_its_authority() -> None:
    answer = foreign.answer(OLD, 856, 540, "foreign_old")
    fields = answer["fields"]
    assert answer["side"] == "foreign_old" and fields["id_number"] == "CAN110081080310"
    assert fields["name_en"] == "ZHENGJIAN, YANGBEN" and fields["name_zh"] == "证件样本"
    assert fields["issuing_authority"] == "中华人民共和国国家移民管理局"
    assert answer["checks"]["id_number_valid"] and answer["checks"]["birth_matches"]
    assert answer["checks"]["sex_matches"] is None  # the old number does not encode sex


def test_mismatches_are_reported_never_repaired() -> None:
    wrong = [L("1981.08.04", item.box) if item.text == "1981.08.03" else item for item in NEW]
    wrong = [L("男/M", item.box) if item.text == "女/F" else item for item in wrong]
    answer = foreign.answer(wrong, 856, 540, "foreign_old")
    assert answer["fields"]["birth"] == "1981-08-04" and answer["fields"]["sex"] == "男"
    assert answer["checks"]["birth_matches"] is False and answer["checks"]["sex_matches"] is False
    assert any("looks like a foreign_new card" in w for w in answer["warnings"])
    bad_check = [L("911124198108030025", item.box) if item.text.startswith("9111") else item
                 for item in NEW]
    assert foreign.answer(bad_check, 856, 540, None)["checks"]["id_number_valid"] is False


def test_resident_card_lines_are_not_foreign() -> None:
    resident = lines(("姓名", "张三"), ("性别", "男", "民族汉"), ("出生", "1990年5月12日"),
                     ("公民身份号码", "110101199005121513"))
    assert not foreign.looks_foreign(resident)
    assert foreign.looks_foreign(NEW) and foreign.looks_foreign(OLD)
    assert not foreign.is_card(foreign.parse(resident, 856, 540))


def test_generated_cards_are_deterministic_and_structurally_right() -> None:
    new, old = foreign_fields(7, "foreign_new"), foreign_fields(7, "foreign_old")
    assert new == foreign_fields(7, "foreign_new")
    assert numbers.checksum_ok(str(new["id_number"])) and new["issuing_authority"] is None
    assert str(old["id_number"]).startswith(str(old["nationality_code"]))
    assert foreign.checks(old)[0]["id_number_valid"] is True
