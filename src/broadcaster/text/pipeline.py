"""PLACEHOLDER front end (replaced by the text front-end work): the composition
of decode → clean → normalise → lexicon → segment."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from broadcaster.errors import TextError
from broadcaster.text.model import Break, Lexicon, LexiconEntry, Limits, Segment


def read_text_input(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TextError(f"cannot read text: {exc}", where=str(path)) from None


def read_article(path: Path, *, to_simplified: bool = False) -> str:
    return read_text_input(path)


def build_lexicon(inline: Mapping[str, object] | None = None, files: list[Path] | None = None) -> Lexicon:
    entries = {}
    for word, value in (inline or {}).items():
        entries[str(word)] = LexiconEntry(say=str(value))
    return Lexicon(entries)


def prepare(text: str, *, lexicon: Lexicon | None = None, limits: Limits = Limits(), headline: bool = False) -> list[Segment]:
    out = []
    paragraphs = [p.strip() for p in text.splitlines() if p.strip()]
    for p_index, para in enumerate(paragraphs):
        parts = [s for s in re.split(r"(?<=[。！？；])", para) if s.strip()]
        for i, s in enumerate(parts):
            spoken = s
            for w, e in (lexicon.entries.items() if lexicon else []):
                spoken = spoken.replace(w, e.say)
            last = i == len(parts) - 1
            brk = Break.SENTENCE
            if last:
                brk = Break.HEADLINE if (headline and p_index == 0) else Break.PARAGRAPH
            out.append(Segment(s, spoken, brk))
    return out


def explain(text: str, *, lexicon: Lexicon | None = None, limits: Limits = Limits(), headline: bool = False) -> list[str]:
    return [f"{s.written}\t{s.spoken}" for s in prepare(text, lexicon=lexicon, limits=limits, headline=headline)]
