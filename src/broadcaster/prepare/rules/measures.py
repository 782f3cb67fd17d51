"""Measures: temperatures, percentages, numbers with Latin units, rates.

Ranges name the sign on both ends when either end is below zero, and 零上
on the other end when the range crosses zero: written -5~3℃ is heard
零下五摄氏度到零上三摄氏度, never 零下五到三 (which sounds like -5 to -3).
"""
from __future__ import annotations

import re
from functools import lru_cache

from broadcaster.prepare.numbers import decimal
from broadcaster.prepare.rules.common import DASH, RANGE_DASH, NUM, before, qty

_MINUS = "-−－"


def _signed_pair(a: str, b: str) -> tuple[bool, bool]:
    """Which ends of a range are negative. 零下3~5 means both (the word
    covers the range, as in forecasts); -3~5 means only the first."""
    neg_a = a.startswith("零下") or a[:1] in _MINUS
    neg_b = b.startswith("零下") or b[:1] in _MINUS or (a.startswith("零下") and not b.startswith(("零上", "+", "＋")))
    return neg_a, neg_b


def _body(s: str) -> str:
    return s.removeprefix("零下").removeprefix("零上").lstrip(_MINUS + "+＋").strip()


def _temp(s: str, neg: bool, above: bool = False) -> str:
    body = decimal(_body(s))
    if neg and body != "零":
        return "零下" + body
    return ("零上" if above and body != "零" else "") + body


_T = r"(?:零下|零上|[-−－+＋])?\s*" + NUM


def temperatures(text: str) -> str:
    """Temperatures: 零下 for negatives, 摄氏度 for ℃, ranges with 到; a range
    with a sign says each end in full (see module).

    >>> temperatures("气温-5℃，白天-2~3℃，夜间零下3到5度，3~8℃，零下5℃至零上3℃")
    '气温零下五摄氏度，白天零下二摄氏度到零上三摄氏度，夜间零下三度到零下五度，三到八摄氏度，零下五摄氏度到零上三摄氏度'
    """

    def pair(m: re.Match) -> str:
        a, b = m.group(1), m.group(2)
        word = "摄氏度" if m.group(3) != "度" else "度"
        neg_a, neg_b = _signed_pair(a, b)
        if not (neg_a or neg_b):
            return _temp(a, False) + "到" + _temp(b, False) + word
        crosses = neg_a != neg_b
        return _temp(a, neg_a, crosses) + word + "到" + _temp(b, neg_b, crosses) + word

    unit = r"\s*(℃|°C|°c|度)"
    text = re.sub(r"(" + _T + r")\s*(?:℃|°C|度)?\s*(?:" + RANGE_DASH + r"|至|到)\s*(" + _T + r")" + unit, pair, text)
    text = re.sub(r"(" + _T + r")\s*(℃|°C|°c)", lambda m: _temp(m.group(1), _signed_pair(m.group(1), "")[0]) + "摄氏度", text)
    # -5度 is a temperature too; 5度 alone may be an angle or a degree: left.
    return re.sub(r"(?<![A-Za-z0-9])((?:零下|[-−－])\s*" + NUM + r")\s*度", lambda m: _temp(m.group(1), True) + "度", text)


_P = r"([-−－])?(" + NUM + r")"


def percentages(text: str) -> str:
    """Percent and per mille, ranges included; a negative end says 负, and
    百分之 is said again on the second end when a sign was written.

    >>> percentages("增长6.3%，50%-60%，5-8%，-2%~3%，-5~3%，2.5‰")
    '增长百分之六点三，百分之五十到百分之六十，百分之五到八，负百分之二到百分之三，负百分之五到百分之三，千分之二点五'
    """

    def one(sign, n, mark="%"):
        return ("负" if sign else "") + ("百分之" if mark == "%" else "千分之") + decimal(n)

    text = re.sub(
        _P + r"([%‰])\s*(?:" + DASH + r"|至|到)\s*" + _P + r"([%‰])",
        lambda m: one(m.group(1), m.group(2), m.group(3)) + "到" + one(m.group(4), m.group(5), m.group(6)),
        text,
    )
    text = re.sub(
        r"(?<![\d.])" + _P + r"\s*(?:" + DASH + r"|至|到)\s*" + _P + r"([%‰])",
        lambda m: one(m.group(1), m.group(2), m.group(5)) + "到" + (one(m.group(3), m.group(4), m.group(5)) if m.group(1) or m.group(3) else decimal(m.group(4))),
        text,
    )
    return re.sub(r"(?<![\d.])" + _P + r"([%‰])", lambda m: one(m.group(1), m.group(2), m.group(3)), text)


