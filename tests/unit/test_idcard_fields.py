"""Layout-aware parsing on hand-made OCR lines: merged, missing and wrapped labels, sides."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from docwarden.engines.idcard.closed_reread import valid_name
from docwarden.engines.idcard.layout import group_rows, to_lines
from docwarden.engines.idcard.reader import choose_quarter_turns, interpret

CHAR_PX = 30.0
WIDTH, HEIGHT = 856.0, 540.0


@dataclass(frozen=True)
class FakeLine:
    text: str
    box: list[list[float]]


def line(text: str, x: float, y: float, h: float = 32.0, char_px: float = CHAR_PX) -> FakeLine:
    """A horizontal OCR line whose box starts at (x, y), about one `char_px` per character."""
    w = max(1, len(text)) * char_px
    return FakeLine(text, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]])


def front_lines(name: str = "张三", number: str = "110101199005121513") -> list[FakeLine]:
    """A clean front as RapidOCR reads it: labels and values as separate lines."""
    return [
        line("样本 SPECIMEN", 40, 20, 22, 12),
        line("姓名", 56, 65), line(name, 145, 63, 36),
        line("性别", 56, 122), line("男", 150, 122),
        line("民族", 255, 122), line("汉", 340, 122),
        line("出生", 56, 179), line("1990年5月12日", 146, 178, char_px=22),
        line("住址", 57, 236), line("北京市东城区示例大街88", 147, 233, char_px=26),
        line("号", 147, 271),
        line("公民身份号码", 57, 444, char_px=24), line(number, 242, 445, char_px=17),
    ]


def back_lines(validity: str = "2015.03.01-2035.03.01") -> list[FakeLine]:
    return [
        line("中华人民共和国", 245, 78, 54, 47), line("居民身份证", 274, 161, 72, 62),
        line("签发机关", 168, 374, 28, 26), line("北京市公安局东城分局", 284, 372, char_px=26),
        line("有效期限", 167, 434, 28, 26), line(validity, 280, 432, char_px=14),
    ]


EXPECTED_FRONT = {"name": "张三", "sex": "男", "ethnicity": "汉", "birth": "1990-05-12",
                  "address": "北京市东城区示例大街88号", "id_number": "110101199005121513"}


def read_front(lines: list[FakeLine]) -> dict[str, str | None]:
    read = interpret(lines, WIDTH, HEIGHT)
    assert read.side == "front"
    return read.fields


def test_clean_front() -> None:
    assert read_front(front_lines()) == EXPECTED_FRONT


def test_labels_merged_with_values() -> None:
    lines = [
        line("姓名张三", 52, 62, 40), line("性别男民族汉", 54, 118, 38),
        line("出生1990年5月12日", 56, 179, char_px=22), line("住址北京市东城区示例大街88", 57, 233),
        line("号", 147, 271), line("公民身份号码110101199005121513", 57, 444, char_px=17),
    ]
    assert read_front(lines) == EXPECTED_FRONT


def test_labels_misread_under_motion_blur_are_still_labels() -> None:
    """Blur turns 姓名 into 姓者 and 住址 into 佳址 (bench/accuracy/idcard.py, motion)."""
    lines = [
        line("姓者张三", 52, 62, 40), line("性别男民族汉", 54, 118, 38),
        line("出生1990年5月12日", 56, 179, char_px=22), line("佳址北京市东城区示例大街88", 57, 233),
        line("号", 147, 271), line("公民身份号码110101199005121513", 57, 444, char_px=17),
    ]
    assert read_front(lines) == EXPECTED_FRONT


def replaced(lines: list[FakeLine], old: str, *new: FakeLine) -> list[FakeLine]:
    return [item for item in lines if item.text != old] + list(new)


@pytest.mark.parametrize("merged", [False, True], ids=["own-box", "merged"])
@pytest.mark.parametrize(("label", "misread"), [
    ("姓名", "娃名"), ("姓名", "姓各"), ("住址", "住扯"), ("出生", "出主")])
def test_a_label_one_character_off_in_the_label_column_is_the_label(
        label: str, misread: str, merged: bool) -> None:
    """Any label of the closed set read one character off where labels stand is that label."""
    lines = front_lines()
    (printed,) = [item for item in lines if item.text == label]
    x, y = printed.box[0]
    if merged:  # the label and its value in one box: "娃名张三"
        (value,) = [item for item in lines if abs(item.box[0][1] - y) <= 3
                    and x + 60 < item.box[0][0] < 200]
        lines = replaced(replaced(lines, value.text), label, line(misread + value.text, x, y))
    else:
        lines = replaced(lines, label, line(misread, x, y))
    assert read_front(lines) == EXPECTED_FRONT


def test_a_misread_authority_label_on_the_back_is_the_label() -> None:
    lines = replaced(back_lines(), "签发机关", line("签发机夫", 168, 374, 28, 26))
    assert interpret(lines, WIDTH, HEIGHT).fields["issuing_authority"] == "北京市公安局东城分局"


@pytest.mark.parametrize(("name", "label"), [
    ("姓明华", None), ("姓明", None), ("姓明华", "姓名"), ("姓明华", "娃名"), ("姓名", "姓名"),
    ("住扯", None)])
def test_a_name_that_looks_like_a_label_keeps_every_character(name: str,
                                                             label: str | None) -> None:
    """In the value column text is never taken for a label: a surname can be 姓."""
    lines = [item for item in front_lines(name=name) if item.box[0][0] > 100 or item.text != "姓名"]
    if label is not None:
        lines.append(line(label, 56, 65))
    assert read_front(lines)["name"] == name


def test_without_a_label_read_exactly_nothing_is_taken_for_one() -> None:
    """No label column is known then: a left-most 出主 could be anything, it stays."""
    lines = [line("娃名张三", 52, 62, 40), line("110101199005121513", 242, 445, char_px=17)]
    assert read_front(lines)["name"] == "娃名张三"


def test_labels_missing_entirely() -> None:
    unlabelled = [item for item in front_lines() if item.text not in
                  {"姓名", "性别", "民族", "出生", "住址", "公民身份号码"}]
    assert read_front(unlabelled) == EXPECTED_FRONT


def test_label_characters_in_separate_boxes_and_specks_before_labels() -> None:
    lines = [item for item in front_lines() if item.text not in {"姓名", "出生"}]
    lines += [line("姓", 56, 65), line("名", 90, 65), line("|出生", 50, 179)]
    assert read_front(lines) == EXPECTED_FRONT


def test_sex_and_ethnicity_without_labels_on_one_line() -> None:
    lines = [item for item in front_lines() if item.text not in {"性别", "男", "民族", "汉"}]
    lines.append(line("男 汉", 150, 122))
    assert read_front(lines) == EXPECTED_FRONT


def test_wrapped_address_right_next_to_the_number_never_takes_it() -> None:
    lines = [item for item in front_lines() if item.text not in
             {"北京市东城区示例大街88", "号", "公民身份号码", "110101199005121513"}]
    lines += [
        line("广东省深圳市南山区科技园", 147, 233, char_px=27),
        line("样本南路9号样本大厦B座", 147, 271, char_px=26),
        line("2306房", 146, 309, char_px=18),
        # The number row starts right under the last address line and overlaps it a little.
        line("公民身份号码", 57, 336, char_px=24), line("110101199005121513", 242, 334, char_px=17),
    ]
    fields = read_front(lines)
    assert fields["address"] == "广东省深圳市南山区科技园样本南路9号样本大厦B座2306房"
    assert fields["id_number"] == "110101199005121513"


def test_address_line_opening_with_a_label_word_stays_in_the_address() -> None:
    lines = [item for item in front_lines() if item.text not in
             {"北京市东城区示例大街88", "号", "性别"}]
    lines += [line("北京市东城区", 147, 233, char_px=27), line("民族路88号", 147, 271, char_px=27)]
    fields = read_front(lines)
    assert fields["address"] == "北京市东城区民族路88号"
    assert (fields["sex"], fields["ethnicity"]) == ("男", "汉")


def test_unlabelled_number_in_the_value_column_just_below_the_address() -> None:
    lines = [item for item in front_lines() if item.text not in
             {"公民身份号码", "110101199005121513"}]
    lines.append(line("110101199005121513", 147, 306, char_px=17))
    fields = read_front(lines)
    assert fields["address"] == "北京市东城区示例大街88号"
    assert fields["id_number"] == "110101199005121513"


@pytest.mark.parametrize(("read", "name"), [
    ("买买提・艾力", "买买提·艾力"), ("买买提•艾力", "买买提·艾力"), ("买买提.艾力", "买买提·艾力"),
    ("欧阳小明", "欧阳小明"), ("王五", "王五"), ("李 四", "李四"),
])
def test_names(read: str, name: str) -> None:
    lines = [item for item in front_lines() if item.text != "张三"]
    lines.append(line(read, 145, 63, 36))
    assert read_front(lines)["name"] == name


@pytest.mark.parametrize("read", ["11010519491231002X", "11010519491231002x",
                                  "11010519491231002×"])
def test_x_check_character(read: str) -> None:
    fields = read_front(front_lines(number=read))
    assert fields["id_number"] == "11010519491231002X"


def test_traditional_forms_from_the_recogniser_are_simplified() -> None:
    lines = [item for item in front_lines() if item.text != "汉"]
    lines.append(line("漢", 340, 122))
    assert read_front(lines)["ethnicity"] == "汉"


def test_multi_character_ethnicity_with_suffix() -> None:
    lines = [item for item in front_lines() if item.text not in {"民族", "汉"}]
    lines.append(line("民族维吾尔族", 255, 122))
    assert read_front(lines)["ethnicity"] == "维吾尔"


@pytest.mark.parametrize(("read", "ethnicity"), [
    ("维吾儿", "维吾尔"), ("仏佬", "仏佬"),  # 仫佬 or 仡佬: ambiguous, left as read
    ("汉族", "汉"), ("土家族", "土家"), ("蒙古", "蒙古"), ("火", "火")])
def test_ethnicity_matching(read: str, ethnicity: str) -> None:
    lines = [item for item in front_lines() if item.text != "汉"]
    lines.append(line(read, 340, 122))
    assert read_front(lines)["ethnicity"] == ethnicity


@pytest.mark.parametrize(("reread", "prefix", "name"), [
    ("民族仫佬", "民族", "仫佬"), ("仫佬族", "", "仫佬"), ("性别男民族仫佬", "性别男民族", "仫佬"),
    ("男仫佬", "男", "仫佬"), ("民族仏佬", "民族", None), ("民族", "民族", None),
    ("民族火车站", "民族", None)])
def test_a_reread_counts_only_as_a_valid_name(reread: str, prefix: str, name: str | None) -> None:
    """A second look at the ethnicity may replace a reading only by one of the 56 names."""
    assert valid_name(reread, prefix) == name


def test_back_labelled() -> None:
    read = interpret(back_lines(), WIDTH, HEIGHT)
    assert read.side == "back"
    assert read.fields == {"issuing_authority": "北京市公安局东城分局",
                           "valid_from": "2015-03-01", "valid_to": "2035-03-01"}


def test_issuing_authority_wrapping_over_two_lines() -> None:
    lines = [item for item in back_lines() if item.text != "北京市公安局东城分局"]
    lines += [line("新疆维吾尔自治区乌鲁木齐市公安", 284, 372, char_px=22),
              line("局天山区分局", 284, 404, char_px=22)]
    lines = [FakeLine(item.text, [[x, y + 40 if y > 420 else y] for x, y in item.box])
             if item.text in {"有效期限", "2015.03.01-2035.03.01"} else item for item in lines]
    fields = interpret(lines, WIDTH, HEIGHT).fields
    assert fields["issuing_authority"] == "新疆维吾尔自治区乌鲁木齐市公安局天山区分局"
    assert fields["valid_to"] == "2035-03-01"


@pytest.mark.parametrize(("validity", "start", "end"), [
    ("2008.01.10-长期", "2008-01-10", "长期"),
    ("2008.01.10一长期", "2008-01-10", "长期"),
    ("2015.03.012035.03.01", "2015-03-01", "2035-03-01"),
    ("2015.03.01—2035.03.01", "2015-03-01", "2035-03-01"),
])
def test_validity_variants(validity: str, start: str, end: str) -> None:
    fields = interpret(back_lines(validity), WIDTH, HEIGHT).fields
    assert (fields["valid_from"], fields["valid_to"]) == (start, end)


def test_back_without_labels() -> None:
    lines = [item for item in back_lines() if item.text not in {"签发机关", "有效期限"}]
    read = interpret(lines, WIDTH, HEIGHT)
    assert read.side == "back"
    assert read.fields["issuing_authority"] == "北京市公安局东城分局"
    assert read.fields["valid_to"] == "2035-03-01"


def test_not_a_card() -> None:
    lines = [line("Hello world", 10, 10), line("docwarden 123", 10, 60)]
    assert interpret(lines, WIDTH, HEIGHT).side is None
    assert interpret([], WIDTH, HEIGHT).side is None


def test_side_hint_parses_the_side_asked_for_when_its_markers_were_read() -> None:
    assert interpret(front_lines(), WIDTH, HEIGHT, side_hint="back").side == "front"
    assert interpret(back_lines(), WIDTH, HEIGHT, side_hint="front").side == "back"


def _turn(lines: list[FakeLine], quarter_turns_cw: int) -> tuple[list[FakeLine], float, float]:
    """The OCR lines of the card image turned clockwise (texts read upright, as the cls does)."""
    width, height = WIDTH, HEIGHT
    for _ in range(quarter_turns_cw):
        lines = [FakeLine(item.text, [[height - y, x] for x, y in item.box]) for item in lines]
        width, height = height, width
    return lines, width, height


@pytest.mark.parametrize("quarter_turns_cw", [0, 1, 2, 3])
@pytest.mark.parametrize("lines", [front_lines(), back_lines()], ids=["front", "back"])
def test_choose_quarter_turns(lines: list[FakeLine], quarter_turns_cw: int) -> None:
    turned, width, height = _turn(lines, quarter_turns_cw)
    turns = choose_quarter_turns(turned, width, height)
    assert turns == quarter_turns_cw  # counter-clockwise turns that undo them
    assert interpret(turned, width, height, quarter_turns=turns).fields == interpret(
        lines, WIDTH, HEIGHT).fields


@pytest.mark.parametrize("degrees", [-3.0, 3.0])
def test_skewed_lines_are_deskewed(degrees: float) -> None:
    angle = math.radians(degrees)

    cos, sin = math.cos(angle), math.sin(angle)

    def rotate(point: list[float]) -> list[float]:
        x, y = point
        return [x * cos - y * sin, x * sin + y * cos]

    skewed = [FakeLine(item.text, [rotate(p) for p in item.box]) for item in front_lines()]
    rows = group_rows(to_lines(skewed, WIDTH, HEIGHT))
    assert [row.text for row in rows][1:3] == ["姓名张三", "性别男民族汉"]
    assert read_front(skewed) == EXPECTED_FRONT
