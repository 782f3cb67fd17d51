"""Bad documents: one TextError naming the file and the problem (the CLI
prints it as one line and exits 2, see tests/test_documents.py), in seconds."""
from __future__ import annotations

import io
import shutil
import time
import zipfile
from pathlib import Path

import documents as D
import pytest

from broadcaster.errors import TextError
from broadcaster.prepare.pipeline import open_article
from broadcaster.prepare.readers import base
from broadcaster.prepare.readers.pdf import garble_ratio


def _fails(path: Path, pattern: str) -> str:
    start = time.monotonic()
    with pytest.raises(TextError, match=pattern) as info:
        open_article(path)
    assert time.monotonic() - start < 30
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


@pytest.fixture(scope="module")
def notice_pdf(tmp_path_factory) -> Path:
    return D.write_pdf(tmp_path_factory.mktemp("pdf") / "notice.pdf")


def test_password_protected_pdf(tmp_path, notice_pdf):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(notice_pdf))
    writer.encrypt("secret", algorithm="AES-128")
    p = tmp_path / "locked.pdf"
    with p.open("wb") as fh:
        writer.write(fh)
    _fails(p, "this PDF is password-protected; save an unprotected copy first")


def test_pdf_locked_only_against_editing_is_read(tmp_path, notice_pdf):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(notice_pdf))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    p = tmp_path / "no-edit.pdf"
    with p.open("wb") as fh:
        writer.write(fh)
    assert open_article(p).text == D.clean_notice()


@pytest.mark.parametrize("make, pattern", [
    (lambda data: data[: len(data) // 2], "this PDF is cut short"),
    (lambda data: b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", "this PDF is damaged and cannot be read"),
], ids=["truncated", "garbage"])
def test_damaged_pdf(tmp_path, notice_pdf, make, pattern):
    p = tmp_path / "broken.pdf"
    p.write_bytes(make(notice_pdf.read_bytes()))
    _fails(p, pattern)


def test_scanned_pdf_has_no_text_layer(tmp_path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (200, 280), 255)
    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.drawImage(ImageReader(image), 50, 50, 400, 560)
    c.showPage()
    c.save()
    _fails(p, r"this PDF is a scan \(pictures of pages, no text layer\); OCR is not supported")


def _identity_pdf(cids: list[int]) -> bytes:
    """A PDF whose font has no Unicode map (Identity-H, no ToUnicode), as
    many exported 公文 have: the text layer holds glyph numbers only."""
    text = "".join(f"{c:04X}" for c in cids).encode()
    content = b"BT /F1 14 Tf 72 700 Td <" + text + b"> Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


def test_garbled_pdf_is_refused_after_trying_pdftotext(tmp_path):
    p = tmp_path / "garbled.pdf"
    p.write_bytes(_identity_pdf([0x1A3, 0x2F1, 0x3C4, 0x15E, 0x4B2, 0x209, 0x33A, 0x1E7] * 5))
    if shutil.which("pdftotext"):
        _fails(p, r"this PDF's text layer is garbled \(100% unreadable characters even with pdftotext\)")
    else:
        _fails(p, r"garbled .*install Poppler's pdftotext")


def test_garble_ratio():
    assert garble_ratio("各村要高度重视冬季水利建设工作。") == 0.0
    assert garble_ratio("(cid:12)(cid:13)通知") == 0.5
    assert garble_ratio("ƣǱτŞҲȉ̺ǧ") == 1.0
    assert garble_ratio("通知\ufffd\ufffd") == 0.5


def test_pdf_with_too_many_pages(tmp_path, notice_pdf, monkeypatch):
    from broadcaster.prepare.readers import pdf

    monkeypatch.setattr(pdf, "MAX_PAGES", 1)
    _fails(notice_pdf, "this PDF has 2 pages; more than 1 is not a broadcast")


def test_reading_is_bounded_in_time(notice_pdf, monkeypatch):
    monkeypatch.setattr(base, "MAX_SECONDS", 0.0)
    _fails(notice_pdf, "gave up reading after 0 s")


@pytest.mark.parametrize("data, pattern", [
    (b"PK\x03\x04 this is not really a zip", r"this \.docx is damaged \(not a readable ZIP container\)"),
    (b"", "the document is empty"),
], ids=["not-a-zip", "empty"])
def test_damaged_docx(tmp_path, data, pattern):
    p = tmp_path / "notice.docx"
    p.write_bytes(data)
    _fails(p, pattern)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_docx_zip_bomb(tmp_path):
    bomb = b'<?xml version="1.0"?><w:document xmlns:w="x">' + b" " * (40 * 2**20) + b"</w:document>"
    p = tmp_path / "bomb.docx"
    p.write_bytes(_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": bomb}))
    assert p.stat().st_size < 200_000
    _fails(p, r"word/document\.xml unpacks to more than 32 MB \(a zip bomb\?\); refusing it")


def test_docx_with_entities_is_refused(tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>&b;</w:body></w:document>')
    p = tmp_path / "laughs.docx"
    p.write_bytes(_zip({"word/document.xml": laughs}))
    _fails(p, "declares a DTD, which Word never writes")


def test_empty_word_document(tmp_path):
    import docx

    docx.Document().save(tmp_path / "empty.docx")
    _fails(tmp_path / "empty.docx", "nothing left to read after cleaning")


@pytest.mark.parametrize("data, pattern", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "this is a PNG image, not a document"),
    (_zip({"xl/workbook.xml": b"<x/>"}), "this is a spreadsheet or slide show, not a text document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 100,
     "this is a password-protected Office document"),
], ids=["image", "spreadsheet", "encrypted-office"])
def test_not_an_article(tmp_path, data, pattern):
    p = tmp_path / "article.docx"
    p.write_bytes(data)
    _fails(p, pattern)


def test_200_page_pdf_is_read_in_seconds(tmp_path):
    from pypdf import PdfReader

    p = D.write_long_pdf(tmp_path / "long.pdf", 200)
    assert len(PdfReader(p).pages) == 200
    start = time.monotonic()
    article = open_article(p)
    elapsed = time.monotonic() - start
    assert article.text.count("\n") == 200 * 7  # the title and 1,400 numbered paragraphs
    assert elapsed < 20, f"{elapsed:.1f} s"


def test_docx_nested_60000_levels_deep(tmp_path):
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    xml = (f"<w:document {w}><w:body>" + "<w:sdt><w:sdtContent>" * 60000 + "<w:p><w:r><w:t>通知</w:t></w:r></w:p>"
           + "</w:sdtContent></w:sdt>" * 60000 + "</w:body></w:document>")
    p = tmp_path / "deep.docx"
    p.write_bytes(_zip({"word/document.xml": xml.encode()}))
    _fails(p, r"the document is nested too deeply to read \(tables or content controls\)")
