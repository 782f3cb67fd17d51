"""What the offline engine will say, shown to people and programs: the
syllable line of `broadcaster text --pinyin` and the reading notes of
`--explain`, both made from `MandarinG2P.pieces` (the engine's own reading).

    >>> from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P
    >>> pinyin_line(MandarinG2P().pieces("银行行长说：慢一点儿。"))
    'yin2 hang2 hang2 zhang3 shuo1 man4 yi4 dian3 r5'
"""
from __future__ import annotations

import re

from broadcaster.synthesise.engines.mandarin_g2p import Piece
from broadcaster.synthesise.engines.mandarin_readings import is_polyphone

_ERHUA = re.compile(r"([a-zü]+?)r([1-5])")


def _shown(syllable: str) -> list[str]:
    """A spoken syllable as the line shows it: a merged 儿 ("") is "r5", and
    the syllable it merged into loses its r ("dianr3" → "dian3")."""
    if syllable == "":
        return ["r5"]
    erhua = _ERHUA.fullmatch(syllable)
    if erhua and erhua.group(1) != "e":
        return [erhua.group(1) + erhua.group(2)]
    return [syllable]


def syllables(pieces: list[Piece]) -> list[str]:
    """One tone-numbered syllable per Han character, as spoken (after sandhi)."""
    out: list[str] = []
    for piece in pieces:
        if piece.kind == "han":
            for s in piece.spoken:
                out += _shown(s)
        elif piece.kind == "dictionary":
            out += piece.spoken  # said as the dictionary gives it
    return out


def pinyin_line(pieces: list[Piece]) -> str:
    return " ".join(syllables(pieces))


def reading_notes(pieces: list[Piece]) -> list[str]:
    """`--explain` lines: each dictionary word with its pinyin, and each
    polyphonic character with the reading chosen (before tone sandhi) and
    what chose it.

        reading:  行 hang2  phrase 银行
        reading:  单 shan4  surname 单 before a title
        reading:  溱潼 qin2 tong2  dictionary
    """
    lines: list[str] = []
    for piece in pieces:
        if piece.kind == "dictionary":
            lines.append(f"  reading:  {piece.text} {' '.join(piece.spoken)}  dictionary")
        elif piece.kind == "han":
            for r in piece.readings:
                if is_polyphone(r.char):
                    lines.append(f"  reading:  {r.char} {r.syllable}  {r.source}{' ' + r.word if r.word else ''}")
    return lines
