"""Characters and marks: what to drop, what to unify, list markers, signs."""
from __future__ import annotations

import re
import unicodedata

from broadcaster.prepare.markers import CIRCLED, HAN_NUMERAL, circled_value
from broadcaster.prepare.numbers import cardinal
from broadcaster.prepare.rules.common import CJK

_KEEP_SYMBOLS = frozenset("℃°‰㎡²³№©〰")  # 〰 is a range mark, folded to ~ below


def speakable(ch: str) -> bool:
    if ch in _KEEP_SYMBOLS or "\u3380" <= ch <= "\u33ff":  # units read by later rules
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
    return "".join(ch for ch in text if speakable(ch))


_FULLWIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, **{chr(0x2080 + i): str(i) for i in range(10)},
     **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}, **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
     "％": "%", "＋": "+", "＄": "$", "＠": "@", "＿": "_", "＝": "=", "＃": "#", "＊": "*",
     # Roman numerals of emergency levels and water classes: Ⅱ级响应, Ⅲ类水
     "Ⅰ": "一", "Ⅱ": "二", "Ⅲ": "三", "Ⅳ": "四", "Ⅴ": "五", "Ⅵ": "六", "Ⅶ": "七", "Ⅷ": "八", "Ⅸ": "九",
     "Ⅹ": "十", "Ⅺ": "十一", "Ⅻ": "十二",
     "½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅒": "1/10",
     # every tilde and wave dash is one range mark: 9:00〜17:00, 3〰5天
     "～": "~", "〜": "~", "〰": "~", "∼": "~", "⁓": "~", "˜": "~",
     # hyphens and dashes of other fonts: ﹣ ‐ ‑ ‒ are a hyphen, ― and ﹘ an em dash
     "﹣": "-", "‐": "-", "‑": "-", "‒": "-", "―": "—", "﹘": "—"}
)
_ASCII_ALNUM = r"[0-9A-Za-z]"


def fullwidth_to_ascii(text: str) -> str:
    """Full-width and subscript digits, full-width letters, tildes and dashes
    of every font to one ASCII form, so the rules below see one form. Colons
    only between digits, and dots, slashes and hyphens only between ASCII
    letters or digits: the Chinese colon in 电话：138… is punctuation.

    >>> fullwidth_to_ascii("７：３０，１２．５％，CO₂，ＫＮ９５，ｗｗｗ．ｇｏｖ．ｃｎ，3〰5天")
    '7:30，12.5%，CO2，KN95，www.gov.cn，3~5天'
    """
    text = re.sub("~{2,}", "~", text.translate(_FULLWIDTH))  # 3～～5: one range mark
    text = re.sub(r"(?<=\d)[：:](?=\d)", ":", text)
    text = re.sub(r"(?<=" + _ASCII_ALNUM + r")．(?=" + _ASCII_ALNUM + ")", ".", text)
    text = re.sub(r"(?<=" + _ASCII_ALNUM + r")／(?=" + _ASCII_ALNUM + ")", "/", text)
    return re.sub(r"(?<=" + _ASCII_ALNUM + r")－(?=" + _ASCII_ALNUM + ")", "-", text)


_COMPAT_UNITS = {
    "㎡": "m²", "㎥": "m³", "㎞": "km", "㎏": "kg", "㎎": "mg", "㎝": "cm", "㎜": "mm", "㎖": "ml",
    "㎘": "kl", "㎾": "kW", "㎿": "MW", "㏊": "ha", "㎉": "kcal", "㎐": "Hz", "㏄": "ml", "㎠": "cm²",
    "㎢": "km²", "㎦": "km³", "㎗": "dl", "㎍": "μg", "㎸": "kV", "㏈": "dB", "㏎": "km", "㎧": "m/s",
}


def symbol_units(text: str) -> str:
    """One-character unit symbols and powers written with ^ become the Latin
    unit the unit table reads: ㎡ → m², m^2 → m², ㎏ → kg.

    >>> symbol_units("面积120㎡，体积3m^3，重5㎏")
    '面积120m²，体积3m³，重5kg'
    """
    text = re.sub("[" + "".join(_COMPAT_UNITS) + "]", lambda m: _COMPAT_UNITS[m.group()], text)
    return re.sub(r"(?<=[A-Za-z])\^([23])", lambda m: "²" if m.group(1) == "2" else "³", text)


def _marker_word(token: str) -> str:
    return (cardinal(token) if token.isdigit() else token) + "、"


