"""Mandarin text → the IPA-with-tone-arrows phonemes the Kokoro vocabulary uses.

misaki's `ZHG2P` (legacy mode) looks each jieba word up in pypinyin *without*
tone sandhi, so 一个 comes out yī gè and 你好 nǐ hǎo. We keep misaki's
pinyin→IPA mapping (which matches the model's vocabulary) but ask pypinyin
for sandhi-applied tones, honour lexicon pinyin spans, and spell Latin
abbreviations letter by letter.

    >>> MandarinG2P()("一个")
    'i↗kɤ↘'
"""
from __future__ import annotations

import re
from functools import lru_cache

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[A-Za-z]+")

# Punctuation the model knows; everything else becomes a space or a comma.
_PUNCT = {
    "，": ", ", "、": ", ", "。": ". ", "．": ". ", "！": "! ", "？": "? ", "：": ": ",
    "；": "; ", "…": "… ", "—": "—", ",": ", ", ".": ". ", "!": "! ", "?": "? ",
    ":": ": ", ";": "; ", "“": " “", "”": "” ", "‘": " “", "’": "” ", "《": " “", "》": "” ",
    "「": " “", "」": "” ", "『": " “", "』": "” ", "（": " (", "）": ") ", "(": " (", ")": ") ",
}

# English letter names, for abbreviations such as GDP or APP.
_LETTERS = {
    "a": "eɪ", "b": "bi", "c": "si", "d": "di", "e": "i", "f": "ɛf", "g": "ʤi", "h": "eɪʧ",
    "i": "aɪ", "j": "ʤeɪ", "k": "keɪ", "l": "ɛl", "m": "ɛm", "n": "ɛn", "o": "oʊ", "p": "pi",
    "q": "kju", "r": "ɑɹ", "s": "ɛs", "t": "ti", "u": "ju", "v": "vi", "w": "dʌbəlju",
    "x": "ɛks", "y": "waɪ", "z": "zi",
}


@lru_cache(maxsize=4096)
def pinyin_to_ipa(syllable: str) -> str:
    """"qin2" -> "ʨʰi↗n" (misaki's table, Kokoro's tone arrows)."""
    from misaki.zh import ZHG2P

    # misaki marks non-syllabic vowels with U+032F, which the vocabulary lacks
    return ZHG2P.py2ipa(syllable).replace("\u032f", "")


def spell_latin(word: str) -> str:
    return " ".join(_LETTERS[c] for c in word.lower() if c in _LETTERS)


def _pinyin(words: list[str]) -> list[str]:
    # Imported on first use, not with this module, so that `broadcaster check`
    # and a render served from the cache never load the tables (~55 MB). The
    # G2P runs on the thread that calls the engine, never on a side thread.
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(words, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)


class MandarinG2P:
    def __init__(self) -> None:
        from broadcaster.words import cut

        self._cut = cut
        self._pinyin = _pinyin

    def __call__(self, text: str, pinyin: tuple[tuple[int, int, str], ...] = ()) -> str:
        """Phonemes for `text`; `pinyin` spans override the guessed reading."""
        out: list[str] = []
        cursor = 0
        for start, end, syllables in sorted(pinyin):
            out.append(self._plain(text[cursor:start]))
            out.append("".join(pinyin_to_ipa(s) for s in syllables.split()))
            cursor = end
        out.append(self._plain(text[cursor:]))
        return re.sub(r"\s+", " ", " ".join(p for p in out if p)).strip()

    def _plain(self, text: str) -> str:
        pieces: list[str] = []
        pos = 0
        for match in re.finditer(f"{_HAN.pattern}|{_LATIN.pattern}", text):
            pieces.append(self._punct(text[pos:match.start()]))
            chunk = match.group()
            if _LATIN.fullmatch(chunk):
                pieces.append(spell_latin(chunk))
            else:
                # Words are cut first so that pypinyin's phrase table and tone
                # sandhi see whole words; word boundaries become spaces.
                words = self._cut(chunk)
                syllables = self._pinyin(words)
                pieces.append(self._join_words(words, syllables))
            pos = match.end()
        pieces.append(self._punct(text[pos:]))
        return "".join(pieces)

    @staticmethod
    def _join_words(words: list[str], syllables: list[str]) -> str:
        ipa, i = [], 0
        for word in words:
            n = len(word)
            ipa.append("".join(pinyin_to_ipa(s) for s in syllables[i:i + n]))
            i += n
        return " ".join(ipa)

    @staticmethod
    def _punct(text: str) -> str:
        return "".join(_PUNCT.get(c, " ") for c in text)
