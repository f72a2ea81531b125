"""The 56 officially recognised ethnic groups, as printed on the card (without 族)."""

from __future__ import annotations

ETHNICITIES = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
_KNOWN = frozenset(ETHNICITIES)
SUFFIX = "族"


def match_ethnicity(text: str) -> str | None:
    """The printed ethnicity in OCR text: exact name, name + 族, or a known name inside specks.

    Unknown text is returned as read (the caller warns), never guessed into a name.
    """
    if not text:
        return None
    if text in _KNOWN:
        return text
    if text.endswith(SUFFIX) and text[:-1] in _KNOWN:
        return text[:-1]
    inside = [name for name in ETHNICITIES if name in text]
    if inside:
        return max(inside, key=len)
    return text


def is_known(name: str) -> bool:
    return name in _KNOWN
