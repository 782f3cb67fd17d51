"""Typeset lines back into paragraphs, and page furniture off.

A PDF knows lines, not paragraphs. A line starts a new paragraph when it is
indented (公文 indent every paragraph by two characters), when the line
before it stopped short of the right margin, when it starts with a heading
number (一、（一）1.（1）) or when the type size changes; otherwise it
continues the paragraph, across page breaks too. Headers and footers are the
lines at the top or bottom of pages that repeat (digits aside) on many pages,
and page numbers (— 3 —, 第3页).

Where lines are left-aligned rather than justified, a line that ends at the
margin says nothing, so the end of a 公文 is found by what its lines are: the
issuing body's name after a finished sentence, a date alone, and the 抄送 and
印发 lines each stand alone (the cleaner then drops 抄送 and 印发, as for .docx).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from broadcaster.prepare.clean import HEADING_START, is_page_number

_SENTENCE_END = "。！？；：…”’」』"
_DATE_ALONE = re.compile(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_OWN_LINE = re.compile(r"^(?:抄\s*送|抄\s*报|分\s*送)\s*[:：]|印\s*发$")
_ISSUER = re.compile(
    r"^[^，。：:；、！？\s]{2,30}(?:政府|委员会|办公室|办公厅|局|委|厅|部|院|党组|党委|镇|乡|街道|中心|小组|指挥部|联合会|协会|公司|站|所)$"
)


def stands_alone(line: str, prev: str) -> bool:
    """The end-of-document lines that never continue the line before them.

    >>> stands_alone("泰县人民政府办公室", "请按时报送。"), stands_alone("抄送：县委办公室，", "2026年11月30日")
    (True, True)
    >>> stands_alone("县水利局", "报送")  # a wrapped sentence that happens to end in an organ's name
    False
    """
    return bool(
        _OWN_LINE.search(line)
        or _DATE_ALONE.match(line)
        or _DATE_ALONE.match(prev)
        or (_ISSUER.match(line) and prev[-1:] in "。！？")
    )


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
    """What must repeat for a line to be a running header: short lines
    (a header with its page number) digits aside, longer lines exactly —
    a body line that happens to open page after page ("12.各村要…",
    "13.各村要…") differs only in its number, and is not furniture."""
    text = re.sub(r"\s+", "", text)
    return re.sub(r"\d+", "#", text) if len(text) <= 20 else text


def drop_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove running headers/footers and page numbers: a line among the top
    (bottom) two of its page that is a page number, or that repeats (digits
    aside) among the top (bottom) lines of many pages. Top and bottom are
    counted apart, so a signature near the end of the last page is not taken
    for a running header that happens to read the same."""
    tops, bottoms = [], []
    for page in pages:
        filled = [i for i, l in enumerate(page) if l.text]
        tops.append(set(filled[:2]))
        bottoms.append(set(filled[-2:]))
    repeat = max(2, int(0.4 * len(pages)) + 1) if len(pages) > 1 else 10**9
    drop: list[set[int]] = [set() for _ in pages]
    for edges in (tops, bottoms):
        counts = Counter(_key(page[i].text) for page, idx in zip(pages, edges) for i in idx)
        for n, (page, idx) in enumerate(zip(pages, edges)):
            drop[n] |= {i for i in idx if is_page_number(page[i].text.strip()) or counts[_key(page[i].text)] >= repeat}
    return [[l for i, l in enumerate(page) if i not in drop[n]] for n, page in enumerate(pages)]


def glue(a: str, b: str) -> str:
    """Join a wrapped line: nothing between Chinese, a space between words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def page_lines_to_paragraphs(pages: list[list[Line]]) -> list[str]:
    pages = drop_furniture(pages)
    lines = [l for page in pages for l in page if l.text]
    if not lines:
        return []
    body_size = Counter(round(l.size) for l in lines).most_common(1)[0][0]
    left = Counter(round(l.x0) for l in lines if round(l.size) == body_size).most_common(1)[0][0]
    ends = sorted(l.x1 for l in lines if round(l.size) == body_size)
    right = ends[int(len(ends) * 0.98)] if ends else 0.0  # the right margin: full lines end there
    out: list[str] = []
    prev: Line | None = None
    for l in lines:
        offset = l.x0 > left + 0.8 * l.size
        if prev is None:
            new = True
        elif HEADING_START.match(l.text) or abs(l.size - prev.size) > 0.15 * max(l.size, prev.size):
            new = True
        elif stands_alone(l.text, prev.text):
            new = True
        elif l.size > body_size * 1.1:
            new = prev.text[-1] in _SENTENCE_END  # a title in larger type wraps onto a second (centred) line
        elif offset:
            new = True
        else:
            new = prev.x1 < right - 1.5 * prev.size
        if new:
            out.append(l.text)
        else:
            out[-1] = glue(out[-1], l.text)
        prev = l
    return out