UNITS = {
    "km²": "平方公里", "km2": "平方公里", "m²": "平方米", "m2": "平方米", "cm²": "平方厘米", "km³": "立方公里",
    "m³": "立方米", "m3": "立方米", "km/h": "公里每小时", "m/s": "米每秒", "km": "公里", "cm": "厘米",
    "mm": "毫米", "kg": "千克", "mg": "毫克", "μg": "微克", "ug": "微克", "g": "克", "t": "吨", "m": "米",
    "μg/m³": "微克每立方米", "μg/m3": "微克每立方米", "ug/m³": "微克每立方米", "ug/m3": "微克每立方米",
    "mg/m³": "毫克每立方米", "mg/m3": "毫克每立方米", "mg/l": "毫克每升", "kw·h": "千瓦时", "kw.h": "千瓦时",
    "kwh": "千瓦时", "kw": "千瓦", "kv": "千伏", "mw": "兆瓦", "w": "瓦", "v": "伏", "mah": "毫安时",
    "ml": "毫升", "l": "升", "dl": "分升", "kl": "千升", "h": "小时", "min": "分钟", "s": "秒", "mb": "兆",
    "gb": "G", "kb": "K", "mu": "亩", "ha": "公顷", "hz": "赫兹", "khz": "千赫", "mhz": "兆赫", "db": "分贝",
    "kcal": "千卡", "mpa": "兆帕", "kpa": "千帕", "pa": "帕",
}
# Units added with this table are read from it; wetext is asked only about the original set.
_WETEXT_UNITS = frozenset("km² km2 m² m2 m³ m3 km/h km cm mm kg mg g t m kwh kw kv mw w v ml l h min s mb gb kb mu".split())
_UNIT_ALT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
_UNIT_RE = re.compile(
    r"(?:(?<![\d.])(" + NUM + r")\s*(?:" + RANGE_DASH + r"|至|到)\s*)?(" + NUM + r")\s*(万|亿)?\s*(" + _UNIT_ALT + r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _wetext():
    try:
        from wetext import Normalizer
    except ImportError:  # pragma: no cover - wetext is a dependency
        return None
    return Normalizer(lang="zh", operator="tn")


def _wetext_reading(window: str) -> str | None:
    """Ask wetext about a short window; None unless the answer looks sane."""
    normalizer = _wetext()
    if normalizer is None:
        return None
    try:
        out = normalizer.normalize(window)
    except Exception:  # wetext is a best-effort helper here, never fatal
        return None
    # Guard: digits left over, or a date / ratio reading where no date or
    # ratio was written, mean wetext misread the window.
    if re.search(r"[0-9]", out) or any(w in out and w not in window for w in ("月", "日", "比", "负")):
        return None
    return out


def latin_units(text: str) -> str:
    """A number with a Latin unit: 3.6km → 三点六公里, 35μg/m³ → 三十五微克每立方米.

    For the units the table first had, wetext's answer is used when it passes
    the guard; the others are read from the table.

    >>> latin_units("全长3.6km，PM2.5浓度35μg/m³，用电2.5万kW·h，每袋5-10kg")
    '全长三点六公里，PM2.5浓度三十五微克每立方米，用电二点五万千瓦时，每袋五到十千克'
    """

    def repl(m: re.Match) -> str:
        low, number, scale, unit = m.group(1), m.group(2), m.group(3) or "", m.group(4)
        ours = qty(number, before(m.string, m.start()), "公") + scale + UNITS[unit.lower()]
        if low:  # a range with the unit written once: the unit is said once, at the end
            return qty(low, before(m.string, m.start()), "公") + "到" + ours
        if scale or unit.lower() not in _WETEXT_UNITS:
            return ours
        theirs = _wetext_reading(number + unit)
        # wetext reads 2km as 二公里; prefer ours when only 两/二 differ.
        if theirs and theirs.replace("二", "两") != ours.replace("二", "两"):
            return theirs if len(theirs) >= 2 else ours
        return ours

    return _UNIT_RE.sub(repl, text)


_PER = (
    r"(?:人次|人|户|亩|年|月|日|天|次|小时|时|分钟|周|季度|季|学期|件|个|台|辆|套|间|张|只|头|株|棵|吨|斤|公斤|千克|克|"
    r"升|立方米|平方米|平米|方|度|千瓦时|公里|千米|米|" + _UNIT_ALT + ")"
)
_PER_CHAIN = r"(?:\s*/\s*[(（]?" + _PER + r"(?:\s*[·•・]\s*" + _PER + r")*[)）]?)+"


def per_unit(text: str) -> str:
    """Rates: a slash (and a middle dot inside one) after a price or unit
    reads 每: 元/度 → 元每度, 元/人/年 → 元每人每年, 元/(人·月) → 元每人每月,
    元/㎡ → 元每平方米.

    >>> per_unit("120元/亩，0.56元/度，180元/人/年，50元/(人·月)，3元/m²")
    '120元每亩，0.56元每度，180元每人每年，50元每人每月，3元每平方米'
    """

    def chain(m: re.Match) -> str:
        parts = re.findall(_PER, re.sub(r"[\s(（)）]", "", m.group(1)), re.IGNORECASE)
        return m.group(0)[: m.start(1) - m.start(0)] + "".join("每" + UNITS.get(p.lower(), p) for p in parts)

    return re.sub(r"(?<=[元吨斤克米升度时方瓦亩里人户次天])(" + _PER_CHAIN + r")(?![A-Za-z0-9])", chain, text, flags=re.IGNORECASE)
