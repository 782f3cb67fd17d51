"""Normalisation for reading aloud: written forms → what a Mandarin announcer says.

`normalize(text)` runs `RULES` in order. Each rule is a small pure function
``str -> str`` with a docstring example; each turns the forms it knows into
Chinese characters, so later (more general) rules never see them again. The
order is the point: phone numbers before dates before times before ranges
before decimals before plain integers.

Why not just `wetext`? It reads most forms right, but on its own it reads
种植12.5亩 as 十二月五日亩, 7:30集合 as 七比三零集合, ￥120元 as 一元二十元,
-5℃ as 负五 and 第2名 as 第两名, and it is slow on long strings (quadratic:
6 s for 14 000 characters with numbers). So the rules here read every number
themselves, and wetext is asked only about what they leave: a number with a
Latin unit (5kg, 3m², 20cm) in a small window, its answer guarded (no digits
left, no date or ratio readings) before it is used.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable

from broadcaster.text.numbers import cardinal, count, decimal, digits

Rule = Callable[[str], str]

_NUM = r"\d+(?:\.\d+)?"
_DASH = r"[-~～—–−]"  # range dashes; 至/到 are words and stay as written
_CJK = r"\u3400-\u9fff\uf900-\ufaff"


def _after(text: str, end: int) -> str:
    return text[end : end + 1]


def _before(text: str, start: int) -> str:
    return text[start - 1 : start] if start else ""


def _qty(s: str, before: str = "", after: str = "") -> str:
    """Whole numbers as counted quantities (两 rule), decimals as decimals."""
    return decimal(s) if "." in s else count(s, before=before, after=after)


# --------------------------------------------------------------------------- rules


_FULLWIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "＋": "+", "～": "~"}
)
_CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(20)}


def fullwidth_to_ascii(text: str) -> str:
    """Full-width digits and number punctuation to ASCII, so the rules below
    see one form. Colons, dots, slashes and dashes only between digits: the
    Chinese colon in 电话：138… is punctuation.

    >>> fullwidth_to_ascii("７：３０，１２．５％")
    '7:30，12.5%'
    """
    text = text.translate(_FULLWIDTH)
    text = re.sub(r"[\u2460-\u2473]", lambda m: _CIRCLED[m.group()], text)
    text = re.sub(r"(?<=\d)[：:](?=\d)", ":", text)
    text = re.sub(r"(?<=\d)．(?=\d)", ".", text)
    text = re.sub(r"(?<=\d)／(?=\d)", "/", text)
    return re.sub(r"(?<=\d)－(?=\d)", "-", text)


def list_numbers(text: str) -> str:
    """Markdown-style list numbers at the start: '1. 不准…' → '一、不准…'.

    >>> list_numbers("1. 不准私自下水游泳；")
    '一、不准私自下水游泳；'
    """
    say = lambda m: cardinal(m.group(1)) + "、"  # noqa: E731
    text = re.sub(r"^\s*(\d{1,2})[.．]\s*(?=[^\d\s])", say, text)
    # inside a segment (a short heading joined to the list) only with a space: "1. "
    return re.sub(r"(?<=[^\x00-\x7f])(\d{1,2})[.．]\s+(?=[^\d\s])", say, text)


def drop_thousands_separators(text: str) -> str:
    """1,250 → 1250 (only groups of exactly three digits, so lists like 1,2,3 stay).

    >>> drop_thousands_separators("共计1,250户，12,345,678元")
    '共计1250户，12345678元'
    """
    return re.sub(
        r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])",
        lambda m: m.group().replace(",", ""),
        text,
    )


_PHONE_CONTEXT_BEFORE = r"(?:电话|热线|手机|拨打|致电|传真|专线|服务台)[：:\s]*"
_PHONE_CONTEXT_AFTER = r"(?=热线|专线|服务热线|报警|急救|火警|便民|政务)"


def phone_numbers(text: str) -> str:
    """Phone numbers digit by digit, 1 as 幺: mobile numbers, landlines with an
    area code, 400/800 numbers, and short numbers next to 电话/热线/拨打.

    >>> phone_numbers("手机13812345678，电话0523-88261234")
    '手机幺三八幺二三四五六七八，电话零五二三八八二六幺二三四'
    >>> phone_numbers("拨打12345或110报警")
    '拨打幺二三四五或幺幺零报警'
    """
    say = lambda m: digits(m.group(), yao=True)  # noqa: E731
    text = re.sub(r"(?<![\d.])(?:\+?86[-\s]?)?1[3-9]\d{9}(?![\d.])", lambda m: digits(m.group().removeprefix("+86").removeprefix("86"), yao=True), text)
    text = re.sub(r"(?<![\d.])0\d{2,3}-\d{7,8}(?:-\d{1,5})?(?![\d.])", say, text)
    text = re.sub(r"(?<![\d.])[48]00-?\d{3}-?\d{4}(?![\d.])", say, text)
    # 拨打110或120: every number in the list after the verb
    text = re.sub(
        "(" + _PHONE_CONTEXT_BEFORE + r")(\d{3,12}(?:[或、和/]\d{3,12})*)(?![\d.%])",
        lambda m: m.group(1) + re.sub(r"\d+", lambda d: digits(d.group(), yao=True), m.group(2)),
        text,
    )
    return re.sub(r"(?<![\d.])\d{3,5}" + _PHONE_CONTEXT_AFTER, say, text)


def currency(text: str) -> str:
    """Currency signs become the word after the amount; ￥120元 must not read
    元 twice (wetext: 一元二十元).

    >>> currency("每亩补助￥120元，另付¥30")
    '每亩补助120元，另付30元'
    >>> currency("$5")
    '5美元'
    """
    text = re.sub(r"[￥¥]\s*(" + _NUM + r")\s*(元|块)?", lambda m: m.group(1) + (m.group(2) or "元"), text)
    text = re.sub(r"\$\s*(" + _NUM + r")", r"\1美元", text)
    return re.sub(r"€\s*(" + _NUM + r")", r"\1欧元", text)


_UNITS = {
    "km²": "平方公里", "km2": "平方公里", "m²": "平方米", "m2": "平方米", "㎡": "平方米",
    "m³": "立方米", "m3": "立方米", "km/h": "公里每小时", "km": "公里", "cm": "厘米",
    "mm": "毫米", "kg": "千克", "mg": "毫克", "g": "克", "t": "吨", "m": "米",
    "kwh": "千瓦时", "kw": "千瓦", "kv": "千伏", "mw": "兆瓦", "w": "瓦", "v": "伏",
    "ml": "毫升", "l": "升", "h": "小时", "min": "分钟", "s": "秒", "mb": "兆",
    "gb": "G", "kb": "K", "mu": "亩",
}
_UNIT_RE = re.compile(
    r"(" + _NUM + r")\s*(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")(?![A-Za-z0-9])",
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
    """A number with a Latin unit: 3.6km → 三点六公里, 5kg → 五千克.

    wetext knows many units; its answer is used when it passes the guard,
    else the small table here.

    >>> latin_units("全长3.6km，重5kg")
    '全长三点六公里，重五千克'
    """

    def repl(m: re.Match) -> str:
        number, unit = m.group(1), m.group(2)
        ours = _qty(number, _before(m.string, m.start()), "公") + _UNITS[unit.lower()]
        theirs = _wetext_reading(number + unit)
        # wetext reads 2km as 二公里; prefer ours when only 两/二 differ.
        if theirs and theirs.replace("二", "两") != ours.replace("二", "两"):
            return theirs if len(theirs) >= 2 else ours
        return ours

    return _UNIT_RE.sub(repl, text)


def _temp(s: str) -> str:
    neg = s[:1] in "-−－" or s.startswith("零下")
    body = s.removeprefix("零下").lstrip("-−－")
    return ("零下" if neg else "") + decimal(body)


_T = r"(?:零下|[-−－])?\s*" + _NUM


def temperatures(text: str) -> str:
    """Temperatures: 零下 for negatives, 摄氏度 for ℃, ranges with 到.

    >>> temperatures("气温-5℃，白天-2~3℃")
    '气温零下五摄氏度，白天零下二到三摄氏度'
    """
    unit = r"\s*(℃|°C|°c|度)"
    text = re.sub(
        r"(" + _T + r")\s*(?:℃|°C)?\s*(?:[~～—–]|-(?=\s*[-−－]?\d)|至|到)\s*(" + _T + r")" + unit,
        lambda m: _temp(m.group(1)) + "到" + _temp(m.group(2)) + ("摄氏度" if m.group(3) != "度" else "度"),
        text,
    )
    text = re.sub(r"(" + _T + r")\s*(℃|°C|°c)", lambda m: _temp(m.group(1)) + "摄氏度", text)
    # -5度 is a temperature too; 5度 alone may be an angle or a degree: left.
    return re.sub(r"(?<![A-Za-z0-9])([-−－]\s*" + _NUM + r")\s*度", lambda m: _temp(m.group(1)) + "度", text)


def _date(y: str, mo: str, d: str | None) -> str | None:
    if not (1 <= int(mo) <= 12) or (d is not None and not 1 <= int(d) <= 31):
        return None
    return digits(y) + "年" + cardinal(mo) + "月" + (cardinal(d) + "日" if d else "")


def numeric_dates(text: str) -> str:
    """Dates written with - . / between the parts; years digit by digit.

    >>> numeric_dates("会议于2023-05-08召开，2022.01.27，2023/5/8日")
    '会议于二零二三年五月八日召开，二零二二年一月二十七日，二零二三年五月八日'
    """

    def repl(m: re.Match) -> str:
        out = _date(m.group(1), m.group(3), m.group(4))
        return out if out else m.group()

    return re.sub(r"(?<![\d.])(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?:日|号)?(?![\d])", repl, text)


def years(text: str) -> str:
    """Years are read digit by digit, also in ranges: 2019-2021年.

    >>> years("2025年是关键一年，2019-2021年，2023年度")
    '二零二五年是关键一年，二零一九到二零二一年，二零二三年度'
    """
    text = re.sub(
        r"(?<!\d)(\d{4})\s*(?:" + _DASH + r"|至|到)\s*(\d{4})(?=\s*年)",
        lambda m: digits(m.group(1)) + "到" + digits(m.group(2)),
        text,
    )
    return re.sub(r"(?<![\d.])(\d{4})(?=\s*年)", lambda m: digits(m.group(1)), text)


def _clock(h: str, mi: str, s: str | None = None) -> str | None:
    hi, mn = int(h), int(mi)
    if hi > 24 or mn > 59:
        return None
    out = count(h, after="点") + "点"
    if mn:
        out += ("零" if mn < 10 else "") + cardinal(mi) + "分"
    if s and int(s):
        out += cardinal(s) + "秒"
    return out


_CLOCK = r"(?<![\d.:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])"


def clock_times(text: str) -> str:
    """Clock times and ranges of them: 7:30 → 七点三十分, 8:00-12:00 → 八点到十二点.

    (wetext reads 7:30集合 as 七比三零.) A single digit after the colon is a
    ratio or score (3:2), left for later rules.

    >>> clock_times("上午7:30集合，8:00-12:00，下午4:30收工")
    '上午七点三十分集合，八点到十二点，下午四点三十分收工'
    """

    def one(h, mi, s, original):
        out = _clock(h, mi, s)
        return out if out else original

    text = re.sub(
        _CLOCK + r"\s*(?:" + _DASH + r"|至|到)\s*" + _CLOCK.replace("(?<![\\d.:])", ""),
        lambda m: one(m.group(1), m.group(2), m.group(3), m.group(0)[: m.group(0).index(m.group(2)) + 2])
        + "到"
        + one(m.group(4), m.group(5), m.group(6), m.group(0)),
        text,
    )
    return re.sub(_CLOCK, lambda m: one(m.group(1), m.group(2), m.group(3), m.group(0)), text)


def ratios(text: str) -> str:
    """What is left of a:b after clock times is a ratio or score: 3:2 → 三比二.

    >>> ratios("比分3:2，按1:1配套")
    '比分三比二，按一比一配套'
    """
    return re.sub(r"(?<![\d.:])(\d+):(\d+)(?![\d:])", lambda m: cardinal(m.group(1)) + "比" + cardinal(m.group(2)), text)


def percentages(text: str) -> str:
    """Percent and per mille, ranges included.

    >>> percentages("增长6.3%，50%-60%，5-8%，2.5‰")
    '增长百分之六点三，百分之五十到百分之六十，百分之五到八，千分之二点五'
    """
    text = re.sub(
        r"(" + _NUM + r")%\s*(?:" + _DASH + r"|至|到)\s*(" + _NUM + r")%",
        lambda m: "百分之" + decimal(m.group(1)) + "到百分之" + decimal(m.group(2)),
        text,
    )
    text = re.sub(
        r"(?<![\d.])(" + _NUM + r")\s*(?:" + _DASH + r"|至|到)\s*(" + _NUM + r")%",
        lambda m: "百分之" + decimal(m.group(1)) + "到" + decimal(m.group(2)),
        text,
    )
    text = re.sub(r"([-−－])?(" + _NUM + r")%", lambda m: ("负" if m.group(1) else "") + "百分之" + decimal(m.group(2)), text)
    return re.sub(r"(" + _NUM + r")‰", lambda m: "千分之" + decimal(m.group(1)), text)


def fractions(text: str) -> str:
    """3/4 → 四分之三 (dates with / were read before).

    >>> fractions("3/4的村民")
    '四分之三的村民'
    """
    return re.sub(
        r"(?<![\d./])(\d+)/(\d+)(?![\d./])",
        lambda m: cardinal(m.group(2)) + "分之" + cardinal(m.group(1)),
        text,
    )


def per_unit(text: str) -> str:
    """元/亩 → 元每亩: a slash between a unit and a noun reads 每.

    >>> per_unit("120元/亩，3元/斤")
    '120元每亩，3元每斤'
    """
    return re.sub(r"(?<=[元吨斤米里克升度分秒时天次人户])/(?=[亩人户天月年次斤吨个台件平公千小周季])", "每", text)


def number_ranges(text: str) -> str:
    """Ranges of numbers: 3-5天 → 三到五天, 5~10人 → 五到十人, 1-2天 → 一到两天.

    The classifier after the second number decides 两 for both ends; after 第
    both ends are ordinals.

    >>> number_ranges("预计3-5天完成，5~10人，第1-3名")
    '预计三到五天完成，五到十人，第一到三名'
    """

    def repl(m: re.Match) -> str:
        before = _before(m.string, m.start())
        after = _after(m.string, m.end())
        ordinal_before = before if before in "第" and before else ""
        a = _qty(m.group(1), ordinal_before or before, after)
        b = _qty(m.group(2), ordinal_before, after)
        return a + "到" + b

    return re.sub(r"(?<![\d.A-Za-z])(" + _NUM + r")\s*(?:" + _DASH + r")\s*(" + _NUM + r")(?![\d.])", repl, text)


def alphanumeric_codes(text: str) -> str:
    """Codes mixing letters and digits keep their letters (the engine spells
    them); short digit runs are counted, long ones read digit by digit.

    >>> alphanumeric_codes("5G网络，H5N1，COVID-19，G20峰会，B737")
    '五G网络，H五N一，COVID十九，G二十峰会，B七三七'
    """

    def repl(m: re.Match) -> str:
        token = m.group().replace("-", "")
        return re.sub(r"\d+", lambda d: cardinal(d.group()) if len(d.group()) <= 2 else digits(d.group()), token)

    return re.sub(
        r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![A-Za-z0-9])",
        repl,
        text,
    )


def negative_numbers(text: str) -> str:
    """A minus sign before a number (not between two numbers): -3 → 负三.

    >>> negative_numbers("增速为-3.5，x-1")
    '增速为负三点五，x-1'
    """
    return re.sub(r"(?<![A-Za-z0-9.])[-−－](" + _NUM + r")", lambda m: "负" + decimal(m.group(1)), text)


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


def integers(text: str) -> str:
    """Whatever integers are left: counted, with 两 before classifiers; leading
    zeros and very long digit strings (ID and account numbers) digit by digit.

    >>> integers("共有2个村，12个组，28个村，200元，编号007")
    '共有两个村，十二个组，二十八个村，两百元，编号零零七'
    """

    def repl(m: re.Match) -> str:
        s = m.group()
        if (len(s) > 1 and s[0] == "0") or len(s) > 12:
            return digits(s)
        return count(s, before=_before(m.string, m.start()), after=_after(m.string, m.end()))

    return re.sub(r"\d+", repl, text)


_SYMBOLS = {"+": "加", "×": "乘", "&": "和", "＆": "和", "=": "等于", "≥": "大于等于", "≤": "小于等于", "＞": "大于", "＜": "小于"}


def symbols(text: str) -> str:
    """Symbols that carry a word: 线上+线下 → 线上加线下; ~ between words → 到;
    a slash between Chinese words becomes a pause (、).

    >>> symbols("“线上+线下”，党员/群众")
    '“线上加线下”，党员、群众'
    """
    text = re.sub(r"[+×&＆=≥≤＞＜]", lambda m: _SYMBOLS[m.group()], text)
    text = re.sub(r"(?<=[" + _CJK + r"])\s*[~～]\s*(?=[" + _CJK + r"])", "到", text)
    return re.sub(r"(?<=[" + _CJK + r"])\s*/\s*(?=[" + _CJK + r"])", "、", text)


_KEEP_SYMBOLS = frozenset("℃°‰㎡²³№©")


def _speakable(ch: str) -> bool:
    if ch in _KEEP_SYMBOLS:  # read by the rules above
        return True
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\n":
        return False
    if cat == "So" or cat == "Sk":  # emoji, dingbats, ★ ● ■
        return False
    return True


def drop_unspeakable(text: str) -> str:
    """Emoji, pictographs and control or format characters say nothing.

    >>> drop_unspeakable("好消息😀！\\u200b")
    '好消息！'
    """
    return "".join(ch for ch in text if _speakable(ch))


def tidy_spaces(text: str) -> str:
    """Spaces mean nothing between Chinese characters; one space stays
    between Latin words.

    >>> tidy_spaces("在 1月23日 举行 Hello  world")
    '在1月23日举行Hello world'
    """
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<![A-Za-z]) | (?![A-Za-z])", "", text)


RULES: tuple[Rule, ...] = (
    drop_unspeakable,
    fullwidth_to_ascii,
    list_numbers,
    drop_thousands_separators,
    phone_numbers,
    currency,
    temperatures,
    numeric_dates,
    years,
    clock_times,
    ratios,
    percentages,
    latin_units,
    fractions,
    per_unit,
    number_ranges,
    alphanumeric_codes,
    negative_numbers,
    decimals,
    ordinals,
    integers,
    symbols,
    tidy_spaces,
)


def normalize(text: str, rules: tuple[Rule, ...] = RULES) -> str:
    """Written text → spoken text.

    >>> normalize("会议于2023-05-08召开")
    '会议于二零二三年五月八日召开'
    """
    if not re.search(r"[0-9０-９\u2460-\u2473%％℃+×&=/~～\s" + "\u200b-\u200f\ufeff" + r"]", text) and all(map(_speakable, text)):
        return text  # nothing to do: most sentences of an article
    for rule in rules:
        text = rule(text)
    return text
