"""The review's ruby pinyin: what the offline voice will say over each polyphone and dictionary word,
and a reading staff choose written into the station dictionary.

Two halves. `line_marks` runs in the reading child (`extract.py`, which has
already loaded jieba for `prepare`), once per review: it reads each spoken
segment with the engine's own `MandarinG2P.pieces`, so the ruby is what will
be said (after tone sandhi, as `text --pinyin` prints it). A line is a list of
plain strings and marks (dicts, JSON for the page):

    {"t": "行", "py": "háng", "kind": "poly", "key": "行长", "say": "行长", "at": 0,
     "now": "hang2 zhang3", "src": "词语“行长”"}

`key`/`say`/`at`/`now` are what a choice needs: the dictionary word to write
(the word the reader cut, as `read_phrase` sees it, or the dictionary entry
the span came from), where the character is in it, and the syllables said
now. The server half (`choices`, `entry_for`) checks a choice and makes the
entry `{"say": …, "pinyin": …}` that `/lexicon` writes too; it loads
pypinyin's tables (~52 MB) on the first click, not before.

    >>> entry_for("行长", "行长", 0, "hang2 zhang3", "xing2")
    {'say': '行长', 'pinyin': 'xing2 zhang3'}
"""
from __future__ import annotations

import re

HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
SYLLABLE = re.compile(r"^[a-zü]+[1-5]$")  # as /lexicon accepts them
_ERHUA = re.compile(r"([a-zü]+)r([1-5])")
MAX_WORD_CHARS = 30
# Ruby for the first 20,000 spoken characters, a long notice: at the densest (scripts/bench_web_review.py
# --chars 20000) a 1.8 MB page and a review of ~4 s. The whole 200,000-character cap would be ten times that.
MAX_RUBY_CHARS = 20_000

SOURCE_ZH = {"place": "地名", "surname": "姓氏", "phrase": "词语", "context": "按上下文", "default": "最常用的读音"}


class ChoiceError(ValueError):
    """A choice that cannot be written, said in Chinese for staff."""


def marked(syllable: str) -> str:
    """Tone number → tone mark, for people: "hang2" → "háng", "dianr3" → "diǎnr", "de5" → "de"."""
    from pypinyin.contrib.tone_convert import to_tone

    return to_tone(syllable) if syllable else ""


# ----------------------------------------------------------------------------- in the reading child

def _source_zh(reading) -> str:
    what = SOURCE_ZH.get(reading.source, reading.source)
    if reading.source in ("place", "phrase") and reading.word:
        return f"{what}“{reading.word}”"
    return what  # a context rule's note is English, for --explain; staff see what kind of rule chose it


def _is_erhua(syllable: str) -> bool:
    """"dianr3" is an 儿化 syllable; "er2" is 儿 itself."""
    found = _ERHUA.fullmatch(syllable)
    return bool(found) and found.group(1) != "e"


def _word_spans(words: list[str]) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for word in words:
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def _han_marks(piece, is_polyphone) -> list:
    from broadcaster.synthesise.engines.mandarin_readings import _known_words

    words = _known_words(list(piece.words))  # the words the reading itself is made of (HMM guesses split)
    # What is said now, one syllable per character: a merged 儿 ("") or an 儿化 syllable
    # cannot be written back as it is, so those keep their dictionary syllable.
    said = [r.syllable if not s or _is_erhua(s) else s for s, r in zip(piece.spoken, piece.readings)]
    out: list = []
    for start, end in _word_spans(words):
        for k in range(start, end):
            char = piece.text[k]
            if not is_polyphone(char):
                out.append(char)
                continue
            out.append({"t": char, "py": marked(piece.spoken[k]), "kind": "poly", "key": piece.text[start:end],
                        "say": piece.text[start:end], "at": k - start, "now": " ".join(said[start:end]),
                        "src": _source_zh(piece.readings[k])})
    return out


def _online_note(say: str, pinyin: str) -> str:
    """What an online voice (edge, text only) is sent for a dictionary word, in Chinese."""
    from broadcaster.synthesise.engines.homophones import respell

    sent = respell(say, ((0, len(say), pinyin),)).text
    return f"在线语音读作“{sent}”" if sent != say else "在线语音不能按这个拼音读，会按一般读法"


