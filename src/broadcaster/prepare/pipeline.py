"""The text front end as one composition:

    read_article:  route by content → reader (pdf | docx | LibreOffice | html |
                   markdown | text) → lines → clean lines → [to simplified]
    prepare:       sanitise → paragraphs → segment (on written text) →
                   per segment: lexicon matches + normalisation → Segment

`prepare` on empty or unspeakable text returns [] (the caller decides whether
that is an error); it never raises for text content.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable

from broadcaster.errors import TextError
from broadcaster.prepare.clean import clean_lines, markdown_to_lines
from broadcaster.prepare.decode import read_text_input
from broadcaster.prepare.html import html_document
from broadcaster.prepare.lexicon import build_lexicon, find_matches
from broadcaster.model.text import Break, Lexicon, Limits, Segment
from broadcaster.prepare.normalize import Change, normalize
from broadcaster.prepare.readers import Article, Document, read_document
from broadcaster.prepare.segment import segment

__all__ = ["build_lexicon", "clean_article", "explain", "open_article", "prepare", "read_article", "read_text_input", "sanitize", "speak"]


def _to_simplified(text: str) -> str:
    from opencc import OpenCC

    return OpenCC("t2s").convert(text)


def read_article(path: Path, *, to_simplified: bool = False) -> str:
    """Read and clean an article file: headline first, one paragraph a line.

    The reader is chosen by content (`text.readers`): PDF, .docx, .doc/.wps
    (LibreOffice), HTML, Markdown, plain text. Raises TextError naming the
    file when it cannot be read or nothing is left.
    """
    return open_article(path, to_simplified=to_simplified).text


def open_article(path: Path, *, to_simplified: bool = False) -> Article:
    """`read_article`, also saying which reader read it (for --explain and the manifest)."""
    path = Path(path)
    return finish_document(read_document(path), where=str(path), to_simplified=to_simplified)


def finish_document(doc: Document, *, where: str, to_simplified: bool = False) -> Article:
    """A reader's lines → the cleaned article."""
    return Article(clean_lines_to_text(list(doc.lines), where=where, to_simplified=to_simplified), doc.reader, doc.notes)


def clean_article(raw: str, suffix: str = ".txt", *, where: str = "", to_simplified: bool = False) -> str:
    """`read_article` for text already decoded (stdin, a pasted string)."""
    suffix = suffix.lower()
    if suffix in (".html", ".htm", ".xhtml") or (suffix not in (".md", ".markdown") and re.match(r"\s*<(?:!doctype\s+html|html)", raw, re.I)):
        page = html_document(raw, where=where)
        lines = ([page.headline] if page.headline else []) + page.lines
    elif suffix in (".md", ".markdown"):
        lines = markdown_to_lines(raw)
    else:
        lines = raw.split("\n")
    return clean_lines_to_text(lines, where=where, to_simplified=to_simplified)


def clean_lines_to_text(lines: list[str], *, where: str = "", to_simplified: bool = False) -> str:
    lines = [sanitize(line) for line in lines]
    if sum(1 for line in lines if line.strip()) > 1:
        lines = clean_lines(lines)
    # else: a single line is what the user wants read ("2022.01.27", "10:05"),
    # not a page with furniture around it, so the boilerplate rules stay out.
    text = "\n".join(line.strip() for line in lines if line.strip())
    if to_simplified:
        text = _to_simplified(text)
    if not text.strip():
        raise TextError("nothing left to read after cleaning (no headline or paragraphs found)", where=where or None)
    return text


