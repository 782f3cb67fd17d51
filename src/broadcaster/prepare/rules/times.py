"""Clock times: 7:30, 14:00:30, a.m./p.m., 07时, and ranges of them.

A leading zero in an hour is not said (07时 → 七时, 06:05 → 六点零五分); a
zero before minutes is (8时05分 → 八时零五分), as announcers do.
"""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import cardinal, count
from broadcaster.prepare.rules.common import DASH, RANGE_DASH


def hours(text: str) -> str:
    """Hours written with 时 or 点 and a leading zero: 07时 → 七时, 00时 → 零时;
    minutes and seconds with a leading zero keep it (05分 → 零五分).

    >>> hours("07时起停电，08时30分至09时05分，00时")
    '七时起停电，八时30分至九时零五分，零时'
    """
    text = re.sub(r"(?<![\d.:])0(\d)(?=\s*[时点])", lambda m: cardinal(m.group(1)), text)
    return re.sub(r"(?<=[时点])0([1-9])(?=\s*分)", lambda m: "零" + cardinal(m.group(1)), text)


def _period(h: int, pm: bool) -> str:
    if pm:
        return "中午" if h == 12 else ("晚上" if h >= 6 else "下午")
    return "凌晨" if h == 12 or h < 5 else "上午"


_AM_PM = re.compile(
    r"(?<![\d:.])(\d{1,2})(?::(\d{2}(?::\d{2})?))?(?:\s*(" + DASH + r"|至|到)\s*(\d{1,2})(?::(\d{2}(?::\d{2})?))?)?"
    r"\s*([AaPp])\.?\s?[Mm]\.?(?![A-Za-z0-9])"  # not PM2.5
)


def time_of_day(text: str) -> str:
    """a.m./p.m. (am, pm, AM, PM) become 上午/下午 before the time; 中午 for
    12 p.m., 晚上 from 6 p.m., 凌晨 before 5 a.m. (12 a.m. is 零点); a range
    with one p.m. whose first hour is the larger crosses noon. The time
    itself is left for `clock_times` and the range rules.

    >>> time_of_day("9:30 a.m.开始，3pm结束，8:00-11:00 AM，7 p.m.，1:02:36am，10:00-2:00pm")
    '上午9:30开始，下午3点结束，上午8:00-11:00，晚上7点，凌晨1:02:36，上午10:00-下午2:00'
    """

    def clock(h: str, mi: str | None, pm: bool) -> str:
        if not pm and int(h) == 12:
            h = "0"
        return h + (":" + mi if mi else "点")

    def repl(m: re.Match) -> str:
        h1, m1, dash, h2, m2, ap = m.groups()
        if int(h1) > 12 or (h2 and int(h2) > 12):
            return m.group()  # 13 p.m. is not a clock time
        pm = ap.lower() == "p"
        if h2 and pm and 12 != int(h1) > int(h2):  # 10:00-2:00 p.m. starts in the morning
            return _period(int(h1), False) + clock(h1, m1, False) + dash + _period(int(h2), True) + clock(h2, m2, True)
        out = _period(int(h1), pm) + clock(h1, m1, pm)
        return out + (dash + clock(h2, m2, pm) if h2 else "")

    return _AM_PM.sub(repl, text)


def _clock(h: str, mi: str, s: str | None = None) -> str | None:
    hi, mn = int(h), int(mi)
    if hi > 24 or mn > 59:
        return None
    out = count(h, after="点") + "点"
    seconds = bool(s and int(s))
    if mn or seconds:  # 14:00:30 → 十四点零分三十秒
        out += ("零" if mn < 10 and mn else "") + cardinal(mi) + "分"
    if seconds:
        out += cardinal(s) + "秒"
    return out


_CLOCK = r"(?<![\d.:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])"


def clock_times(text: str) -> str:
    """Clock times and ranges of them: 7:30 → 七点三十分, 8:00-12:00 → 八点到十二点.

    (wetext reads 7:30集合 as 七比三零.) A single digit after the colon is a
    ratio or score (3:2), left for later rules.

    >>> clock_times("上午7:30集合，8:00—12:00，下午4:30收工，06:05，14:00:30")
    '上午七点三十分集合，八点到十二点，下午四点三十分收工，六点零五分，十四点零分三十秒'
    """

    def one(h, mi, s, original):
        out = _clock(h, mi, s)
        return out if out else original

    text = re.sub(
        _CLOCK + r"\s*(?:" + RANGE_DASH + r"|至|到)\s*" + _CLOCK.replace("(?<![\\d.:])", ""),
        lambda m: one(m.group(1), m.group(2), m.group(3), m.group(0)[: m.group(0).index(m.group(2)) + 2])
        + "到"
        + one(m.group(4), m.group(5), m.group(6), m.group(0)),
        text,
    )
    return re.sub(_CLOCK, lambda m: one(m.group(1), m.group(2), m.group(3), m.group(0)), text)
