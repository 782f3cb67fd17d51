"""Pronunciation lexicon: written word → what is said (and optional pinyin).

Sources, later ones overriding earlier: the built-in polyphones
(`builtin_lexicon.POLYPHONES`), the file named by `BROADCASTER_LEXICON`, the
YAML lexicon files given, the script's inline `lexicon:` map.

Matching (documented choice): longest entry first, scanning left to right,
and only on word boundaries. Boundaries come from jieba (dictionary only, no
HMM guessing) with the lexicon's own words added, so 溱潼 is a word in
溱潼镇. A match is accepted when both its ends are token boundaries, or when
it sits at one end of a longer token whose rest is itself a dictionary word
of two or more characters (长期 in 长期贷款). It is refused when it sits in the
middle of a word or at the end of one whose rest is a single character
(长期 in 成长期: 成 + 长期 is not how that word is built). Entries written in
Latin letters or digits match only when not touching other letters or digits
(APP, not inside WHATSAPP).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from broadcaster import settings
from broadcaster.errors import ScriptError
from broadcaster.prepare.builtin_lexicon import POLYPHONES
from broadcaster.model.text import Lexicon, LexiconEntry

ENV_VAR = "BROADCASTER_LEXICON"
_SYLLABLE = re.compile(r"^[a-zü:v]+[1-5]$", re.I)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _entry(word: str, value: Any, where: str) -> LexiconEntry:
    if isinstance(value, bool) or value is None:
        raise ScriptError(f"'{word}' needs what to say (a string) or {{say: ..., pinyin: ...}}", where=where)
    if isinstance(value, (str, int, float)):
        say = str(value).strip()
        if not say:
            raise ScriptError(f"'{word}' maps to an empty string", where=where)
        return LexiconEntry(say=say)
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - {"say", "pinyin"})
        if unknown:
            raise ScriptError(f"unknown key {unknown[0]!r} (allowed: say, pinyin)", where=where)
        if "say" not in value and "pinyin" not in value:
            raise ScriptError("an entry needs 'say', 'pinyin' or both", where=where)
        say = value.get("say", word)
        if not isinstance(say, (str, int, float)) or isinstance(say, bool) or not str(say).strip():
            raise ScriptError("'say' must be a non-empty string", where=where)
        say = str(say).strip()
        pinyin = value.get("pinyin")
        if pinyin is not None:
            pinyin = check_pinyin(say, pinyin, where)
        return LexiconEntry(say=say, pinyin=pinyin)
    raise ScriptError(f"'{word}' has a {type(value).__name__}; expected a string or a mapping", where=where)


def check_pinyin(say: str, pinyin: Any, where: str) -> str:
    """Validate tone-numbered pinyin: one syllable per Chinese character.

    >>> check_pinyin("溱潼", "qin2  tong2", "x")
    'qin2 tong2'
    """
    if not isinstance(pinyin, str) or not pinyin.strip():
        raise ScriptError("'pinyin' must be a string like 'qin2 tong2'", where=where)
    sylls = pinyin.split()
    bad = [s for s in sylls if not _SYLLABLE.match(s)]
    if bad:
        raise ScriptError(f"pinyin syllable {bad[0]!r} needs a tone number 1-5 (e.g. qin2 tong2)", where=where)
    hanzi = len(_CJK.findall(say))
    if hanzi == len(say) and hanzi != len(sylls):
        raise ScriptError(f"pinyin has {len(sylls)} syllables for {hanzi} characters in '{say}'", where=where)
    return " ".join(s.lower() for s in sylls)


def _add(entries: dict[str, LexiconEntry], data: Mapping[Any, Any], prefix: str) -> None:
    for key, value in data.items():
        word = "" if key is None or isinstance(key, bool) else str(key).strip()
        where = f"{prefix}lexicon.{word or key}"
        if not word:
            raise ScriptError("empty word", where=where)
        entries[word] = _entry(word, value, where)


def load_lexicon_file(path: Path) -> dict[str, Any]:
    """A YAML lexicon file: a mapping of entries, or one under `lexicon:`."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScriptError("lexicon file not found", where=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"cannot read lexicon file: {exc}", where=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ScriptError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", where=where) from None
    if data is None:
        return {}
    if isinstance(data, Mapping) and set(data) == {"lexicon"}:
        data = data["lexicon"] or {}
    if not isinstance(data, Mapping):
        raise ScriptError("a lexicon file must be a mapping of word: what to say", where=str(path))
    return dict(data)


