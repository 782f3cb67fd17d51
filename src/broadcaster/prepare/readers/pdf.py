"""The PDF reader: the text layer in reading order, page furniture removed.

pypdf (BSD) extracts the text of each page with the position of every piece;
pieces on one baseline make a line, lines go top to bottom, and lines are
joined back into paragraphs the way they were typeset (see `paragraphs`).
When the text layer is garbled — fonts without a Unicode map come out as
"(cid:123)", replacement characters or private-use characters — Poppler's
`pdftotext` is tried (it knows more CJK font tricks); when that is absent or
garbled too, the PDF is refused with one line. A PDF with no text at all is
a scan: refused too (no OCR).
"""
from __future__ import annotations

import contextlib
import html
import io
import logging
import re
import warnings
from dataclasses import dataclass

from broadcaster.errors import TextError
from broadcaster.prepare.readers.base import MAX_PAGES, Deadline, Document
from broadcaster.prepare.readers.layout import Line, glue, page_lines_to_paragraphs
from broadcaster.prepare.readers.tools import pdftotext

GARBLE_LIMIT = 0.05  # share of garbled characters above which a text layer is not trusted
# What a font without a Unicode map comes out as: pdfminer's "(cid:123)",
# replacement and private-use characters, control characters, and (pypdf,
# pdftotext) glyph numbers taken for code points, which land in the Latin
# Extended … Greek … Cyrillic … Indic blocks that a Chinese notice never uses.
_GARBLE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u0100-\u1fff]")


def garble_ratio(text: str) -> float:
    """Share of the visible characters that are garbage.

    >>> round(garble_ratio("通知(cid:12)(cid:13)"), 2)
    0.5
    """
    bad = sum(1 for _ in _GARBLE.finditer(text))
    visible = len(_GARBLE.sub("x", re.sub(r"\s+", "", text)))
    return bad / visible if visible else 0.0


@contextlib.contextmanager
def _quiet():
    """pypdf reports damaged files through logging and warnings; the user gets
    our one line instead."""
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)


@dataclass
class _Piece:
    x: float
    y: float
    size: float
    text: str


def _open(data: bytes, where: str):
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many official PDFs are "encrypted" only to forbid editing, with an empty password.
            try:
                ok = reader.decrypt("")
            except Exception:  # noqa: BLE001 - missing AES support or a broken crypt filter
                ok = 0
            if not ok:
                raise TextError("this PDF is password-protected; save an unprotected copy first", where=where)
        pages = len(reader.pages)
    except TextError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types for damaged files
        raise TextError(f"this PDF is damaged and cannot be read ({type(exc).__name__})", where=where) from None
    if pages > MAX_PAGES:
        raise TextError(f"this PDF has {pages} pages; more than {MAX_PAGES} is not a broadcast", where=where)
    if pages == 0:
        raise TextError("this PDF has no pages", where=where)
    return reader


def _page_lines(page) -> list[Line]:
    pieces: list[_Piece] = []

    def visit(text, cm, tm, font, size):
        if text and text.strip():
            # position of the text on the page: text matrix times the current transformation
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = (abs(tm[0] * cm[0]) + abs(tm[3] * cm[3])) / 2 or 1.0
            for k, part in enumerate(text.split("\n")):
                if part.strip():
                    pieces.append(_Piece(x, y - k * size * scale * 1.2, size * scale, part))

    page.extract_text(visitor_text=visit)
    lines: list[Line] = []
    for p in sorted(pieces, key=lambda p: (-round(p.y, 0), p.x)):
        if lines and abs(lines[-1].y - p.y) < max(p.size, 1.0) * 0.5:
            last = lines[-1]
            last.text += p.text
            last.x1 = max(last.x1, p.x + Line.width(p.text, p.size))
        else:
            lines.append(Line(p.text, p.x, p.x + Line.width(p.text, p.size), p.y, p.size))
    for line in lines:
        line.text = line.text.strip()
    return [line for line in lines if line.text]


def _has_images(reader) -> bool:
    for page in list(reader.pages)[:5]:
        try:
            xobjects = page.get("/Resources", {}).get("/XObject", {})
            if any(xobjects[k].get_object().get("/Subtype") == "/Image" for k in xobjects):
                return True
        except Exception:  # noqa: BLE001
            continue
    return False


def read_pdf(data: bytes, where: str, deadline: Deadline) -> Document:
    if b"%%EOF" not in data[-4096:]:
        # a cut-short download: pypdf would rebuild what it can and read half the pages
        raise TextError("this PDF is cut short (no end-of-file marker); download or copy it again", where=where)
    with _quiet():
        reader = _open(data, where)
        pages: list[list[Line]] = []
        for page in reader.pages:
            try:
                pages.append(_page_lines(page))
            except Exception as exc:  # noqa: BLE001
                raise TextError(f"this PDF is damaged and cannot be read ({type(exc).__name__} on page {len(pages) + 1})", where=where) from None
            deadline.check()
        scanned = not any(pages) and _has_images(reader)
    text = "\n".join(l.text for page in pages for l in page)
    if not text.strip():
        if scanned:
            raise TextError("this PDF is a scan (pictures of pages, no text layer); OCR is not supported: "
                            "ask for the original document or type it in", where=where)
        raise TextError("this PDF has no text", where=where)
    if garble_ratio(text) <= GARBLE_LIMIT:
        return Document(tuple(page_lines_to_paragraphs(pages)), "pdf (pypdf)")
    xhtml = pdftotext(data, where, deadline)
    other_pages = _bbox_pages(xhtml) if xhtml is not None else None
    other = "\n".join(l.text for page in other_pages or [] for l in page)
    if other_pages is None:
        raise TextError(f"this PDF's text layer is garbled ({garble_ratio(text):.0%} unreadable characters: fonts "
                        "without a Unicode map); install Poppler's pdftotext (poppler-utils) to try another "
                        "extractor, or ask for the .docx", where=where)
    if not other.strip() or garble_ratio(other) > GARBLE_LIMIT:
        raise TextError(f"this PDF's text layer is garbled ({garble_ratio(other):.0%} unreadable characters even "
                        "with pdftotext); ask for the .docx or a text copy", where=where)
    return Document(tuple(page_lines_to_paragraphs(other_pages)), "pdf (pdftotext, pypdf's text was garbled)",
                    (f"pypdf's text was {garble_ratio(text):.0%} garbled; read with pdftotext",))


_BOX = re.compile(r'<page\b|<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', re.S)
_WORD = re.compile(r"<word\b[^>]*>(.*?)</word>", re.S)


def _bbox_pages(xhtml: str) -> list[list[Line]]:
    """pdftotext -bbox-layout → pages of lines (y grows downwards there)."""
    pages: list[list[Line]] = []
    for m in _BOX.finditer(xhtml):
        if m.group(0).startswith("<page"):
            pages.append([])
            continue
        x0, y0, x1, y1 = (float(g) for g in m.group(1, 2, 3, 4))
        text = ""
        for word in _WORD.findall(m.group(5)):
            text = glue(text, html.unescape(word))
        if pages and text.strip():
            pages[-1].append(Line(text.strip(), x0, x1, -y0, max(y1 - y0, 1.0)))
    return pages
