"""Numbers with units written in Latin letters: 10kV, 5.5kW, 0.4MPa, 55dB, 5L.

Case matters where it changes the unit: m is 米 but M is 兆 (100M宽带), g is
克 but 5G is a network, t is 吨. Units that mean one thing in any case (km,
KM, Km) are read in any case. A number before letters that are not a unit
stays a quantity and the letters stay letters (5G, 4A级, 3000rpm).
"""
from __future__ import annotations

import re

from broadcaster.prepare.rules.common import NUM, RANGE_DASH, before, qty

# Read in any case (keys in lower case).
_ANY_CASE = {
    "km²": "平方公里", "km2": "平方公里", "cm²": "平方厘米", "km³": "立方公里", "km/h": "公里每小时", "km": "公里",
    "cm": "厘米", "mm": "毫米", "kg": "千克", "mg": "毫克", "μg": "微克", "ug": "微克",
    "μg/m³": "微克每立方米", "μg/m3": "微克每立方米", "ug/m³": "微克每立方米", "ug/m3": "微克每立方米",
    "mg/m³": "毫克每立方米", "mg/m3": "毫克每立方米", "mg/l": "毫克每升", "mmol/l": "毫摩尔每升",
    "kw·h": "千瓦时", "kw.h": "千瓦时", "kwh": "千瓦时", "kw": "千瓦", "kv": "千伏", "mw": "兆瓦", "mah": "毫安时",
    "ml": "毫升", "l": "升", "dl": "分升", "kl": "千升", "mb": "兆", "gb": "G", "kb": "K", "mbps": "兆",
    "mu": "亩", "ha": "公顷", "hz": "赫兹", "khz": "千赫", "mhz": "兆赫", "ghz": "吉赫", "db": "分贝",
    "kcal": "千卡", "mmhg": "毫米汞柱", "kva": "千伏安", "mva": "兆伏安", "mpa": "兆帕", "kpa": "千帕", "hpa": "百帕", "kn": "千牛",
}
# Read only as written: the other case is another unit or not a unit.
_EXACT = {
    "m²": "平方米", "m2": "平方米", "m³": "立方米", "m3": "立方米", "m/s": "米每秒", "m": "米", "g": "克", "t": "吨",
    # 24H营业 and 限载5T in upper case too (2T硬盘: see unit_word)
    "W": "瓦", "V": "伏", "v": "伏", "h": "小时", "H": "小时", "T": "吨", "min": "分钟", "s": "秒", "ms": "毫秒", "Pa": "帕", "mA": "毫安",
    "Ah": "安时", "A": "安",  # A only in talk of electricity (see unit_word): 4A级 is a grade
    "w": "万",  # 1.5w: casual writing for 万; a power in watts is read 瓦 (see _ten_thousand)
}
UNITS = {**_ANY_CASE, **{k.lower(): v for k, v in _EXACT.items() if k.lower() not in _ANY_CASE}}
UNIT_ALT = "|".join(sorted(map(re.escape, {*_ANY_CASE, *_EXACT}), key=len, reverse=True))
_UNIT_RE = re.compile(
    r"(?:(?<![\d.])(" + NUM + r")\s*(?:" + RANGE_DASH + r"|至|到)\s*)?(" + NUM + r")\s*(万|亿)?\s*(" + UNIT_ALT + r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)

_NETWORK = re.compile(r"\s*(?:网|信号|手机|基站|套餐|流量|时代|技术|覆盖)")
_STORAGE = re.compile(r"\s*(?:硬盘|存储|空间|内存|容量|网盘|流量|固态)")
_ELECTRIC = re.compile(r"电流|电|充|额定|空开|断路器|插座|保险")
_COUNTED_AFTER = frozenset("+多余人元次户块名位家条篇")
_MONEY_CONTEXT = re.compile(r"薪|工资|收入|奖金|补贴|补助|粉丝|阅读|播放|浏览|点赞|存款|贷款|月入|年入|售价|价格|预算|赔偿|罚款|元|块|钱|资金|投资")
_POWER_CONTEXT = re.compile(r"功率|瓦|灯|电|光伏|LED|充电|电器|电机|功放|插座|发电")


def unit_word(unit: str, text: str, start: int, end: int) -> str | None:
    """The reading of a unit as written, or None when these letters are not
    a unit in this case (5G, 2T)."""
    if unit in ("w", "W"):
        return _ten_thousand(unit, text, start, end)
    if unit == "A" and (text[end : end + 1] in ("级", "类", "股") or not _ELECTRIC.search(text, max(0, start - 8), end + 4)):
        return None  # 4A级 is a grade
    if unit == "T" and _STORAGE.match(text, end):
        return None  # 2T硬盘 is a size, said T
    if unit == "g" and _NETWORK.match(text, end):
        return None  # 4g网络, 5g信号: casual for 4G, 5G
    if unit in _EXACT:
        return _EXACT[unit]
    return _ANY_CASE.get(unit.lower())


def _ten_thousand(unit: str, text: str, start: int, end: int) -> str:
    """W or w after a number: 万 in talk of money and counts (月薪1.5w, 阅读10W+, 5W人),
    瓦 in talk of power (功率100W); otherwise lower case is 万, upper case 瓦."""
    near = text[max(0, start - 12) : end + 2]
    if text[end : end + 1] in _COUNTED_AFTER:  # 5W人: watts are never followed by people
        return "万"
    if _POWER_CONTEXT.search(near):
        return "瓦"
    if _MONEY_CONTEXT.search(near):
        return "万"
    return "万" if unit == "w" else "瓦"


def latin_units(text: str) -> str:
    """A number with a Latin unit: 3.6km → 三点六公里, 35μg/m³ → 三十五微克每立方米;
    M before 宽带 is 兆.

    >>> latin_units("全长3.6km，10kV线路，0.4MPa，每袋5-10kg，用电2.5万kW·h，5G基站，月薪1.5w，100M宽带，电流10A，4A级")
    '全长三点六公里，十千伏线路，零点四兆帕，每袋五到十千克，用电二点五万千瓦时，5G基站，月薪一点五万，一百兆宽带，电流十安，4A级'
    """

    def repl(m: re.Match) -> str:
        low, number, scale, unit = m.group(1), m.group(2), m.group(3) or "", m.group(4)
        word = unit_word(unit, m.string, m.start(), m.end())
        if word is None:
            return m.group()
        lead = before(m.string, m.start())
        ours = qty(number, lead, "公") + scale + word
        if low:  # a range with the unit written once: the unit is said once, at the end
            return qty(low, lead, "公") + "到" + ours
        return ours

    text = _UNIT_RE.sub(repl, text)
    text = re.sub(  # 1.5P空调: 匹, the size of an air conditioner
        r"(?<![\d.])(" + NUM + r")\s*[Pp](?=\s*(?:空调|变频|冷暖|挂机|柜机))",
        lambda m: qty(m.group(1), before(m.string, m.start()), "匹") + "匹",
        text,
    )
    return re.sub(
        r"(?<![\d.])(" + NUM + r")\s*M(?=\s*(?:宽带|光纤|带宽|网速|流量))",
        lambda m: qty(m.group(1), before(m.string, m.start()), "公") + "兆",
        text,
    )
