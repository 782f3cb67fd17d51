"""Values the text front end hands to the rest of the program."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Break(str, Enum):
    """What follows a segment; the render maps each to a pause length."""

    CLAUSE = "clause"  # an over-long sentence was split inside, at ，、：;
    SENTENCE = "sentence"
    PARAGRAPH = "paragraph"
    HEADLINE = "headline"  # the segment is (the end of) the article's headline


@dataclass(frozen=True)
class Segment:
    """One speakable unit.

    `written` is what captions show (the source text, cleaned); `spoken` is what
    the engine reads (numbers normalised, lexicon applied). `pinyin` holds
    ``(start, end, "qin2 tong2")`` spans over `spoken` from lexicon entries that
    give a pronunciation, for engines that accept one.
    """

    written: str
    spoken: str
    break_after: Break = Break.SENTENCE
    pinyin: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class LexiconEntry:
    """`say` replaces the written word in the spoken text; `pinyin` (tone
    numbers, space separated) is what the offline engine pronounces for it."""

    say: str
    pinyin: str | None = None


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, LexiconEntry] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """Segment length bounds in characters of spoken text that make a sound
    (punctuation and spaces are not counted). Defaults suit both engines: the
    offline model is efficient at roughly 20–60 characters, and utterances of
    fewer than 6 syllables come out with every tone rising."""

    max_chars: int = 60
    min_chars: int = 6
