"""The input router: which reader reads a document is decided by its first
bytes, not by its name (a .doc that is really a .docx, a .wps that is a ZIP,
an .html saved as .txt all happen in a township office).

    from broadcaster.prepare.readers import read_document
    doc = read_document(Path("通知.docx"))   # Document(lines, reader="docx", notes)

| content                               | reader                            |
|---------------------------------------|-----------------------------------|
| %PDF                                  | `pdf.read_pdf` (pypdf, pdftotext) |
| ZIP with word/document.xml            | `docx.read_docx`                  |
| ZIP of an OpenDocument text, OLE2 (.doc, .wps), RTF | LibreOffice → docx  |
| text that starts like HTML (or .html) | `text.html` (WeChat, 政府网站)     |
| other text (.md: Markdown)            | plain text                        |
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from broadcaster.errors import TextError
from broadcaster.prepare.readers.base import MAX_INPUT_BYTES, Article, Deadline, Document, read_file

__all__ = ["Article", "Document", "read_bytes", "read_document", "sniff"]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_REFUSED = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"ID3", "an MP3 file"), (b"RIFF", "a RIFF file (WAV/AVI)"), (b"\x7fELF", "a program"),
    (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"), (b"\x1f\x8b", "a gzip archive"),
)


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist()[:5000])
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names and zf.getinfo("mimetype").file_size < 100:
                mime = zf.read("mimetype")
                if mime.startswith(b"application/vnd.oasis.opendocument.text"):
                    return "office"
            if any(n.startswith(("xl/", "ppt/")) for n in names):
                return "refuse:a spreadsheet or slide show, not a text document"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return "docx"  # named .docx but broken: the docx reader says how
    return "refuse:a ZIP archive, not a document"


def sniff(data: bytes, suffix: str = "") -> str:
    """The reader for these bytes: "pdf", "docx", "office" (LibreOffice),
    "html", "markdown", "text", or "refuse:<what it is>".

    >>> sniff(b"%PDF-1.7 ..."), sniff("<!DOCTYPE html><p>通知</p>".encode()), sniff(b"# x", ".md")
    ('pdf', 'html', 'markdown')
    """
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(_OLE):
        if "E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e".encode("latin-1") in data[:1 << 20]:
            return "refuse:a password-protected Office document; save an unprotected copy first"
        return "office"
    if head.startswith(b"{\\rtf"):
        return "office"
    for magic, what in _REFUSED:
        if data.startswith(magic):
            return f"refuse:{what}, not a document"
    if suffix in (".html", ".htm", ".xhtml") or head[:200].lower().startswith((b"<!doctype html", b"<html", b"<?xml")):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    return "text"


def read_bytes(data: bytes, suffix: str, where: str) -> Document:
    """Route bytes to their reader; every failure is one TextError naming `where`."""
    from broadcaster.prepare.readers.text import read_text_document

    suffix = suffix.lower()
    if not data.strip():
        raise TextError("the document is empty", where=where)
    if len(data) > MAX_INPUT_BYTES:
        raise TextError(f"the document is larger than {MAX_INPUT_BYTES // 2**20} MB; not an article", where=where)
    kind = sniff(data, suffix)
    deadline = Deadline(where)
    if kind.startswith("refuse:"):
        raise TextError(f"this is {kind[7:]}", where=where)
    if kind == "pdf":
        from broadcaster.prepare.readers.pdf import read_pdf

        return read_pdf(data, where, deadline)
    if kind == "docx":
        from broadcaster.prepare.readers.docx import read_docx

        return read_docx(data, where, deadline)
    if kind == "office":
        from broadcaster.prepare.readers.docx import read_docx
        from broadcaster.prepare.readers.tools import soffice_to_docx

        docx = soffice_to_docx(data, suffix if suffix in (".doc", ".wps", ".rtf", ".odt", ".wpt", ".dot") else ".doc", where, deadline)
        doc = read_docx(docx, where, deadline)
        return Document(doc.lines, f"{suffix.lstrip('.') or 'office'} via LibreOffice → docx", doc.notes)
    return read_text_document(data, kind, where)


def read_document(path: Path) -> Document:
    """Read a local file with the reader its content calls for."""
    path = Path(path)
    return read_bytes(read_file(path, MAX_INPUT_BYTES), path.suffix, str(path))
