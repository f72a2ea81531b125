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


def _one_char_off(text: str) -> str | None:
    """The only known name of 2+ characters that differs from `text` in one character."""
    near = [name for name in ETHNICITIES if len(name) == len(text) >= 2
            and sum(a != b for a, b in zip(name, text, strict=True)) == 1]
    return near[0] if len(near) == 1 else None


def match_ethnicity(text: str) -> str | None:
    """The printed ethnicity in OCR text: exact name, name + 族, a known name inside specks,
    or the one name of 2+ characters a single misread character away (维吾儿 -> 维吾尔).

    Other text is returned as read (the caller warns), never guessed into a name.
    """
    if not text:
        return None
    if text in _KNOWN:
        return text
    stem = text[:-1] if text.endswith(SUFFIX) and len(text) > 1 else text
    if stem in _KNOWN:
        return stem
    inside = [name for name in ETHNICITIES if name in stem]
    if inside:
        return max(inside, key=len)
    return _one_char_off(stem) or text


def is_known(name: str) -> bool:
    return name in _KNOWN
