"""Bytes → str: UTF-8 (BOM or not), UTF-16/32 with BOM, GB18030 (GBK, GB2312)
and Big5, told apart reliably; binary files refused with a clear message.
PDF, Word and other documents never reach this: `text.readers` routes them by
their first bytes."""
from __future__ import annotations

import codecs
import re
from pathlib import Path

from broadcaster.errors import TextError

# Binary formats people paste by mistake, by their first bytes.
_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a .docx/.xlsx/.wps document?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc/.xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"ID3", "an MP3 file"),
    (b"RIFF", "a RIFF file (WAV/AVI)"),
    (b"\x7fELF", "a program"),
    (b"{\\rtf", "an RTF document"),
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _common_share(text: str, encoding: str, lead: tuple[int, int]) -> float:
    """Share of the Han characters that are in the encoding's common block
    (GB2312 level 1, Big5 frequent characters). A wrong guess decodes to rare
    characters, so the right encoding scores near 1 and the wrong one low."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    common = 0
    for c in han:
        try:
            b = c.encode(encoding)
        except UnicodeEncodeError:
            continue
        if len(b) == 2 and lead[0] <= b[0] <= lead[1]:
            common += 1
    return common / len(han)


def _maybe_gbk_in_disguise(text: str, data: bytes) -> bool:
    """Short GBK text can also be valid UTF-8 (通知 → ֪ͨ): no Chinese but
    Greek/Cyrillic/Armenian-range letters, and a clean common-Chinese GBK reading."""
    if re.search(r"[\u4e00-\u9fff]", text) or not re.search(r"[\u0370-\u07ff]", text):
        return False
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return _common_share(gb, "gb2312", (0xB0, 0xD7)) >= 0.8


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(4, len(sample) // 100)


def decode_bytes(data: bytes, where: str = "") -> str:
    """Decode text bytes; newlines become \\n.

    >>> decode_bytes("通知".encode("gbk"))
    '通知'
    >>> decode_bytes(b"\\xef\\xbb\\xbfok\\r\\n")
    'ok\\n'
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _newlines(data.decode(enc))
            except UnicodeDecodeError as exc:
                raise TextError(f"broken {enc.upper()} text (byte {exc.start})", where=where) from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            # documents are routed to their readers (text.readers) before they get here
            raise TextError(f"this is {what}, not plain text", where=where)
    if _looks_binary(data):
        raise TextError("this looks like a binary file, not text", where=where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _maybe_gbk_in_disguise(text, data):
            return _newlines(text)
    candidates = []
    for enc, lead in (("gb18030", (0xB0, 0xD7)), ("big5", (0xA4, 0xC6))):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_common_share(text, "gb2312" if enc == "gb18030" else enc, lead), enc, text))
    if not candidates:
        raise TextError("cannot decode the text: it is not UTF-8, UTF-16, GB18030/GBK or Big5", where=where)
    score, enc, text = max(candidates, key=lambda c: c[0])
    if score < 0.5 and enc == "big5":
        # no good Big5 reading: GB18030 decodes anything GBK software writes
        text = next(t for _, e, t in candidates if e == "gb18030") if any(e == "gb18030" for _, e, _ in candidates) else text
    return _newlines(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")


def read_text_input(path: Path) -> str:
    """Read and decode a text file (an empty file gives "")."""
    from broadcaster.prepare.readers.base import read_file

    return decode_bytes(read_file(Path(path)), where=str(path))
