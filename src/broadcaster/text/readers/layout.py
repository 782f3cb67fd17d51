"""Typeset lines back into paragraphs, and page furniture off.

A PDF knows lines, not paragraphs. A line starts a new paragraph when it is
indented (公文 indent every paragraph by two characters), when the line
before it stopped short of the right margin, when it starts with a heading
number (一、（一）1.（1）) or when the type size changes; otherwise it
continues the paragraph, across page breaks too. Headers and footers are the
lines at the top or bottom of pages that repeat (digits aside) on many pages,
and page numbers (— 3 —, 第3页).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from broadcaster.text.clean import HEADING_START, is_page_number

_SENTENCE_END = "。！？；：…”’」』"


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    y: float
    size: float

    @staticmethod
    def width(text: str, size: float) -> float:
        """Estimated width: Chinese characters are square, Latin about half."""
        return sum(size if ord(c) >= 0x2E80 else 0.5 * size for c in text)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove running headers/footers and page numbers from the top and
    bottom two lines of every page."""
    edges = []
    for page in pages:
        filled = [i for i, l in enumerate(page) if l.text]
        edges.append(set(filled[:2] + filled[-2:]))
    counts = Counter(_key(page[i].text) for page, idx in zip(pages, edges) for i in idx)
    repeat = max(2, int(0.4 * len(pages)) + 1) if len(pages) > 1 else 10**9
    out = []
    for page, idx in zip(pages, edges):
        out.append([l for i, l in enumerate(page)
                    if not (i in idx and (is_page_number(l.text.strip()) or counts[_key(l.text)] >= repeat))])
    return out


def _glue(a: str, b: str) -> str:
    """Join a wrapped line: nothing between Chinese, a space between words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def join_wrapped(lines: list[str]) -> list[str]:
    """Lines of one block → paragraphs; a heading number starts a new one.

    >>> join_wrapped(["各村要高度重视，", "切实加强领导。", "（一）明确责任"])
    ['各村要高度重视，切实加强领导。', '（一）明确责任']
    """
    out: list[str] = []
    for line in lines:
        if out and not HEADING_START.match(line):
            out[-1] = _glue(out[-1], line)
        else:
            out.append(line)
    return out


def page_lines_to_paragraphs(pages: list[list[Line]]) -> list[str]:
    pages = drop_furniture(pages)
    lines = [l for page in pages for l in page if l.text]
    if not lines:
        return []
    body_size = Counter(round(l.size) for l in lines).most_common(1)[0][0]
    left = Counter(round(l.x0) for l in lines if round(l.size) == body_size).most_common(1)[0][0]
    ends = sorted(l.x1 for l in lines if round(l.size) == body_size)
    right = ends[int(len(ends) * 0.9)] if ends else 0.0
    out: list[str] = []
    prev: Line | None = None
    for l in lines:
        offset = l.x0 > left + 0.8 * l.size
        if prev is None:
            new = True
        elif HEADING_START.match(l.text) or abs(l.size - prev.size) > 0.15 * max(l.size, prev.size):
            new = True
        elif offset:
            # a title in larger type may wrap onto a second centred line
            new = not (l.size > body_size * 1.1 and prev.x0 > left + 0.8 * prev.size
                       and prev.text[-1] not in _SENTENCE_END)
        else:
            new = prev.x1 < right - 1.5 * prev.size
        if new:
            out.append(l.text)
        else:
            out[-1] = _glue(out[-1], l.text)
        prev = l
    return out
