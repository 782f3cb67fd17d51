"""Chinese word boundaries: one jieba dictionary for the whole program, and
the words of each lexicon kept to the renders that use that lexicon.

The lexicon, the offline engine's G2P and the file names all need word
boundaries. jieba's dictionary costs ~60-80 MB of memory, so there is one
private tokenizer (jieba's global one is left alone), and `release()` drops
it while it is not needed (during inference); the next `cut` reloads it from
jieba's on-disk cache in about half a second.

The G2P and the file names cut with the dictionary alone, so what they make
depends on the text and nothing else (the cache key holds the text, not the
words some other script taught). Lexicon matching cuts with the dictionary
plus that lexicon's own words (`tokenizer_with`): an overlay on the shared
dictionary, made once per set of words, that never changes the dictionary,
so two renders with different lexicons, one after the other or at once, cut
each text exactly as they would alone.

    >>> from broadcaster.words import cut
    >>> cut("冬季农田水利建设")
    ['冬季', '农田水利', '建设']
"""
from __future__ import annotations

import copy
import logging
import threading
from collections import ChainMap

_lock = threading.Lock()
_tokenizer = None
_overlays: dict[frozenset[str], object] = {}  # set of lexicon words → tokenizer that knows them
_MAX_OVERLAYS = 8


def _get():
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading otherwise
            tok = jieba.Tokenizer()
            tok.initialize()
            _tokenizer = tok
        return _tokenizer


def cut(text: str) -> list[str]:
    """`text` cut into words with the dictionary alone."""
    return _get().lcut(text)


def in_dictionary(word: str) -> bool:
    """Whether jieba's dictionary has `word` (a word its HMM invented, such as
    a person's name, is not in it).

    >>> in_dictionary("小区"), in_dictionary("单小红")
    (True, False)
    """
    return _get().FREQ.get(word, 0) > 0


def frequency(word: str) -> int:
    """How often jieba's dictionary counts `word` (0 when it does not have it)."""
    return _get().FREQ.get(word, 0)


def tokenizer_with(words: frozenset[str]):
    """A jieba Tokenizer that also knows `words` (a lexicon's), sharing the
    dictionary: the words live in a small mapping in front of it (a
    ChainMap), so the dictionary itself is never changed.

    >>> "溱潼" in tokenizer_with(frozenset({"溱潼"})).lcut("溱潼镇")
    True
    >>> "溱潼" in cut("溱潼镇")   # the dictionary alone does not know it
    False
    """
    base = _get()
    with _lock:
        tok = _overlays.get(words)
        if tok is not None and tok.FREQ.maps[1] is base.FREQ:
            return tok
        tok = copy.copy(base)  # shares the dictionary and jieba's lock; FREQ and total are its own below
        tok.FREQ = ChainMap({}, base.FREQ)
        tok.total = base.total
        for word in sorted(words):  # a fixed order: each word's frequency is suggested from those before it
            tok.add_word(word)
        if len(_overlays) >= _MAX_OVERLAYS:
            _overlays.pop(next(iter(_overlays)))
        _overlays[words] = tok
        return tok


def release() -> None:
    """Drop the dictionary (and the overlays on it); the next `cut` loads it again.

    Safe while other threads cut: they hold their own reference to the
    tokenizer they use, and reloading imports nothing new."""
    global _tokenizer
    with _lock:
        _tokenizer = None
        _overlays.clear()