def _dictionary_marks(piece, station: dict[str, str], is_polyphone) -> list:
    say, syllables = piece.text, list(piece.spoken)
    key = station.get(say, say)
    where = "本站读音词典" if say in station else "内置词典"
    if not HAN.match(say) or len(syllables) != len(say):
        return [{"t": say, "py": " ".join(marked(s) for s in syllables), "kind": "dict", "src": where,
                 "online": f"{say}：{_online_note(say, ' '.join(syllables))}"}]
    online = {"online": f"{say}：{_online_note(say, ' '.join(syllables))}"}  # said once, on the word's first character
    return [{"t": char, "py": marked(s), "kind": "dict", "src": where, **(online if k == 0 else {}),
             **({"key": key, "say": say, "at": k, "now": " ".join(syllables)} if is_polyphone(char) else {})}
            for k, (char, s) in enumerate(zip(say, syllables))]


def _merge(marks: list) -> list:
    """Runs of plain text joined into one string (a 5,000-character review is a few hundred items, not 5,000)."""
    out: list = []
    for m in marks:
        if isinstance(m, str) and out and isinstance(out[-1], str):
            out[-1] += m
        else:
            out.append(m)
    return out


def line_marks(segments, station: dict[str, str], max_chars: int = MAX_RUBY_CHARS) -> list[list]:
    """Each segment's spoken text as plain strings and marks. `station` maps what the station
    dictionary says (its `say`) to its word, so a dictionary word is changed under its own name.
    Lines after the first `max_chars` characters are left plain (see MAX_RUBY_CHARS)."""
    from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P
    from broadcaster.synthesise.engines.mandarin_readings import is_polyphone

    g2p = MandarinG2P()
    lines, seen = [], 0
    for seg in segments:
        seen += len(seg.spoken)
        if seen > max_chars:
            lines.append([seg.spoken])
            continue
        marks: list = []
        for piece in g2p.pieces(seg.spoken, seg.pinyin):
            if piece.kind == "han":
                marks += _han_marks(piece, is_polyphone)
            elif piece.kind == "dictionary":
                marks += _dictionary_marks(piece, station, is_polyphone)
            else:
                marks.append(piece.text)
        lines.append(_merge(marks))
    return lines


def station_says(entries: dict) -> dict[str, str]:
    """say → word for the station dictionary's entries with pinyin (those that become ruby)."""
    return {str(v.get("say", k)): str(k) for k, v in entries.items() if isinstance(v, dict) and v.get("pinyin")}


# ----------------------------------------------------------------------------- in the server

def choices(char: str) -> list[dict]:
    """The dictionary readings of one character, tone-numbered and marked (`other_readings`, the engine's table)."""
    if len(char) != 1 or not HAN.match(char):
        raise ChoiceError("请给一个汉字")
    from broadcaster.synthesise.engines.mandarin_readings import other_readings

    found = other_readings(char)
    if not found:
        raise ChoiceError(f"字典里没有“{char}”的读音")
    return [{"pinyin": p, "marked": marked(p)} for p in found]


def check_pick(key: str, say: str, at: int, now: str) -> tuple[str, str, int, str]:
    """A pressed character as the review sent it (word, spoken form, position, syllables now), checked."""
    if not key or len(key) > MAX_WORD_CHARS or "\n" in key or not HAN.match(say) or len(say) > MAX_WORD_CHARS:
        raise ChoiceError(f"词语要是 1 到 {MAX_WORD_CHARS} 个汉字")
    syllables = now.split()
    if len(syllables) != len(say) or not all(SYLLABLE.match(s) for s in syllables):
        raise ChoiceError("现在的读音和词语对不上，请回到“检查文字”重新生成后再选")
    if not 0 <= at < len(say):
        raise ChoiceError("要改的字不在这个词语里")
    return key, say, at, " ".join(syllables)


def entry_for(key: str, say: str, at: int, now: str, chosen: str) -> dict:
    """The station dictionary entry for `key` that says `say` with its character `at` read `chosen`
    and the others as they are said now. Raises ChoiceError (Chinese) when any part is unusable."""
    key, say, at, now = check_pick(key, say, at, now)
    if chosen not in [c["pinyin"] for c in choices(say[at])]:
        raise ChoiceError(f"“{chosen}”不是“{say[at]}”的读音，请从列出的读音里选")
    syllables = now.split()
    syllables[at] = chosen
    return {"say": say, "pinyin": " ".join(syllables)}


def parse_pick(value: str) -> tuple[str, str, int, str]:
    parts = (value or "").split("|")
    if len(parts) != 4 or not parts[2].isdigit():
        raise ChoiceError("没有选中要改读音的字，请回到“检查文字”点一个标了拼音的字")
    return parts[0], parts[1], int(parts[2]), parts[3]
