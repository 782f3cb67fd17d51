"""Dictionary pinyin for an engine that takes only text (edge): each syllable
respelled with a common character that has that reading and no other.

edge-tts escapes what it is given (`xml.sax.saxutils.escape`) and sends its
own SSML around it, so an SSML `<phoneme>` tag cannot reach the service (and
the read-aloud service accepts no SSML of ours anyway). What it does take is
text; a station dictionary entry 溱潼 = qin2 tong2 is sent as 秦铜, characters
the voice can only read one way. A syllable no such character has (a neutral
tone, an 儿化 syllable, a rare syllable) keeps the written character, and the
clip notes that the reading could not be forced.

    >>> respell("溱潼镇到了", ((0, 2, "qin2 tong2"),)).text
    '秦铜镇到了'
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


MIN_COUNT = 100  # jieba's count of a character, below which it is too rare to send


@dataclass(frozen=True)
class Respelling:
    text: str  # what is sent to the engine
    notes: tuple[str, ...]  # one per dictionary word: how it was said, or that it could not be forced


@lru_cache(maxsize=1)
def _spellings() -> dict[str, str]:
    """Tone-numbered syllable → the most frequent character (by jieba's
    counts) with that one reading in pypinyin and in the 现代汉语词典
    (kXHC1983; a character not in that dictionary is left out)."""
    from pypinyin.constants import PINYIN_DICT
    from pypinyin_dict.pinyin_data.kxhc1983 import pinyin_dict as xhc

    from broadcaster.synthesise.engines.mandarin_phrases import _tone3
    from broadcaster.words import frequency

    best: dict[str, tuple[int, str]] = {}
    for code, readings in PINYIN_DICT.items():
        if "," in readings or code not in xhc or "," in xhc[code]:
            continue
        char = chr(code)
        count = frequency(char)
        if count < MIN_COUNT:
            continue  # a rare character the voice may not know
        syllable = _tone3(readings)
        if syllable.endswith("5"):
            continue  # a character always neutral is a particle; it would change the sentence
        if count > best.get(syllable, (0, ""))[0] or (count == best[syllable][0] and char < best[syllable][1]):
            best[syllable] = (count, char)
    return {syllable: char for syllable, (_, char) in best.items()}


def respell(text: str, spans: tuple[tuple[int, int, str], ...]) -> Respelling:
    """`text` with each pinyin span's characters respelled (see the module docstring)."""
    table = _spellings()
    out, notes, cursor = [], [], 0
    for start, end, pinyin in sorted(spans):
        word, syllables = text[start:end], pinyin.split()
        out.append(text[cursor:start])
        if len(syllables) == len(word) and all(s in table for s in syllables):
            said = "".join(table[s] for s in syllables)
            out.append(said)
            notes.append(f"{word} ({pinyin}) sent as {said}")
        elif len(syllables) != len(word):
            out.append(word)
            notes.append(f"{word} ({pinyin}): reading not forced (not one syllable per character)")
        else:
            out.append(word)
            missing = next(s for s in syllables if s not in table)
            notes.append(f"{word} ({pinyin}): reading not forced (no character is read only {missing})")
        cursor = end
    out.append(text[cursor:])
    return Respelling("".join(out), tuple(notes))
