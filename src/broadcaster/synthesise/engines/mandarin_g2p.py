"""Mandarin text → the IPA-with-tone-arrows phonemes the Kokoro vocabulary uses.

misaki's `ZHG2P` (legacy mode) looks each jieba word up in pypinyin *without*
tone sandhi, so 一个 comes out yī gè and 你好 nǐ hǎo. We keep misaki's
pinyin→IPA mapping (which matches the model's vocabulary), take dictionary
readings from `mandarin_readings` (place names, surnames, phrases, context
rules, pypinyin's tables) and apply the spoken changes over a whole phrase,
across word boundaries (`mandarin_tones.spoken_tones`): neutral tones, 一 and
不, third tones, 儿化. Lexicon pinyin spans are honoured as given, and Latin
abbreviations are spelled letter by letter. `pieces` is the reading itself,
which `broadcaster text --pinyin` and `--explain` show.

    >>> MandarinG2P()("一个")
    'i↗kɤ↘'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from broadcaster.synthesise.engines.mandarin_readings import Reading, read_phrase
from broadcaster.synthesise.engines.mandarin_tones import NEUTRAL_LAST, NOT_ERHUA, spoken_tones  # noqa: F401 (re-exported)

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
    """"qin2" -> "ʨʰi↗n" (misaki's table, Kokoro's tone arrows); an 儿化
    syllable, "dianr3", keeps its onset and vowel, loses its coda and takes
    an r-coloured ending: "tjɛɚ↓"."""
    from misaki.zh import ZHG2P

    erhua = _ERHUA.fullmatch(syllable)
    if erhua:
        stem, tone = erhua.groups()
        plain = pinyin_to_ipa(stem + tone)
        body, arrow, coda = re.fullmatch(r"(.*?)([↗↘↓→]?)([nŋ]?)", plain).groups()
        if body.endswith(("i", "u")) and len(body) > 1 and body[-2] in "aeɛəɤo":
            body = body[:-1]  # the glide of ai, ei, ao, ou goes too
        return body + "ɚ" + arrow
    # misaki marks non-syllabic vowels with U+032F, which the vocabulary lacks
    return ZHG2P.py2ipa(syllable).replace("\u032f", "")


_ERHUA = re.compile(r"((?!e)[a-zü]+|e[a-z]+)r([1-5])")


def spell_latin(word: str) -> str:
    return " ".join(_LETTERS[c] for c in word.lower() if c in _LETTERS)


def _pinyin(words: list[str]) -> list[str]:
    """Spoken pinyin of one phrase (words of Chinese characters only)."""
    return spoken_tones(words, [r.syllable for r in read_phrase(words)])


@dataclass(frozen=True)
class Piece:
    """A stretch of one segment's text as the G2P reads it.

    `kind` is "han" (a run of Han characters, read by `read_phrase` and
    `spoken_tones`), "dictionary" (a lexicon span, said as its pinyin),
    "latin" (spelled) or "other" (punctuation, digits, spaces). `spoken` has
    one syllable per character of a "han" piece ("" for an 儿 merged into
    the syllable before), or the dictionary's syllables."""

    kind: str
    text: str
    words: tuple[str, ...] = ()
    readings: tuple[Reading, ...] = ()
    spoken: tuple[str, ...] = ()


class MandarinG2P:
    def __init__(self) -> None:
        from broadcaster.words import cut

        self._cut = cut

    def __call__(self, text: str, pinyin: tuple[tuple[int, int, str], ...] = ()) -> str:
        """Phonemes for `text`; `pinyin` spans override the guessed reading."""
        out: list[str] = []
        plain: list[str] = []
        for piece in self.pieces(text, pinyin):
            if piece.kind == "dictionary":
                out.append("".join(plain))
                plain = []
                out.append("".join(pinyin_to_ipa(s) for s in piece.spoken))
            elif piece.kind == "han":
                plain.append(self._join_words(piece.words, piece.spoken))
            elif piece.kind == "latin":
                plain.append(spell_latin(piece.text))
            else:
                plain.append(self._punct(piece.text))
        out.append("".join(plain))
        return re.sub(r"\s+", " ", " ".join(p for p in out if p)).strip()

    def pieces(self, text: str, pinyin: tuple[tuple[int, int, str], ...] = ()) -> list[Piece]:
        """`text` as the engine reads it, in order (what `broadcaster text
        --pinyin` and `--explain` show comes from here)."""
        out: list[Piece] = []
        cursor = 0
        for start, end, syllables in sorted(pinyin):
            out += self._plain(text[cursor:start])
            said = tuple(syllables.split())
            han = [c for c in text[start:end] if _HAN.fullmatch(c)]
            readings = tuple(Reading(c, s, "dictionary", text[start:end]) for c, s in zip(han, said)) if len(han) == len(said) else ()
            out.append(Piece("dictionary", text[start:end], readings=readings, spoken=said))
            cursor = end
        out += self._plain(text[cursor:])
        return out

    def _plain(self, text: str) -> list[Piece]:
        pieces: list[Piece] = []
        pos = 0
        for match in re.finditer(f"{_HAN.pattern}|{_LATIN.pattern}", text):
            if match.start() > pos:
                pieces.append(Piece("other", text[pos:match.start()]))
            chunk = match.group()
            if _LATIN.fullmatch(chunk):
                pieces.append(Piece("latin", chunk))
            else:
                # Words are cut first so that the phrase table and tone
                # sandhi see whole words; word boundaries become spaces.
                words = self._cut(chunk)
                readings = read_phrase(words)
                spoken = spoken_tones(words, [r.syllable for r in readings])
                pieces.append(Piece("han", chunk, tuple(words), tuple(readings), tuple(spoken)))
            pos = match.end()
        if pos < len(text):
            pieces.append(Piece("other", text[pos:]))
        return pieces

    @staticmethod
    def _join_words(words: tuple[str, ...], syllables: tuple[str, ...]) -> str:
        ipa, i = [], 0
        for word in words:
            n = len(word)
            ipa.append("".join(pinyin_to_ipa(s) for s in syllables[i:i + n] if s))
            i += n
        return " ".join(ipa)

    @staticmethod
    def _punct(text: str) -> str:
        return "".join(_PUNCT.get(c, " ") for c in text)
