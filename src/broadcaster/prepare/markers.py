"""List markers and 公文 headings at the start of a line: 1. 2、 ① (1) （一） 一、 第一，

Shared by segmentation (a line that starts with a marker is never merged with
another line) and normalisation (the marker is spoken as 一、 with the short
pause of 、 after it, never run into the number that follows).
"""
from __future__ import annotations

import re

HAN_NUMERAL = "[一二三四五六七八九十]{1,3}"
CIRCLED = "\u2460-\u249b\u3220-\u3229"  # ①-⑳ ⑴-⒇ ⒈-⒛ ㈠-㈩

MARKER = re.compile(
    r"^\s*(?:"
    r"[（(]\s*(?:\d{1,2}|" + HAN_NUMERAL + r")\s*[）)]"  # (1) （一）
    r"|\d{1,2}\s*(?:[.．](?![\d.．])|[、)）])"  # 1. 1、 1)
    r"|" + HAN_NUMERAL + r"\s*、"  # 一、
    r"|[" + CIRCLED + r"]"  # ① ⑴ ⒈ ㈠
    r"|第" + HAN_NUMERAL + r"\s*[，,、：:]"  # 第一，
    r")"
)


def starts_with_marker(line: str) -> bool:
    """Whether a line opens with a list marker or heading number.

    >>> starts_with_marker("（一）加强组织领导"), starts_with_marker("1.5亿元")
    (True, False)
    """
    return MARKER.match(line) is not None


def circled_value(ch: str) -> int:
    """The number a circled or parenthesised digit stands for: ⑫ → 12.

    >>> circled_value("②"), circled_value("⑶"), circled_value("㈣")
    (2, 3, 4)
    """
    code = ord(ch)
    for first in (0x2460, 0x2474, 0x2488, 0x3220):
        if first <= code < first + (10 if first == 0x3220 else 20):
            return code - first + 1
    raise ValueError(ch)