def build_lexicon(
    inline: Mapping[str, object] | None = None,
    files: list[Path] | None = None,
    *,
    builtin: bool = True,
    inline_where: str | None = None,
) -> Lexicon:
    """Merge the lexicon sources (built-in < $BROADCASTER_LEXICON < files < inline).

    >>> build_lexicon({"溱潼": {"pinyin": "qin2 tong2"}}, builtin=False).entries["溱潼"]
    LexiconEntry(say='溱潼', pinyin='qin2 tong2')
    """
    entries: dict[str, LexiconEntry] = {}
    if builtin:
        entries.update({w: LexiconEntry(say=w, pinyin=p) for w, p in POLYPHONES.items()})
    env = settings.read(ENV_VAR) or ""
    sources: list[Path] = []
    if env:
        if not Path(env).is_file():
            raise ScriptError(f"lexicon file not found: {env}", where=ENV_VAR)
        sources.append(Path(env))
    sources.extend(Path(f) for f in files or [])
    for path in sources:
        _add(entries, load_lexicon_file(path), f"{path}: ")
    if inline:
        if not isinstance(inline, Mapping):
            raise ScriptError("lexicon must be a mapping of word: what to say", where=inline_where or "lexicon")
        _add(entries, inline, f"{inline_where}: " if inline_where else "")
    return Lexicon(entries)


# --------------------------------------------------------------------------- matching

def _jieba(lexicon: Lexicon):
    """A word tokenizer that knows this lexicon's words (and no other lexicon's)."""
    from broadcaster import words as word_boundaries

    return word_boundaries.tokenizer_with(frozenset(w for w in lexicon.entries if _CJK.search(w)))


def _ascii_ok(text: str, i: int, j: int) -> bool:
    def alnum(ch: str) -> bool:
        return ch.isascii() and ch.isalnum()

    return not (i > 0 and alnum(text[i - 1]) and alnum(text[i])) and not (
        j < len(text) and alnum(text[j]) and alnum(text[j - 1])
    )


def _accept(text: str, i: int, j: int, tokens: list[tuple[int, int]], tok) -> bool:
    starts = {a for a, _ in tokens}
    ends = {b for _, b in tokens}
    if i in starts and j in ends:
        return True
    for a, b in tokens:
        if a <= i and j <= b and (a, b) != (i, j):
            rest = text[j:b] if a == i else text[a:i] if b == j else ""
            return len(rest) >= 2 and tok.FREQ.get(rest, 0) > 0
    return False


def find_matches(text: str, lexicon: Lexicon) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, word) lexicon matches, longest first.

    >>> lex = Lexicon({"长期": LexiconEntry("长期", "chang2 qi1")})
    >>> find_matches("银行长期贷款", lex), find_matches("成长期", lex)
    ([(2, 4, '长期')], [])
    """
    entries = lexicon.entries
    if not entries or not text:
        return []
    present = [w for w in entries if w in text]
    if not present:
        return []
    by_first: dict[str, list[str]] = {}
    for w in sorted(present, key=len, reverse=True):
        by_first.setdefault(w[0], []).append(w)
    tokens = None
    tok = None
    out = []
    i = 0
    while i < len(text):
        for w in by_first.get(text[i], ()):
            if not text.startswith(w, i):
                continue
            j = i + len(w)
            if _CJK.search(w):
                if tokens is None:
                    tok = _jieba(lexicon)
                    tokens = [(a, b) for _, a, b in tok.tokenize(text, HMM=False)]
                ok = _accept(text, i, j, tokens, tok)
            else:
                ok = _ascii_ok(text, i, j)
            if ok:
                out.append((i, j, w))
                i = j
                break
        else:
            i += 1
    return out
