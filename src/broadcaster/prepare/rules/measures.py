"""Measures: temperatures, percentages, rates (units: `units`).

Ranges name the sign on both ends when either end is below zero, and 零上
on the other end when the range crosses zero: written -5~3℃ is heard
零下五摄氏度到零上三摄氏度, never 零下五到三 (which sounds like -5 to -3).
"""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import decimal
from broadcaster.prepare.rules.common import DASH, RANGE_DASH, NUM
from broadcaster.prepare.rules.units import UNIT_ALT, UNITS

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


_PER = (
    r"(?:人次|人|户|亩|年|月|日|天|次|小时|时|分钟|周|季度|季|学期|件|个|台|辆|套|间|张|只|头|株|棵|吨|斤|公斤|千克|克|"
    r"升|立方米|平方米|平米|方|度|千瓦时|公里|千米|米|" + UNIT_ALT + ")"
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
