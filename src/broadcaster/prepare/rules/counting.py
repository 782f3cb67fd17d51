"""Plain numbers: separators, ratios, fractions, ranges, signs, decimals,
ordinals and whatever integers the earlier rules left."""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import cardinal, count, decimal, digits
from broadcaster.prepare.rules.common import DASH, RANGE_DASH, NUM, after, before, qty


def drop_thousands_separators(text: str) -> str:
    """1,250 → 1250 (only groups of exactly three digits, so lists like 1,2,3 stay).

    >>> drop_thousands_separators("共计1,250户，12,345,678元，¥1,280.00")
    '共计1250户，12345678元，¥1280.00'
    """
    return re.sub(
        r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])",
        lambda m: m.group().replace(",", ""),
        text,
    )


def ratios(text: str) -> str:
    """What is left of a:b after clock times is a ratio or score: 3:2 → 三比二.

    >>> ratios("比分3:2，按1:1配套")
    '比分三比二，按一比一配套'
    """
    return re.sub(r"(?<![\d.:])(\d+):(\d+)(?![\d:])", lambda m: cardinal(m.group(1)) + "比" + cardinal(m.group(2)), text)


_SCORE_BEFORE = r"(?:比分|大比分|总比分|比赛结果|赛果|爆冷|战成|踢成|打成|定格在|定格为|半场|全场|终场)(?:为|是)?[：:\s]*"
_SCORE_AFTER = r"(?=\s*(?:战胜|击败|胜|负于|负|战平|打平|逆转|获胜|取胜|赢|输|告负|横扫|力克|完胜|惜败|拿下|的比分|获得|夺得|夺冠|晋级|胜出|险胜|大胜|领先|落后|收官|告捷))"


def scores(text: str) -> str:
    """A score written with a dash in a match: 以2-1战胜 → 以二比一战胜,
    比分3-0 → 比分三比零. Only after 比分 or before 战胜/负于/战平 …;
    elsewhere 2-1 is a range or a code (以3-5人为一组).

    >>> scores("我村代表队以2-1战胜对手，决赛比分3-0，3-0横扫，3-5天，以3-5人为一组，战成2-2")
    '我村代表队以二比一战胜对手，决赛比分三比零，三比零横扫，3-5天，以3-5人为一组，战成二比二'
    """
    pair = r"(\d{1,3})\s*[-–—:]\s*(\d{1,3})(?![\d.\-:])"
    say = lambda a, b: cardinal(a) + "比" + cardinal(b)  # noqa: E731
    text = re.sub("(" + _SCORE_BEFORE + ")" + pair, lambda m: m.group(1) + say(m.group(2), m.group(3)), text)
    # a range from a number to itself is no range: 2-2 is a draw (but 第1-1条, 1-1号 are numbers)
    text = re.sub(
        r"(?<![\d.\-:第图表])(?!0\d)(\d{1,2})\s*-\s*\1(?![\d.\-:])(?!\s*[号条款节章页楼栋室层])",
        lambda m: say(m.group(1), m.group(1)),
        text,
    )
    return re.sub(r"(?<![\d.\-:])" + pair + _SCORE_AFTER, lambda m: say(m.group(1), m.group(2)), text)


def fractions(text: str) -> str:
    """3/4 → 四分之三, also written with spaces (1 / 3); dates with / were
    read before.

    >>> fractions("3/4的村民，约占1 / 3")
    '四分之三的村民，约占三分之一'
    """
    return re.sub(
        r"(?<![\d./])(\d+) ?/ ?(\d+)(?![\d./])",
        lambda m: cardinal(m.group(2)) + "分之" + cardinal(m.group(1)),
        text,
    )


def number_ranges(text: str) -> str:
    """Ranges of numbers: 3-5天 → 三到五天, 5~10人 → 五到十人, 1-2天 → 一到两天.

    The classifier after the second number decides 两 for both ends; after 第
    both ends are ordinals. A minus written on the first end only says 正 on
    the second (-3~5 → 负三到正五), so it is not heard as -3 to -5.

    >>> number_ranges("预计3-5天完成，5~10人，第1-3名，-3~5，-5~-3")
    '预计三到五天完成，五到十人，第一到三名，负三到正五，负五到负三'
    """

    def repl(m: re.Match) -> str:
        ahead = after(m.string, m.end())
        ordinal_before = "第" if before(m.string, m.start()) == "第" else ""
        a = qty(m.group(2), ordinal_before or before(m.string, m.start()), ahead)
        b = qty(m.group(4), ordinal_before, ahead)
        if m.group(1) or m.group(3):
            return ("负" if m.group(1) else "正") + a + "到" + ("负" if m.group(3) else "正") + b
        return a + "到" + b

    return re.sub(
        r"(?<![\d.A-Za-z])(?:((?<![\d.])[-−－])\s*)?(" + NUM + r")\s*(?:" + DASH + r")\s*([-−－])?(" + NUM + r")(?![\d.])",
        repl,
        text,
    )


_UNIT_END = "元角分块天日周月年岁人个户次亩吨斤米克升度号楼层届期批项件台辆套份名家所间栋"


def unit_ranges(text: str) -> str:
    """A unit written on both ends of a range: 100元-200元 → 100元到200元,
    3天~5天 → 3天到5天 (a dash between a counted word and a number).

    >>> unit_ranges("100元-200元，3天~5天，2万—3万亩")
    '100元到200元，3天到5天，2万到3万亩'
    """
    return re.sub(r"(?<=\d)([" + _UNIT_END + r"]|万|亿)\s*" + RANGE_DASH + r"\s*(?=\d)", r"\1到", text)


def negative_numbers(text: str) -> str:
    """A minus sign before a number (not between two numbers): -3 → 负三.

    >>> negative_numbers("增速为-3.5，x-1")
    '增速为负三点五，x-1'
    """
    return re.sub(r"(?<![A-Za-z0-9.])[-−－](" + NUM + r")", lambda m: "负" + decimal(m.group(1)), text)


def decimals(text: str) -> str:
    """Decimal numbers: 12.5 → 十二点五 (wetext reads 12.5亩 as 十二月五日亩).

    >>> decimals("种植12.5亩，2.5万元")
    '种植十二点五亩，二点五万元'
    """
    return re.sub(r"(?<![\d.])(\d+)\.(\d+)(?![\d.])", lambda m: decimal(m.group()), text)


def ordinals(text: str) -> str:
    """第 + number is an ordinal: 第2 → 第二, never 第两.

    >>> ordinals("第2名，第12届")
    '第二名，第十二届'
    """
    return re.sub(r"第\s*(\d+)", lambda m: "第" + cardinal(m.group(1)), text)


_NAMES_AFTER = ("年级", "期工程", "号")


def integers(text: str) -> str:
    """Whatever integers are left: counted, with 两 before classifiers; leading
    zeros and very long digit strings (ID and account numbers) digit by digit.

    >>> integers("共有2个村，12个组，28个村，200元，编号007，2年级")
    '共有两个村，十二个组，二十八个村，两百元，编号零零七，二年级'
    """

    def repl(m: re.Match) -> str:
        s = m.group()
        if (len(s) > 1 and s[0] == "0") or len(s) > 12:
            return digits(s)
        if m.string.startswith(_NAMES_AFTER, m.end()):
            return cardinal(s)  # 2年级 is a name: 二年级
        return count(s, before=before(m.string, m.start()), after=after(m.string, m.end()))

    return re.sub(r"\d+", repl, text)
