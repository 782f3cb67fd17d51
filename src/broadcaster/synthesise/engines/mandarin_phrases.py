"""Phrase and character readings from pypinyin's tables, as tone numbers.

    >>> phrase_reading("银行"), default_reading("行")
    (('yin2', 'hang2'), 'xing2')
"""
from __future__ import annotations

from functools import lru_cache

# Phrases pypinyin 0.55's dictionary reads wrong (tests/test_readings.py
# checks that it still does, so an entry can go when pypinyin is fixed).
PHRASE_FIXES: dict[str, str] = {
    "还款": "huan2 kuan3",  # pypinyin: hái
    "接种": "jie1 zhong4",  # pypinyin: zhǒng "seed"
    "累累": "lei2 lei2",  # 硕果累累
    "全长": "quan2 chang2",
}


def _tone3(marked: str) -> str:
    # pypinyin is imported on first use, not with this module, so that
    # `broadcaster check` and a render served from the cache never load its
    # tables (~55 MB); kokoro's load_libraries imports it for threaded renders.
    from pypinyin import Style
    from pypinyin.style import convert

    plain = convert(marked, Style.TONE3, True)
    return plain if plain[-1:].isdigit() else plain + "5"


@lru_cache(maxsize=65536)
def phrase_reading(piece: str) -> tuple[str, ...] | None:
    """The phrase dictionary's reading of `piece` (two or more characters), or None."""
    from pypinyin.constants import PHRASES_DICT

    fixed = PHRASE_FIXES.get(piece)
    if fixed:
        return tuple(fixed.split())
    value = PHRASES_DICT.get(piece)
    if value is None or len(value) != len(piece):
        return None
    return tuple(_tone3(v[0]) for v in value)


@lru_cache(maxsize=16384)
def default_reading(char: str) -> str:
    """The most common reading of one character (pypinyin's first)."""
    from pypinyin.constants import PINYIN_DICT

    marked = PINYIN_DICT.get(ord(char))
    return _tone3(marked.split(",")[0]) if marked else char
