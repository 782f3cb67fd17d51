"""Dates, years, and the dashes between dates and times (times: `times`).

Years are read digit by digit (二零二四年); a date or day range says 至
(the written word of notices), a time range says 到.
"""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import LIANG_CLASSIFIERS, cardinal, digits
from broadcaster.prepare.rules.common import DASH, RANGE_DASH, HAN_DIGIT


def _date(y: str, mo: str, d: str | None) -> str | None:
    if not (1 <= int(mo) <= 12) or (d is not None and not 1 <= int(d) <= 31):
        return None
    return digits(y) + "年" + cardinal(mo) + "月" + (cardinal(d) + "日" if d else "")


# 于 after 等 大 小 低 高 … is a comparison or a verb ending (等于1.15), not "on"
_DATE_WORDS = r"(?:(?<![等大小低高用位属对由关善基鉴归])于|自|从|截至|截止|截止到|日期|时间|即日起至)[：:]?\s*"


def numeric_dates(text: str) -> str:
    """Dates written with - . / between the parts; years digit by digit.
    Day-month-year and month-day-year: a part above 12 can only be the day;
    when both could be the month, the first is (the order a Chinese date is said).

    >>> numeric_dates("会议于2023-05-08召开，2022.01.27，2023/5/8日，25/12/2024，08-09-2026")
    '会议于二零二三年五月八日召开，二零二二年一月二十七日，二零二三年五月八日，二零二四年十二月二十五日，二零二六年八月九日'
    """

    def ymd(m: re.Match) -> str:
        return _date(m.group(1), m.group(3), m.group(4)) or m.group()

    def dmy(m: re.Match) -> str:
        a, b, y = m.group(1), m.group(3), m.group(4)
        if int(a) > 12 >= int(b):
            return _date(y, b, a) or m.group()
        if int(b) > 12 >= int(a):
            return _date(y, a, b) or m.group()
        # 03/04/2024: which is the month is not written; read in the written
        # order, month first, as a Chinese date is said (三月四日)
        return _date(y, a, b) or m.group()

    text = re.sub(r"(?<![\d.])(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?:日|号)?(?![\d])", ymd, text)
    return re.sub(r"(?<![\d.])(\d{1,2})([-./])(\d{1,2})\2((?:19|20)\d{2})(?![\d])", dmy, text)


def date_zeros(text: str) -> str:
    """A leading zero in a month or day written with 月 日 号 is not said:
    2026年07月08日 → 2026年七月八日 (never 零七月零八日).

    >>> date_zeros("2026年07月08日，09月30号，08日，05号楼")
    '2026年七月八日，九月三十号，八日，05号楼'
    """
    text = re.sub(r"(?<![\d.])0([1-9])(?=\s*月)", lambda m: cardinal(m.group(1)), text)
    text = re.sub(r"(?<=月)(\s*)(0[1-9]|[12]\d|3[01])(?=\s*[日号])", lambda m: m.group(1) + cardinal(m.group(2)), text)
    return re.sub(r"(?<![\d.])0([1-9])(?=\s*日)", lambda m: cardinal(m.group(1)), text)


def year_months(text: str) -> str:
    """A year and a month with no day, as in tables and headers: 2024-01,
    2024/01, 2024.01 → 二零二四年一月. With a dot the month needs two digits
    (2024.1 could be a number) unless a date word comes before it.

    A range of them (2019.03-2022.06, as in a CV or a term of office) says 至,
    and a dash before 至今 is not said.

    >>> year_months("2024-01账单，2023/12，2024.03，2024.1，自2025.3起，2019.03-2022.06，2019.03—至今")
    '二零二四年一月账单，二零二三年十二月，二零二四年三月，2024.1，自二零二五年三月起，二零一九年三月至二零二二年六月，二零一九年三月至今'
    """
    say = lambda m: digits(m.group(1)) + "年" + cardinal(m.group(2)) + "月"  # noqa: E731
    ym = r"((?:19|20)\d{2})[./\-](0?[1-9]|1[0-2])"
    text = re.sub(
        r"(?<![\d.\-/])" + ym + r"\s*(?:" + RANGE_DASH + r"|至|到)\s*" + ym + r"(?![\d.\-/%]|\s*[日号])",
        lambda m: digits(m.group(1)) + "年" + cardinal(m.group(2)) + "月至" + digits(m.group(3)) + "年" + cardinal(m.group(4)) + "月",
        text,
    )
    text = re.sub(
        r"(?<![\d.\-/])" + ym + r"\s*" + RANGE_DASH + r"?\s*(?=至今)",
        say,
        text,
    )
    text = re.sub(r"(?<![\d.\-/])((?:19|20)\d{2})[-/](0?[1-9]|1[0-2])(?![\d.\-/%]|\s*[日号])", say, text)
    text = re.sub(r"(?<![\d.\-/])((?:19|20)\d{2})\.(0[1-9]|1[0-2])(?![\d.\-/%]|\s*[日号])", say, text)
    # after a date word a one-digit month is enough: 自2025.3起
    return re.sub(
        r"(" + _DATE_WORDS + r")((?:19|20)\d{2})\.([1-9]|1[0-2])(?![\d.\-/%]|\s*[日号])",
        lambda m: m.group(1) + digits(m.group(2)) + "年" + cardinal(m.group(3)) + "月",
        text,
    )


_COUNT_WORDS = "".join(sorted(LIANG_CLASSIFIERS - set("年周起"))) + "元号米"  # 2025-2026起 is a span


