"""Segmentation: paragraphs → speakable pieces of the written text.

Rules, in order:
1. every paragraph (one line of clean text) ends a piece (`Break.PARAGRAPH`);
2. split after 。！？；…!?; — with any closing quotes/brackets that follow, so
   a closing ” stays with its sentence — but not inside “”‘’「」『』《》（）
   (a paragraph whose brackets do not balance is treated as having none);
3. a piece longer than `Limits.max_chars` is split at the first level that has
   split points: sentence ends inside quotes, then ，, then 、, then ：:
   outside quotes, then the same inside quotes, then spaces and dashes, and
   last at a hard character boundary that never cuts a number or Latin word;
4. pieces shorter than `Limits.min_chars` join a neighbour when the result
   fits (the offline voice makes every tone rise on 1–2 syllable utterances).
   A paragraph that is just one short piece (注意！) joins the next paragraph;
   the headline never joins the body. A line that opens with a list marker
   or heading number (1. ① (1) （一） 一、, see `markers`) never absorbs the
   line before it, and a heading line (marker, no sentence end) never joins
   the line after it: 一、总体要求 stays its own utterance.

Lengths are measured by a callable on the written text (the pipeline passes
"sounding characters of the spoken form"), so a piece's written text is always
an exact slice of its paragraph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from broadcaster.prepare.markers import starts_with_marker
from broadcaster.model.text import Break, Limits

Measure = Callable[[str], int]

ENDERS = frozenset("。！？；!?;…")
CLOSERS = frozenset("”’」』》）)】〕〉\"'")
PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "（": "）", "(": ")", "【": "】"}
_CLOSING = {v: k for k, v in PAIRS.items()}


@dataclass
class Piece:
    text: str
    brk: Break
    para: int
    whole_para: bool = False
    opens_item: bool = False  # the paragraph starts with a list marker
    heading: bool = False  # ... and has no sentence end: a heading line


def quote_depths(para: str) -> list[int]:
    """Bracket depth *after* each character; all zeros when unbalanced.

    >>> quote_depths("他说“好。”")
    [0, 0, 1, 1, 1, 0]
    >>> quote_depths("“没有结尾")
    [0, 0, 0, 0, 0]
    """
    stack: list[str] = []
    out = []
    for ch in para:
        if ch in PAIRS:
            stack.append(ch)
        elif ch in _CLOSING:
            if not stack or stack[-1] != _CLOSING[ch]:
                return [0] * len(para)
            stack.pop()
        out.append(len(stack))
    return out if not stack else [0] * len(para)


def _is_ender(s: str, i: int) -> bool:
    ch = s[i]
    if ch in ENDERS:
        return True
    # ASCII full stop ends a Latin sentence ("... a test. Next"), not 12.5
    return ch == "." and (i + 1 == len(s) or s[i + 1] == " ") and i > 0 and not s[i - 1].isdigit()


def _absorb(s: str, j: int) -> int:
    """Extend a split point over following enders and closing marks."""
    while j < len(s) and (s[j] in CLOSERS or s[j] in ENDERS):
        j += 1
    return j


def sentence_points(para: str, depths: list[int], *, inside: bool) -> list[int]:
    """Split positions after sentence ends; `inside` selects those at depth > 0
    (used only for over-long sentences).

    >>> sentence_points("注意！今天开会。", [0] * 8, inside=False)
    [3, 8]
    """
    points = []
    i = 0
    while i < len(para):
        if _is_ender(para, i):
            j = _absorb(para, i + 1)
            at_depth = depths[j - 1]
            if (at_depth == 0) != inside:
                points.append(j)
            i = j
        else:
            i += 1
    return points


def _clause_points(s: str, depths: list[int], chars: str, *, inside: bool | None) -> list[int]:
    points = []
    for i, ch in enumerate(s):
        if ch not in chars:
            continue
        # , and : between digits are number punctuation (1,250 7:30)
        if ch in ",:" and 0 < i < len(s) - 1 and s[i - 1].isdigit() and s[i + 1].isdigit():
            continue
        if inside is not None and (depths[i] > 0) != inside:
            continue
        points.append(_absorb(s, i + 1))
    return points


_LEVELS: tuple[tuple[str, bool | None], ...] = (
    ("。！？；!?;…", True),
    ("，,", False),
    ("、", False),
    ("：:", False),
    ("，,、：:", True),
    (" —–", None),
)

_ATOM = re.compile(r"[A-Za-z0-9.,:/%‰℃°+\-~]+|.", re.S)


def _cut(s: str, points: list[int]) -> list[str]:
    points = sorted({p for p in points if 0 < p < len(s)})
    bounds = [0, *points, len(s)]
    return [s[a:b] for a, b in zip(bounds, bounds[1:]) if s[a:b]]


def _pack(parts: list[str], measure: Measure, max_chars: int) -> list[str]:
    """Join adjacent parts into chunks of at most max_chars, aiming for equal
    sizes (so a long sentence splits 30+30, not 58+2)."""
    sizes = [measure(p) for p in parts]
    total = sum(sizes)
    n = max(1, -(-total // max_chars))
    target = total / n
    out: list[str] = []
    cur, cur_size = "", 0
    for part, size in zip(parts, sizes):
        if cur and (cur_size + size > max_chars or cur_size >= target):
            out.append(cur)
            cur, cur_size = "", 0
        cur += part
        cur_size += size
    if cur:
        out.append(cur)
    return out


def hard_split(s: str, measure: Measure, max_chars: int) -> list[str]:
    """Last resort: cut between atoms (a Chinese character, or a run of Latin
    letters and digits, which is never cut unless it alone is too long).

    >>> hard_split("一二三四五六七", len, 3)
    ['一二三', '四五六', '七']
    """
    out: list[str] = []
    cur, size = "", 0
    for m in _ATOM.finditer(s):
        atom = m.group()
        n = measure(atom)
        if n > max_chars:  # a monster token: cut it by characters
            if cur:
                out.append(cur)
                cur, size = "", 0
            out.extend(hard_split_chars(atom, measure, max_chars))
            continue
        if cur and size + n > max_chars:
            out.append(cur)
            cur, size = "", 0
        cur += atom
        size += n
    if cur:
        out.append(cur)
    return out


def hard_split_chars(s: str, measure: Measure, max_chars: int) -> list[str]:
    out, cur = [], ""
    for ch in s:
        if cur and measure(cur + ch) > max_chars:
            out.append(cur)
            cur = ""
        cur += ch
    return out + ([cur] if cur else [])


def split_long(s: str, measure: Measure, max_chars: int, level: int = 0) -> list[str]:
    """Split `s` until every chunk measures at most max_chars."""
    if measure(s) <= max_chars:
        return [s]
    depths = quote_depths(s)
    for li in range(level, len(_LEVELS)):
        chars, inside = _LEVELS[li]
        if li == 0:
            points = sentence_points(s, depths, inside=True)
        else:
            points = _clause_points(s, depths, chars, inside=inside)
        parts = _cut(s, points)
        if len(parts) < 2:
            continue
        out: list[str] = []
        for chunk in _pack(parts, measure, max_chars):
            out.extend(split_long(chunk, measure, max_chars, li + 1))
        return out
    return hard_split(s, measure, max_chars)


def _break_for(text: str) -> Break:
    stripped = text.rstrip()
    i = len(stripped)
    while i > 0 and stripped[i - 1] in CLOSERS:
        i -= 1
    return Break.SENTENCE if i and _is_ender(stripped, i - 1) else Break.CLAUSE


def split_paragraph(para: str, measure: Measure, limits: Limits, index: int = 0) -> list[Piece]:
    """One paragraph → pieces; the last gets `Break.PARAGRAPH`."""
    depths = quote_depths(para)
    pieces: list[Piece] = []
    for sentence in _cut(para, sentence_points(para, depths, inside=False)):
        for chunk in split_long(sentence, measure, limits.max_chars):
            pieces.append(Piece(chunk, _break_for(chunk), index))
    if pieces:
        pieces[-1].brk = Break.PARAGRAPH
        if len(pieces) == 1:
            pieces[0].whole_para = True
        if starts_with_marker(para):
            heading = _break_for(para) == Break.CLAUSE
            for piece in pieces:
                piece.opens_item, piece.heading = True, heading
    return pieces


def merge_short(pieces: list[Piece], measure: Measure, limits: Limits, *, headline: bool = False) -> list[Piece]:
    """Join pieces shorter than min_chars to a neighbour when the result fits.

    Within a paragraph a short piece joins the next (注意！请… ) or, at the
    end, the previous. Across paragraphs only a paragraph that is one short
    piece joins the next paragraph (or, if it is the last, the previous one).
    Nothing joins the headline.
    """
    out: list[Piece] = []
    for idx, p in enumerate(pieces):
        last = idx == len(pieces) - 1
        if out:
            prev = out[-1]
            short_prev, short_p = measure(prev.text) < limits.min_chars, measure(p.text) < limits.min_chars
            same_para = prev.para == p.para
            allowed = (short_prev and (same_para or prev.whole_para)) or (short_p and (same_para or (p.whole_para and last)))
            if headline and (prev.para == 0) != (p.para == 0):
                allowed = False
            if not same_para and (p.opens_item or prev.heading):
                allowed = False  # list items and headings are heard on their own
            if allowed and measure(prev.text + p.text) <= limits.max_chars:
                out[-1] = Piece(prev.text + p.text, p.brk, p.para, prev.whole_para and p.whole_para, prev.opens_item, prev.heading)
                continue
        out.append(p)
    return out


def segment(paragraphs: list[str], measure: Measure, limits: Limits, *, headline: bool = False) -> list[Piece]:
    """Paragraphs → pieces with breaks, short ones merged."""
    pieces: list[Piece] = []
    for i, para in enumerate(paragraphs):
        pieces.extend(split_paragraph(para, measure, limits, i))
    pieces = merge_short(pieces, measure, limits, headline=headline)
    if headline and pieces and pieces[0].para == 0:
        last = max(i for i, p in enumerate(pieces) if p.para == 0)
        pieces[last].brk = Break.HEADLINE
    return pieces
