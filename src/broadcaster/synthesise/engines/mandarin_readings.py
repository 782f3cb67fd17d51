"""Which reading each Han character of a phrase gets, and what chose it.

The reading is the dictionary syllable, before tone sandhi (that comes after,
in `mandarin_tones`). Sources, the first that applies wins:

- ``place``: a place name from the shipped table (`place_names`), 六安 lù'ān;
- ``surname``: a polyphonic surname before a title, after 姓/老/小, or at the
  start of a name jieba did not know (`mandarin_context.surname_reading`);
- ``phrase``: the longest phrase of pypinyin's phrase dictionary (or of
  PHRASE_FIXES, where that dictionary is wrong) inside the jieba word, so
  测量体温 reads as 测量 + 体温 (pypinyin alone reads a word it does not
  know character by character), with the few phrase readings that depend on
  what comes before (`mandarin_context.phrase_override`: 开花结果 jiē);
- ``context``: a character standing alone, read by its neighbours
  (`mandarin_context.lone_reading`: 以…为准 wéi, 认真地 de, 大家得 děi);
- ``default``: the character's most common reading.

(Station dictionary entries are not seen here: the engine says their pinyin
as given, and `mandarin_g2p` marks them ``dictionary``.)

    >>> [(r.char, r.syllable, r.source) for r in read_phrase(["银行", "行长"])]
    [('银', 'yin2', 'phrase'), ('行', 'hang2', 'phrase'), ('行', 'hang2', 'phrase'), ('长', 'zhang3', 'phrase')]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from broadcaster.synthesise.engines import mandarin_context as context
from broadcaster.synthesise.engines.mandarin_phrases import _tone3, default_reading, phrase_reading  # noqa: F401 (re-exported)
from broadcaster.synthesise.engines.place_names import find_places
from broadcaster.words import in_dictionary

MAX_PHRASE_CHARS = 6


@dataclass(frozen=True)
class Reading:
    """One character's reading: `syllable` tone-numbered ("hang2", 5 for
    neutral), `source` what chose it, `word` the phrase, name or rule."""

    char: str
    syllable: str
    source: str
    word: str = ""


@lru_cache(maxsize=1)
def _polyphones() -> dict[int, str]:
    from pypinyin_dict.pinyin_data.kxhc1983 import pinyin_dict

    return pinyin_dict


def is_polyphone(char: str) -> bool:
    """More than one reading in the 现代汉语词典 (Unihan's kXHC1983 field,
    as pypinyin-dict ships it). 一 and 不 change by tone sandhi, not reading."""
    return char not in "一不" and "," in _polyphones().get(ord(char), "")


def other_readings(char: str) -> list[str]:
    """Every dictionary reading of `char`, tone-numbered (for the review's choices)."""
    return [_tone3(r) for r in _polyphones().get(ord(char), "").split(",") if r]


def _known_words(words: list[str]) -> list[str]:
    """jieba's words, with those its HMM made up split into known words and
    characters, except possible names (a surname and one or two more
    characters): 请单老师 is cut 请单 / 老师, and the rules need 单 on its own
    to see the title after it."""
    out: list[str] = []
    for word in words:
        if len(word) == 1 or in_dictionary(word) or phrase_reading(word) or (word[0] in context.SURNAMES and len(word) <= 3):
            out.append(word)
            continue
        i = 0  # the longest known words inside, left to right (先和面: 先 / 和面)
        while i < len(word):
            size = next((n for n in range(len(word) - i, 1, -1)
                         if in_dictionary(word[i:i + n]) or phrase_reading(word[i:i + n])), 1)
            out.append(word[i:i + size])
            i += size
    return out


def read_phrase(words: list[str]) -> list[Reading]:
    """One Reading per character of `words` (jieba words of Han characters,
    one phrase with no punctuation inside)."""
    chars = "".join(words)
    words = _known_words(words)
    starts, ends, pos = [], [], 0
    for word in words:
        starts.append(pos)
        pos += len(word)
        ends.append(pos)
    out: list[Reading | None] = [None] * len(chars)
    for i, j, name, syllables in find_places(chars, set(starts), set(ends)):
        for k in range(i, j):
            out[k] = Reading(chars[k], syllables[k - i], "place", name)
    for word, start in zip(words, starts):
        if out[start] is None and word[0] in context.SURNAMES:
            found = context.surname_reading(chars, start, word)
            if found:
                out[start] = Reading(word[0], found[0], "surname", found[1])
    for w, (word, start) in enumerate(zip(words, starts)):
        i = 0
        while i < len(word):
            if out[start + i] is not None:
                i += 1
                continue
            for size in range(min(MAX_PHRASE_CHARS, len(word) - i), 1, -1):
                piece = word[i:i + size]
                if any(out[start + i + k] is not None for k in range(size)):
                    continue
                syllables = phrase_reading(piece)
                if syllables:
                    override = context.phrase_override(chars, start + i, piece)
                    if override:
                        syllables, note, source = override[0], override[1], "context"
                    else:
                        note, source = piece, "phrase"
                    for k in range(size):
                        out[start + i + k] = Reading(piece[k], syllables[k], source, note)
                    i += size
                    break
            else:
                k = start + i
                lone = context.lone_reading(chars, k, words, w)
                if lone:
                    out[k] = Reading(chars[k], lone[0], "context", lone[1])
                else:
                    out[k] = Reading(chars[k], default_reading(chars[k]), "default")
                i += 1
    return [r for r in out if r is not None]