def month_years(text: str) -> str:
    """Month and year, in that order, as on cards, permits and forms: 08-2026,
    03/2025, 03.2025 → 二零二六年八月. The month needs two digits (08, 12), a
    slash (3/2025: no fraction has a year below the line), or a date word
    before it (有效期至, 自, 截至 …); a number or range counted after it
    (10-2000元) is not a date, nor is 3-2025 or 1.2025 alone.

    >>> month_years("有效期至08-2026，03/2025起执行，自3.2025起，10-2000元，3/2025，3-2025，1.2025")
    '有效期至二零二六年八月，二零二五年三月起执行，自二零二五年三月起，10-2000元，二零二五年三月，3-2025，1.2025'
    """

    def say(m: re.Match) -> str:
        month, mark, year = m.group(2), m.group(3), m.group(4)
        if not (len(month) == 2 or mark == "/" or m.group(1)):
            return m.group()
        return (m.group(1) or "") + digits(year) + "年" + cardinal(month) + "月"

    return re.sub(
        r"(" + _DATE_WORDS + r"|有效期至?|期限至?)?(?<![\d.\-/])(0?[1-9]|1[0-2])([-/.])((?:19|20)\d{2})(?![\d.\-/%]|\s*[" + _COUNT_WORDS + "年万亿])",
        say,
        text,
    )


_MONTH = r"(1[0-2]|0?[1-9])"
_DAY = r"(3[01]|[12]\d|0?[1-9])"


def month_days(text: str) -> str:
    """A month and a day with no year: 01-08, 12/05 (a leading zero shows it
    is a date, not a range or a fraction), or M-D before a clock time
    (12-25 08:00) → 一月八日; after a date word (于, 截至, 日期：…) also 1-15,
    1/15 and 1.15. A bare 1.15, 10-12 or 3/4 stays a number, range or fraction.

    >>> month_days("01-08出发，12-25 08:00，截至1.15，截止日期：3/20，增长1.15倍，10-12岁，08.08")
    '一月八日出发，十二月二十五日 08:00，截至一月十五日，截止日期：三月二十日，增长1.15倍，10-12岁，八月八日'
    """

    def say(m: re.Match) -> str:
        return m.group(1) + cardinal(m.group(2)) + "月" + cardinal(m.group(3)) + "日"

    alone = r"(?<![\d.\-/:])()" + _MONTH + r"[-/]" + _DAY + r"(?![\d.\-/:%])"
    text = re.sub(alone, lambda m: say(m) if "0" in (m.group(2)[0], m.group(3)[0]) else m.group(), text)
    # with a dot only a month with its leading zero: 08.08 (no decimal starts 08)
    text = re.sub(r"(?<![\d.\-/:])()(0[1-9])\." + _DAY + r"(?![\d.\-/:%])", say, text)
    text = re.sub(alone + r"(?=\s+\d{1,2}:\d{2})", say, text)
    return re.sub(r"(" + _DATE_WORDS + r")" + _MONTH + r"[-/.]" + _DAY + r"(?![\d.\-/:%])(?:日|号)?", say, text)


def years(text: str) -> str:
    """Years are read digit by digit, also in ranges: 2019-2021年.

    A dash between two years a few apart is a range of years even without 年
    (2025-2026学年); between other numbers, or before a unit, it is not.

    >>> years("2025年是关键一年，2019-2021年，2023年度，2025-2026学年，2000-3000元")
    '二零二五年是关键一年，二零一九到二零二一年，二零二三年度，二零二五到二零二六学年，2000-3000元'
    """
    text = re.sub(
        r"(?<!\d)(\d{4})\s*(?:" + DASH + r"|至|到)\s*(\d{4})(?=\s*年)",
        lambda m: digits(m.group(1)) + "到" + digits(m.group(2)),
        text,
    )

    def span(m: re.Match) -> str:
        a, b = int(m.group(1)), int(m.group(2))
        return digits(m.group(1)) + "到" + digits(m.group(2)) if 0 < b - a <= 30 else m.group()

    text = re.sub(
        r"(?<![\d.\-])((?:19|20)\d{2})\s*(?:" + DASH + r")\s*((?:19|20)\d{2})(?![\d.\-%])(?!\s*[" + _COUNT_WORDS + "])",
        span,
        text,
    )
    return re.sub(r"(?<![\d.])(\d{4})(?=\s*年)", lambda m: digits(m.group(1)), text)


_DAY_NAME = r"(?:周|星期|礼拜)[一二三四五六日天]"
_NUMBER_NEXT = r"(?=\s*(?:\d|[" + HAN_DIGIT + r"]|周|星期|礼拜|次日|翌日|上午|下午|晚上|中午|凌晨|早上))"


def date_ranges(text: str) -> str:
    """A dash or tilde after a date or day is 至, after a time 到:
    5月8日—5月12日 → 5月8日至5月12日, 周一~周五 → 周一至周五, 8时-12时 → 8时到12时.

    >>> date_ranges("5月8日—5月12日，1月-3月，周一~周五，8时-12时，2023年—2025年")
    '5月8日至5月12日，1月至3月，周一至周五，8时到12时，2023年至2025年'
    """
    text = re.sub(r"(?<=[日月号年])\s*" + RANGE_DASH + r"\s*" + _NUMBER_NEXT, "至", text)
    text = re.sub(r"(" + _DAY_NAME + r")\s*" + RANGE_DASH + r"\s*(?=" + _DAY_NAME + ")", r"\1至", text)
    return re.sub(r"(?<=[时点分秒])\s*" + RANGE_DASH + r"\s*" + _NUMBER_NEXT, "到", text)
