"""Nationalities printed on foreigner's permanent residence ID cards.

ISO 3166-1 alpha-3 code -> (numeric code, Chinese short name as printed).  The
new (2023) card number embeds the numeric code, the old (2004/2017) card number
starts with the alpha-3 code; the card prints both the Chinese name and the
alpha-3 code.  Countries missing here still read: only the cross-checks and the
Chinese name lookup need them.
"""

from __future__ import annotations

COUNTRIES: dict[str, tuple[str, str]] = {
    "ARG": ("032", "阿根廷"), "AUS": ("036", "澳大利亚"), "AUT": ("040", "奥地利"),
    "BEL": ("056", "比利时"), "BRA": ("076", "巴西"), "CAN": ("124", "加拿大"),
    "CHE": ("756", "瑞士"), "DEU": ("276", "德国"), "DNK": ("208", "丹麦"),
    "EGY": ("818", "埃及"), "ESP": ("724", "西班牙"), "FIN": ("246", "芬兰"),
    "FRA": ("250", "法国"), "GBR": ("826", "英国"), "GRC": ("300", "希腊"),
    "IDN": ("360", "印度尼西亚"), "IND": ("356", "印度"), "IRL": ("372", "爱尔兰"),
    "IRN": ("364", "伊朗"), "ISR": ("376", "以色列"), "ITA": ("380", "意大利"),
    "JPN": ("392", "日本"), "KAZ": ("398", "哈萨克斯坦"), "KOR": ("410", "韩国"),
    "MEX": ("484", "墨西哥"), "MNG": ("496", "蒙古"), "MYS": ("458", "马来西亚"),
    "NGA": ("566", "尼日利亚"), "NLD": ("528", "荷兰"), "NOR": ("578", "挪威"),
    "NZL": ("554", "新西兰"), "PAK": ("586", "巴基斯坦"), "PHL": ("608", "菲律宾"),
    "POL": ("616", "波兰"), "PRT": ("620", "葡萄牙"), "RUS": ("643", "俄罗斯"),
    "SGP": ("702", "新加坡"), "SWE": ("752", "瑞典"), "THA": ("764", "泰国"),
    "TUR": ("792", "土耳其"), "UKR": ("804", "乌克兰"), "USA": ("840", "美国"),
    "VNM": ("704", "越南"), "ZAF": ("710", "南非"),
}
BY_NUMERIC: dict[str, str] = {numeric: alpha3 for alpha3, (numeric, _) in COUNTRIES.items()}
BY_CHINESE: dict[str, str] = {name: alpha3 for alpha3, (_, name) in COUNTRIES.items()}


def chinese_name(alpha3: str) -> str | None:
    entry = COUNTRIES.get(alpha3)
    return entry[1] if entry else None
