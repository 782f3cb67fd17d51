"""Money: currency signs and codes become the word after the amount, and
amounts lose the zeros an announcer never says (¥1,280.00 → 一千二百八十元).

Documented choice for cents: 12.50元 is read 十二点五元 (the 点 form used
for prices in notices), not 十二元五角.
"""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import digits
from broadcaster.prepare.rules.common import NUM

_SIGNS = {
    "US$": "美元", "HK$": "港元", "NT$": "新台币", "AU$": "澳元", "A$": "澳元", "CA$": "加元", "C$": "加元",
    "S$": "新加坡元", "MOP$": "澳门元", "$": "美元", "€": "欧元", "£": "英镑", "₩": "韩元", "₽": "卢布", "₹": "卢比",
}
_CODES = {
    "USD": "美元", "HKD": "港元", "EUR": "欧元", "GBP": "英镑", "JPY": "日元", "TWD": "新台币", "AUD": "澳元",
    "CAD": "加元", "SGD": "新加坡元", "KRW": "韩元", "MOP": "澳门元", "CHF": "瑞士法郎", "CNY": "元", "RMB": "元",
}
_SIGN_RE = "|".join(re.escape(s) for s in sorted(_SIGNS, key=len, reverse=True))
_CODE_RE = "|".join(_CODES)
_SCALE = r"(千万|百万|万|亿)?"


def _money(amount: str, scale: str | None, word: str, code: str = "") -> str:
    # CNY and RMB name the currency, which a listener hears as 人民币
    return ("人民币" if code in ("CNY", "RMB") else "") + amount + (scale or "") + word


_YUAN = r"(?:\s*元(?![A-Za-z]))?"  # RMB300元, HK$200元: the word is said once


def currency(text: str) -> str:
    """Currency signs and ISO codes become the word after the amount; ￥120元
    must not read 元 twice (wetext: 一元二十元).

    >>> currency("每亩补助￥120元，另付¥30，US$5万，HK$200，€12.50，£8")
    '每亩补助120元，另付30元，5万美元，200港元，12.50欧元，8英镑'
    >>> currency("HKD 1000，500 USD，CNY 300，RMB300元，rmb 50，100元RMB")
    '1000港元，500美元，人民币300元，人民币300元，人民币50元，100元'
    """
    text = re.sub(r"[￥¥]\s*(" + NUM + r")\s*" + _SCALE + r"\s*(元|块)?", lambda m: _money(m.group(1), m.group(2), m.group(3) or "元"), text)
    text = re.sub(r"(?<![A-Za-z])(" + _SIGN_RE + r")\s*(" + NUM + r")\s*" + _SCALE + _YUAN, lambda m: _money(m.group(2), m.group(3), _SIGNS[m.group(1)]), text)
    # codes in either case (rmb 50 in casual text); a code after 元 repeats it
    text = re.sub(r"(?<=\d元)\s*(?:RMB|CNY)(?![A-Za-z])", "", text, flags=re.I)
    text = re.sub(
        r"(?<![A-Za-z])(" + _CODE_RE + r")\s*(" + NUM + r")\s*" + _SCALE + _YUAN,
        lambda m: _money(m.group(2), m.group(3), _CODES[m.group(1).upper()], m.group(1).upper()),
        text,
        flags=re.I,
    )
    return re.sub(
        r"(" + NUM + r")\s*" + _SCALE + r"\s*(" + _CODE_RE + r")(?![A-Za-z])",
        lambda m: _money(m.group(1), m.group(2), _CODES[m.group(3).upper()], m.group(3).upper()),
        text,
        flags=re.I,
    )


def discounts(text: str) -> str:
    """Discounts are said digit by digit, as in shops: 9折 → 九折, 8.5折 and
    85折 → 八五折 (never 八十五折 or 八点五折), 2折 → 二折.

    >>> discounts("全场9折，会员8.5折，满两件95折，低至2折，3-5折")
    '全场九折，会员八五折，满两件九五折，低至二折，3-5折'
    """
    return re.sub(
        r"(?<![\d.\-~])([1-9])(?:\.?([1-9]))?\s*折",
        lambda m: digits(m.group(1)) + (digits(m.group(2)) if m.group(2) else "") + "折",
        text,
    )


_MONEY_WORD = r"(?=\s*(?:千万|百万|万|亿)?(?:[元块]|[美港欧日澳加韩]元|新加坡元|澳门元|英镑|新台币|卢布|卢比|瑞士法郎))"


def money_decimals(text: str) -> str:
    """Zeros after the decimal point of an amount are not said:
    1280.00元 → 1280元, 12.50元 → 12.5元 (read 十二点五元).

    >>> money_decimals("1280.00元，12.50元，0.05元，3.60万元")
    '1280元，12.5元，0.05元，3.6万元'
    """
    return re.sub(
        r"(?<![\d.])(\d+)\.(\d*?)0+(?![\d.])" + _MONEY_WORD,
        lambda m: m.group(1) + ("." + m.group(2) if m.group(2) else ""),
        text,
    )