_LINE_MARKER = re.compile(
    r"^\s*(?:[（(]\s*(\d{1,2}|" + HAN_NUMERAL + r")\s*[）)]|(\d{1,2})\s*(?:[.．](?![\d.．])|[、)）]))\s*"
)
_INLINE_MARKER = re.compile(
    r"(?<=[：:；;。，,])\s*[（(]\s*(\d{1,2}|" + HAN_NUMERAL + r")\s*[）)]\s*"
    r"|(?<=[^\x00-\x7f])(\d{1,2})[.．]\s+(?=[^\d\s])"  # a short heading joined to "1. "
)


def list_markers(text: str) -> str:
    """List markers and 公文 heading numbers become 一、: 1. 1、 1) (1) （一） ①.
    At the start of the text, after ：；。， (inline lists), and circled
    numbers anywhere; the 、 gives the short pause an announcer makes.

    >>> list_markers("（一）加强领导。要求：(1)按时；②如实")
    '一、加强领导。要求：一、按时；二、如实'
    >>> list_markers("1. 不准私自下水游泳；")
    '一、不准私自下水游泳；'
    """
    say = lambda m: _marker_word(m.group(1) or m.group(2))  # noqa: E731
    text = _LINE_MARKER.sub(say, text, count=1)
    text = _INLINE_MARKER.sub(say, text)
    return re.sub(
        "[" + CIRCLED + r"]\s*[、.．]?\s*", lambda m: _marker_word(str(circled_value(m.group()[0]))), text
    )


_SIGNS = {
    ">=": "大于等于", "<=": "小于等于", "≥": "大于等于", "⩾": "大于等于", "≤": "小于等于", "⩽": "小于等于",
    "≧": "大于等于", "≦": "小于等于", "!=": "不等于", "==": "等于",
    ">": "大于", "<": "小于", "＞": "大于", "＜": "小于", "﹥": "大于", "﹤": "小于", "≠": "不等于",
    "±": "正负", "×": "乘", "÷": "除以", "≈": "约等于", "*": "乘",
}


def comparison_signs(text: str) -> str:
    """Comparison and arithmetic signs in notices and standards, as words;
    ~ before a number with no number before it means about.
    ASCII < > * only next to numbers (elsewhere they are markup or stars).

    >>> comparison_signs("年满60周岁(≥60)，误差±2%，PM2.5>75，3*4，～30人，血压<=140，x != 0")
    '年满60周岁(大于等于60)，误差正负2%，PM2.5大于75，3乘4，约30人，血压小于等于140，x不等于0'
    """
    text = re.sub(r"[≥⩾≤⩽≧≦＞＜﹥﹤≠±×÷≈]", lambda m: _SIGNS[m.group()], text)
    text = re.sub(r"\s*(!=|==)\s*", lambda m: _SIGNS[m.group(1)], text)  # written in code or a spreadsheet
    text = re.sub(r"(?:(?<=[\d%℃)）])\s*|(?<![<>=A-Za-z/\"'-]))(>=|<=|>|<)\s*(?=[-+]?\d)", lambda m: _SIGNS[m.group(1)], text)
    text = re.sub(r"(?<=\d)\s*\*\s*(?=\d)", "乘", text)
    # "about" only where no number or word stands before it: 3 ~ 5 is a range
    text = re.sub(r"(?:^|(?<=[(（，,：:；;、])|(?<=[(（，,：:；;、]\s))[~～]\s*(?=\d)", "约", text)
    return re.sub(r"(?<=[" + CJK + r"])[~～]+(?=[，。！？!?\s]|$)", "", text)  # a decorative tilde


_SYMBOLS = {"+": "加", "&": "和", "＆": "和", "=": "等于"}


def symbols(text: str) -> str:
    """Symbols that carry a word: 线上+线下 → 线上加线下; ~ between words or
    letters → 到 (a tilde is never dropped between two things); a slash
    between Chinese words becomes a pause (、).

    >>> symbols("“线上+线下”，党员/群众，A~C区")
    '“线上加线下”，党员、群众，A到C区'
    """
    text = re.sub(r"[+&＆=]", lambda m: _SYMBOLS[m.group()], text)
    text = re.sub(r"(?<=[" + CJK + r"0-9A-Za-z])\s*[~～]\s*(?=[" + CJK + r"0-9A-Za-z])", "到", text)
    return re.sub(r"(?<=[" + CJK + r"])\s*/\s*(?=[" + CJK + r"])", "、", text)


def tidy_spaces(text: str) -> str:
    """Spaces mean nothing between Chinese characters; one space stays
    between Latin words.

    >>> tidy_spaces("在 1月23日 举行 Hello  world")
    '在1月23日举行Hello world'
    """
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<![A-Za-z]) | (?![A-Za-z])", "", text)
