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
import io
import logging
import re
import warnings
from dataclasses import dataclass

from broadcaster.errors import TextError
from broadcaster.text.readers.base import MAX_PAGES, Deadline, Document
from broadcaster.text.readers.layout import Line, page_lines_to_paragraphs
from broadcaster.text.readers.tools import pdftotext

GARBLE_LIMIT = 0.05  # share of garbled characters above which a text layer is not trusted
_GARBLE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]")


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
    other = pdftotext(data, where, deadline)
    if other is None:
        raise TextError(f"this PDF's text layer is garbled ({garble_ratio(text):.0%} unreadable characters: fonts "
                        "without a Unicode map); install Poppler's pdftotext (poppler-utils) to try another "
                        "extractor, or ask for the .docx", where=where)
    if garble_ratio(other) > GARBLE_LIMIT:
        raise TextError(f"this PDF's text layer is garbled ({garble_ratio(other):.0%} unreadable characters even "
                        "with pdftotext); ask for the .docx or a text copy", where=where)
    return Document(tuple(_pdftotext_paragraphs(other)), "pdf (pdftotext, pypdf's text was garbled)",
                    (f"pypdf's text was {garble_ratio(text):.0%} garbled; read with pdftotext",))


def _pdftotext_paragraphs(text: str) -> list[str]:
    """pdftotext's plain mode separates pages with \\f and paragraphs with a
    blank line; the lines of a paragraph are joined, page furniture dropped."""
    from broadcaster.text.readers.layout import drop_furniture, join_wrapped

    pages = [[Line(l.strip(), 0, 0, 0, 0) if l.strip() else Line("", 0, 0, 0, 0) for l in page.split("\n")]
             for page in text.split("\f")]
    pages = drop_furniture([[l for l in page] for page in pages])
    out: list[str] = []
    block: list[str] = []
    for page in pages:
        for line in page:
            if line.text:
                block.append(line.text)
            elif block:
                out.extend(join_wrapped(block))
                block = []
    out.extend(join_wrapped(block))
    return out
