"""File names that survive FAT-formatted USB sticks and cheap players: ASCII only.

Naming needs Chinese word boundaries, and loading the word dictionary takes
0.7 s, which a render served wholly from the cache would otherwise spend on
names alone; so `item_file_names` remembers each title's slug beside the
segment cache, keyed by everything that could change it.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from broadcaster.durable import Damaged, read_checked, remove_quietly, write_checked
from broadcaster.model import ItemPlan

_SLUG_VERSION = 2  # bump when slug() changes (2: only the programme's own lexicon words count)


def slug(title: str, max_chars: int = 32, words: frozenset[str] = frozenset()) -> str:
    """"溱潼镇党员冬训" -> "qintongzhen-dangyuan-dongxun" (pinyin of jieba words;
    `words`, the programme's lexicon words, are kept whole).

    >>> slug("Notice 2026: 水利")
    'notice-2026-shuili'
    """
    from pypinyin import lazy_pinyin

    from broadcaster.words import cut, tokenizer_with

    cut_words = tokenizer_with(words).lcut(title) if words else cut(title)
    text = "-".join("".join(lazy_pinyin(w)) for w in cut_words).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > max_chars:
        text = text[:max_chars].rsplit("-", 1)[0] or text[:max_chars]
    return text or "item"


@lru_cache(maxsize=1)
def _library_versions() -> str:
    from importlib.metadata import version

    return f"jieba {version('jieba')}, pypinyin {version('pypinyin')}"


def _memo_key(title: str, words: frozenset[str]) -> str:
    # Lexicon words in the title change where it is cut, so they are part of the key.
    payload = "\n".join([str(_SLUG_VERSION), _library_versions(), "|".join(sorted(words)), title])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def remembered_slug(title: str, memo_dir: Path, words: frozenset[str] = frozenset()) -> str:
    """slug(title, words=...), read from `memo_dir` when it was worked out before.

    A memo entry that is damaged (see durable.py) is removed and worked out again."""
    words = frozenset(w for w in words if w in title)
    path = memo_dir / f"{_memo_key(title, words)}.slug"
    try:
        known = read_checked(path)
        if known is not None and re.fullmatch(rb"[a-z0-9-]+", known):
            return known.decode("ascii")
    except Damaged:
        remove_quietly(path)
    except OSError:
        pass
    made = slug(title, words=words)
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        write_checked(path, made.encode("ascii"))
    return made


def item_file_names(plans: list[ItemPlan], memo_dir: Path, words: frozenset[str], naming: str = "pinyin") -> dict[int, str]:
    """Item index → "items/NN-name.mp3" for every spoken item, numbered in order
    ("items/NN.mp3" when the profile's `naming` is "number")."""
    spoken = [p for p in plans if p.cues]
    if naming == "number":
        return {p.item.index: f"items/{n:02d}.mp3" for n, p in enumerate(spoken, 1)}
    return {p.item.index: f"items/{n:02d}-{remembered_slug(p.title, memo_dir, words)}.mp3" for n, p in enumerate(spoken, 1)}
