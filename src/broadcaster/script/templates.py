"""Dated templates in scripts: `{date}`, `{weekday}`, `{lunar}`, `{station}`.

A daily script says "今天是{date}，{weekday}，{lunar}" once and is right every
day. Placeholders are filled in titles, texts and the `output:` folder name;
articles are never touched (their braces are theirs).

The date is written as a person writes it (11月30日): the text front end
speaks that as 十一月三十日 and the captions show it as written, so one form
serves both. Format options after a colon:

    >>> from datetime import date
    >>> fill("{date}·{date:full}·{date:iso}", TemplateContext(date(2026, 11, 30)))
    '11月30日·2026年11月30日·2026-11-30'
    >>> fill("{weekday}{weekday:short}", TemplateContext(date(2026, 11, 30)))
    '星期一周一'
    >>> fill("{lunar}|{lunar:short}", TemplateContext(date(2026, 11, 30)))
    '农历十月二十二|十月二十二'

`{date:%m%d}` takes any strftime pattern. In a folder name (`for_path=True`)
`{date}` is the ISO date, so folders sort by date and stay ASCII.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEEKDAYS = "一二三四五六日"
PLACEHOLDERS = ("date", "weekday", "lunar", "station")
# `{name}` or `{name:format}` where name is an ASCII word: anything else in
# braces (a brace in Chinese text, JSON) is left as it is.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(?::([^{}]*))?\}")
_DIGITS = "零一二三四五六七八九"


class TemplateError(ValueError):
    """An unknown placeholder or format; the message says which and what is allowed."""


@dataclass(frozen=True)
class TemplateContext:
    date: dt.date
    station: str | None = None


def _number(n: int) -> str:
    """1..30 in Chinese numerals as spoken: 十一, 二十二, 三十."""
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")) + ("" if ones == 0 else _DIGITS[ones])


def lunar_date(day: dt.date) -> tuple[str, str, int, int]:
    """(ganzhi year, month name, lunar month (negative when leap), day) from lunar_python.

    >>> lunar_date(dt.date(2024, 2, 10))
    ('甲辰', '正', 1, 1)
    """
    from lunar_python import Solar

    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    return lunar.getYearInGanZhi(), lunar.getMonthInChinese(), lunar.getMonth(), lunar.getDay()


def _lunar(day: dt.date, fmt: str) -> str:
    year, month, _, lunar_day = lunar_date(day)
    # 初一..初十, then 十一..二十九, 三十: 二十二 rather than the written 廿二,
    # which a voice may not read as announcers say it.
    day_text = ("初" + _number(lunar_day)) if lunar_day <= 10 else _number(lunar_day)
    text = f"{month}月{day_text}"
    if fmt in ("", "long"):
        return "农历" + text
    if fmt == "short":
        return text
    if fmt == "year":
        return f"农历{year}年{text}"
    raise TemplateError(f"unknown lunar format {fmt!r}; allowed: short, year")


def _date(day: dt.date, fmt: str, for_path: bool) -> str:
    if fmt == "" and for_path or fmt == "iso":
        return day.isoformat()
    if fmt == "":
        return f"{day.month}月{day.day}日"
    if fmt == "full":
        return f"{day.year}年{day.month}月{day.day}日"
    if "%" in fmt:
        return day.strftime(fmt)
    raise TemplateError(f"unknown date format {fmt!r}; allowed: full, iso, or a strftime pattern like %Y%m%d")


def _weekday(day: dt.date, fmt: str) -> str:
    name = WEEKDAYS[day.weekday()]
    if fmt == "":
        return "星期" + name
    if fmt == "short":
        return "周" + name
    raise TemplateError(f"unknown weekday format {fmt!r}; allowed: short")


def fill(text: str, context: TemplateContext, *, for_path: bool = False) -> str:
    """`text` with every placeholder replaced; TemplateError names a bad one."""

    def one(match: re.Match) -> str:
        name, fmt = match.group(1), match.group(2) or ""
        if name == "date":
            return _date(context.date, fmt, for_path)
        if name == "weekday":
            return _weekday(context.date, fmt)
        if name == "lunar":
            return _lunar(context.date, fmt)
        if name == "station":
            if not context.station:
                raise TemplateError("{station} needs station: in the script")
            return context.station
        raise TemplateError(f"unknown placeholder {{{name}}}; allowed: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}")

    return _PLACEHOLDER.sub(one, text)
