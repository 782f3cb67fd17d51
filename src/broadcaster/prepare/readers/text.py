"""Readers for text formats: plain text, Markdown and HTML pages (news sites,
WeChat articles saved from a browser, government page templates)."""
from __future__ import annotations

from broadcaster.prepare.decode import decode_bytes
from broadcaster.prepare.readers.base import Document


def read_text_document(data: bytes, kind: str, where: str) -> Document:
    from broadcaster.prepare.clean import markdown_to_lines
    from broadcaster.prepare.html import html_document

    raw = decode_bytes(data, where=where)
    if kind == "html":
        page = html_document(raw, where=where)
        lines = ([page.headline] if page.headline else []) + page.lines
        return Document(tuple(lines), f"html ({page.template})" if page.template else "html")
    if kind == "markdown":
        return Document(tuple(markdown_to_lines(raw)), "markdown")
    return Document(tuple(raw.split("\n")), "text")