def sanitize(text: str) -> str:
    """Control and format characters out (keeping line breaks and tabs),
    unusual spaces to plain spaces.

    >>> sanitize("a\\u200b\\x07b\\u00a0c\\r\\nd")
    'ab c\\nd'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00a0\u2000-\u200a\u202f\u205f]", " ", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )


def speak(
    written: str, lexicon: Lexicon | None, trace: list[Change] | None = None
) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """Spoken form of one segment and the pinyin spans over it.

    Lexicon words are replaced by what they say; the text between them is
    normalised piece by piece, so offsets of the replacements are known.
    With `trace`, every rewrite is recorded there (rule name, before, after).
    """
    matches = find_matches(written, lexicon) if lexicon else []
    if not matches:
        return normalize(written, trace=trace), ()
    spoken, spans, pos = "", [], 0
    for start, end, word in matches:
        spoken += normalize(written[pos:start], trace=trace)
        if trace is not None and lexicon.entries[word].say != word:  # pinyin-only entries show as pinyin:
            trace.append(Change("lexicon", word, lexicon.entries[word].say))
        entry = lexicon.entries[word]
        if entry.pinyin:
            spans.append((len(spoken), len(spoken) + len(entry.say), entry.pinyin))
        spoken += entry.say
        pos = end
    spoken += normalize(written[pos:], trace=trace)
    return spoken, tuple(spans)


_HEADLINE_GAP = re.compile(r"(?<=[\u4e00-\u9fff“”》」』])[ \t\u3000]+(?=[\u4e00-\u9fff“《「『])")


def headline_gaps(text: str) -> str:
    """A space between Chinese phrases in a headline separates them; an
    announcer pauses there, so it is spoken as a comma.

    >>> headline_gaps("湖东村启动冬季水利建设 确保明年春耕用水")
    '湖东村启动冬季水利建设，确保明年春耕用水'
    """
    return _HEADLINE_GAP.sub("，", text)


def sounding_length(spoken: str) -> int:
    """Characters that make a sound: punctuation and spaces do not count.

    >>> sounding_length("注意！ OK")
    4
    """
    return sum(1 for ch in spoken if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def prepare(
    text: str,
    *,
    lexicon: Lexicon | None = None,
    limits: Limits = Limits(),
    headline: bool = False,
) -> list[Segment]:
    """Clean text → speakable segments (see module docstring); [] if nothing to say."""
    if not text or not text.strip():
        return []
    paragraphs = [p.strip() for p in sanitize(text).split("\n")]
    paragraphs = [p for p in paragraphs if p]
    cache: dict[str, tuple[str, tuple]] = {}

    def spoken_of(w: str):
        hit = cache.get(w)
        if hit is None:
            hit = cache[w] = speak(w.strip(), lexicon)
        return hit

    @lru_cache(maxsize=None)
    def measure(w: str) -> int:
        return sounding_length(spoken_of(w)[0])

    pieces = segment(paragraphs, measure, limits, headline=headline)
    out = []
    in_headline = headline
    for p in pieces:
        written = p.text.strip()
        spoken, spans = speak(headline_gaps(written), lexicon) if in_headline else spoken_of(p.text)
        in_headline = in_headline and p.brk != Break.HEADLINE
        if not written or sounding_length(spoken) == 0:
            continue
        out.append(Segment(written=written, spoken=spoken, break_after=p.brk, pinyin=spans))
    return out


def explain(
    text: str,
    *,
    lexicon: Lexicon | None = None,
    limits: Limits = Limits(),
    headline: bool = False,
    notes: Callable[[Segment], list[str]] | None = None,
) -> list[str]:
    """Lines for `broadcaster text --explain`: per segment, its number and
    break, the original (as given), the cleaned written form and the spoken
    form, every rewrite with the name of the rule that made it (in the order
    the rules ran, so a later rule may read what an earlier one wrote), plus
    any pinyin spans and the lines `notes` gives for the segment (the CLI
    passes the engine's readings of polyphones); a blank line between
    segments.

        [1] headline
          original: 　　泰州溱潼镇:党员冬训…
          written:  泰州溱潼镇:党员冬训…
          spoken:   泰州琴潼镇:党员冬训…
          rule:     lexicon  溱潼 → 琴潼
          pinyin:   琴潼 = qin2 tong2
    """
    segments = prepare(text, lexicon=lexicon, limits=limits, headline=headline)
    originals = _originals(text, [s.written for s in segments])
    lines: list[str] = []
    in_headline = headline  # as in `prepare`: headline gaps are spoken as commas
    for i, (seg, original) in enumerate(zip(segments, originals), 1):
        if lines:
            lines.append("")
        lines.append(f"[{i}] {seg.break_after.value}")
        lines.append(f"  original: {original}")
        lines.append(f"  written:  {seg.written}")
        lines.append(f"  spoken:   {seg.spoken}")
        trace: list[Change] = []
        speak(headline_gaps(seg.written) if in_headline else seg.written, lexicon, trace)
        in_headline = in_headline and seg.break_after != Break.HEADLINE
        lines += [f"  rule:     {c.rule}  {_shown(c.written)} → {_shown(c.spoken)}" for c in trace]
        for start, end, py in seg.pinyin:
            lines.append(f"  pinyin:   {seg.spoken[start:end]} = {py}")
        if notes is not None:
            lines += notes(seg)
    return lines


def _originals(text: str, writtens: list[str]) -> list[str]:
    """The stretch of the raw input each segment came from (with whatever
    spaces, control characters and line breaks it had, shown escaped)."""
    out, pos = [], 0
    for w in writtens:
        # walk the raw text until the written characters (minus spaces) are consumed
        need = [c for c in w if not c.isspace()]
        start, k, i = pos, 0, pos
        while i < len(text) and k < len(need):
            if text[i] == need[k]:
                k += 1
            i += 1
        raw = text[start:i] if k == len(need) else w
        pos = i if k == len(need) else pos
        out.append(_visible(raw.strip()))
    return out


def _shown(s: str) -> str:
    """A rewritten stretch as `--explain` shows it: spaces as ␣, nothing as ∅.

    >>> _shown(" "), _shown("")
    ('␣', '∅')
    """
    return s.replace(" ", "␣") if s else "∅"


def _visible(s: str) -> str:
    """Line breaks as ⏎, other control/format characters escaped (\\u200b)."""
    return "".join(
        "⏎" if c == "\n" else (f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf") else c) for c in s
    )
