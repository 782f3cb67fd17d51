"""File names that survive FAT-formatted USB sticks and cheap players: ASCII only."""
from __future__ import annotations

import re


def slug(title: str, max_chars: int = 32) -> str:
    """"溱潼镇党员冬训" -> "qintongzhen-dangyuan-dongxun" (pinyin of jieba words).

    >>> slug("Notice 2026: 水利")
    'notice-2026-shuili'
    """
    from pypinyin import lazy_pinyin

    from broadcaster.words import cut

    words = ["".join(lazy_pinyin(w)) for w in cut(title)]
    text = "-".join(words).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > max_chars:
        text = text[:max_chars].rsplit("-", 1)[0] or text[:max_chars]
    return text or "item"


def item_file_name(number: int, title: str) -> str:
    return f"{number:02d}-{slug(title)}.mp3"
