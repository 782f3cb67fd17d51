"""Opening an Office Open XML package (.docx) without trusting it: a ZIP with
a bounded number of members, each part read with a size cap (so a zip bomb
stops at the cap instead of filling memory), and XML parsed only without a
DTD (Word never writes one; entity tricks need one)."""
from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from broadcaster.errors import TextError
from broadcaster.prepare.readers.base import MAX_XML_BYTES, MAX_ZIP_MEMBERS


def open_package(data: bytes, where: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TextError("this .docx is damaged (not a readable ZIP container)", where=where) from None
    if len(names) > MAX_ZIP_MEMBERS:
        raise TextError(f"this .docx holds {len(names)} parts; refusing a document this unusual", where=where)
    return zf


def read_part(zf: zipfile.ZipFile, name: str, where: str, *, required: bool = True) -> ET.Element | None:
    """Parse one XML part; None when an optional part is absent."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        if required:
            raise TextError(f"this .docx has no {name}: not a Word document", where=where) from None
        return None
    if info.flag_bits & 0x1:
        raise TextError("this .docx is encrypted; save it without a password first", where=where)
    try:
        with zf.open(info) as fh:
            data = fh.read(MAX_XML_BYTES + 1)  # a bomb lies in its header; the cap does not care
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        raise TextError(f"this .docx is damaged ({name}: {exc})", where=where) from None
    if len(data) > MAX_XML_BYTES:
        raise TextError(f"{name} unpacks to more than {MAX_XML_BYTES // 2**20} MB (a zip bomb?); refusing it", where=where)
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data:
        raise TextError(f"{name} declares a DTD, which Word never writes; refusing it", where=where)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise TextError(f"this .docx is damaged ({name}: {exc})", where=where) from None
