"""Patterns and small helpers the rule modules share."""
from __future__ import annotations

from broadcaster.prepare.numbers import count, decimal

NUM = r"\d+(?:\.\d+)?"
DASH = r"[-~～—–−]"  # range dashes; 至/到 are words and stay as written
RANGE_DASH = r"(?:——|" + DASH + ")"  # one dash, or the doubled em dash of Chinese text
CJK = r"\u3400-\u9fff\uf900-\ufaff"
# A Chinese numeral, as earlier rules leave a number they have read.
HAN_DIGIT = "零一二三四五六七八九十两幺〇"


def after(text: str, end: int) -> str:
    return text[end : end + 1]


def before(text: str, start: int) -> str:
    return text[start - 1 : start] if start else ""


def qty(s: str, before: str = "", after: str = "") -> str:
    """Whole numbers as counted quantities (两 rule), decimals as decimals."""
    return decimal(s) if "." in s else count(s, before=before, after=after)
