"""Chinese word boundaries: one jieba tokenizer for the whole program.

The lexicon, the offline engine's G2P and the file names all need word
boundaries. jieba's dictionary costs ~60-80 MB of memory, so there is one
private tokenizer (jieba's global one is left alone), and `release()` drops it
while it is not needed (during inference); the next `cut` reloads it from
jieba's on-disk cache in about half a second, with the words taught so far.

    >>> from broadcaster.words import cut
    >>> cut("冬季农田水利建设")
    ['冬季', '农田水利', '建设']
"""
from __future__ import annotations

import logging
import threading

_lock = threading.Lock()
_tokenizer = None
_taught: list[str] = []  # words added with `teach`, re-added after a release


def _get():
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading otherwise
            tok = jieba.Tokenizer()
            tok.initialize()
            for word in _taught:
                tok.add_word(word)
            _tokenizer = tok
        return _tokenizer


def tokenizer():
    """The jieba Tokenizer itself, for callers that need more than `cut`."""
    return _get()


def cut(text: str) -> list[str]:
    return _get().lcut(text)


def taught_words() -> list[str]:
    """The words added with `teach` so far."""
    with _lock:
        return list(_taught)


def teach(words: list[str]) -> None:
    """Make `words` single words from now on (lexicon entries)."""
    new = [w for w in words if w not in _taught]
    if not new:
        return
    tok = _get()
    with _lock:
        for word in new:
            tok.add_word(word)
            _taught.append(word)


def release() -> None:
    """Drop the dictionary; the next `cut` loads it again."""
    global _tokenizer
    with _lock:
        _tokenizer = None
