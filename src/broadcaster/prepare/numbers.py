"""Reading numbers aloud: the small vocabulary the normalisation rules share.

Pure functions, no regular expressions here: each takes digits (as a string)
and returns Chinese characters.
"""
from __future__ import annotations

DIGITS = "零一二三四五六七八九"
_UNITS = ["", "十", "百", "千"]
_GROUPS = ["", "万", "亿", "万亿"]

# Classifiers (量词) before which the number 2 is read 两, not 二:
# 2个 → 两个, 2人 → 两人, 2天 → 两天. Not 2月 (二月), 2号 (二号), 2楼 (二楼),
# 2次/2年 are debatable; 两 is the everyday reading there too.
LIANG_CLASSIFIERS = frozenset(
    "个人位名户家条项件台辆套只头匹张本支把座所间栋幢次回遍趟场届期批类种样份天年周小"
    "万千百亿元块角分斤吨亩米升公倍岁层点袋瓶桶包箱盒碗杯顿片颗棵株口根双对群轮部架艘篇首句段节道排枝朵粒幅封笔枚"
    "票起处例宗门针剂成步克秒滴盏扇桌餐圈声眼罐车船桩拨顶床卷册"
)
# Characters after which 2 stays 二 even before a classifier: 第2名 → 第二名.
ORDINAL_PREFIXES = frozenset("第初")


def digits(s: str, *, yao: bool = False) -> str:
    """Read a digit string digit by digit.

    >>> digits("2023")
    '二零二三'
    >>> digits("138", yao=True)   # phone numbers say 幺 for 1
    '幺三八'
    """
    table = DIGITS if not yao else "零幺二三四五六七八九"
    return "".join(table[int(c)] for c in s if c.isdigit())


def _four(n: int, *, leading: bool) -> str:
    """0 < n < 10000 → Chinese, e.g. 1050 → 一千零五十; leading=True lets
    10..19 read as 十.. instead of 一十.."""
    out = []
    s = str(n).rjust(4, "0")
    zero = False
    started = False
    for i, c in enumerate(s):
        d = int(c)
        unit = _UNITS[3 - i]
        if d == 0:
            if started:
                zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        if not (d == 1 and unit == "十" and not started and leading):
            out.append(DIGITS[d])
        out.append(unit)
        started = True
    return "".join(out)


def cardinal(s: str) -> str:
    """Read an integer the way it is counted.

    >>> cardinal("1250")
    '一千二百五十'
    >>> cardinal("12")
    '十二'
    >>> cardinal("100000001")
    '一亿零一'
    """
    s = s.lstrip("0") or "0"
    n = int(s)
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(_GROUPS):  # absurdly long: read digit by digit
        return digits(s)
    out = []
    need_zero = False
    for gi in range(len(groups) - 1, -1, -1):
        g = groups[gi]
        if g == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or g < 1000):
            out.append("零")
        out.append(_four(g, leading=not out) + _GROUPS[gi])
        need_zero = False
    return "".join(out)


def decimal(s: str) -> str:
    """Read a decimal number: integer part counted, fraction digit by digit.

    >>> decimal("12.5")
    '十二点五'
    >>> decimal("0.05")
    '零点零五'
    """
    whole, _, frac = s.partition(".")
    out = cardinal(whole or "0")
    if frac:
        out += "点" + digits(frac)
    return out


def count(s: str, *, before: str = "", after: str = "") -> str:
    """Read a whole number as a quantity, choosing 两 where Mandarin does.

    `before`/`after` are the characters next to the number in the text.

    >>> count("2", after="个")
    '两'
    >>> count("2", before="第", after="个")
    '二'
    >>> count("2000")
    '两千'
    >>> count("12", after="个")
    '十二'
    """
    text = cardinal(s)
    if before in ORDINAL_PREFIXES:
        return text
    if text == "二":
        return "两" if after[:1] in LIANG_CLASSIFIERS else "二"
    # 200 → 两百, 2000 → 两千, 20000 → 两万: a leading 2 before a unit is 两.
    if len(text) > 1 and text[0] == "二" and text[1] in "百千万亿":
        return "两" + text[1:]
    return text


def signed(s: str) -> str:
    """Read a possibly negative decimal: '-3.5' → 负三点五."""
    neg = s.startswith(("-", "−", "－"))
    body = s.lstrip("-−－")
    return ("负" if neg else "") + decimal(body)
