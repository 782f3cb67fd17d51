"""The .docx reader: paragraphs in order, Word's list numbers put back in
front of them, tables read row by row.

Tables are read row by row, cells joined with "，": in a notice the table
holds the facts a listener needs (who, how much, by when), and a row read in
one breath keeps those facts together, the way an announcer reads
"小麦，每亩五十元。". A table longer than `MAX_TABLE_ROWS` rows (name lists,
long ledgers) cannot be followed by ear; it is skipped and a note says so.

Text boxes and the "fallback" copies Word keeps of drawings are not read
(they repeat text or hold letterheads); nor are headers, footers, comments,
deleted text or field codes.
"""
from __future__ import annotations

from xml.etree.ElementTree import Element

from broadcaster.errors import TextError
from broadcaster.prepare.readers.base import MAX_DEPTH, Deadline, Document
from broadcaster.prepare.readers.numbering import W, Numbering
from broadcaster.prepare.readers.ooxml import open_package, read_part

MAX_TABLE_ROWS = 30
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {W + "txbxContent", _MC_FALLBACK, W + "del", W + "instrText", W + "delText", W + "footnoteReference",
         W + "endnoteReference", W + "commentReference", W + "pPr", W + "rPr"}
_CJK_END = "。！？；：，、”’」』）)…"


def _styles(root: Element | None) -> dict[str, tuple[str | None, str | None, str | None]]:
    """style id → (basedOn, numId, ilvl) for paragraph styles."""
    out = {}
    if root is None:
        return out
    for st in root.findall(W + "style"):
        num = st.find(f"{W}pPr/{W}numPr")
        based = st.find(W + "basedOn")
        out[st.get(W + "styleId", "")] = (
            None if based is None else based.get(W + "val"),
            None if num is None or num.find(W + "numId") is None else num.find(W + "numId").get(W + "val"),
            None if num is None or num.find(W + "ilvl") is None else num.find(W + "ilvl").get(W + "val"),
        )
    return out


def _num_ref(p: Element, styles: dict) -> tuple[str, int] | None:
    """(numId, level) of a numbered paragraph: its own numPr, else its style's."""
    ppr = p.find(W + "pPr")
    num = ppr.find(W + "numPr") if ppr is not None else None
    num_id = ilvl = None
    if num is not None:
        el = num.find(W + "numId")
        num_id = el.get(W + "val") if el is not None else None
        el = num.find(W + "ilvl")
        ilvl = el.get(W + "val") if el is not None else None
    style = ppr.find(W + "pStyle") if ppr is not None else None
    sid, hops = (style.get(W + "val") if style is not None else None), 0
    while (num_id is None or ilvl is None) and sid in styles and hops < 20:
        based, s_num, s_lvl = styles[sid]
        num_id = num_id if num_id is not None else s_num
        ilvl = ilvl if ilvl is not None else s_lvl
        sid, hops = based, hops + 1
    if num_id is None or num_id == "0":
        return None
    return num_id, int(ilvl) if ilvl and ilvl.isdigit() else 0


def _run_text(p: Element) -> str:
    """The visible text of a paragraph (walked without recursion)."""
    parts: list[str] = []
    stack = [iter(p)]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
            continue
        tag = el.tag
        if tag in _SKIP:
            continue
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag == W + "tab":
            parts.append(" ")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif len(el) and len(stack) < MAX_DEPTH:
            stack.append(iter(el))
    return "".join(parts)


class _Reader:
    def __init__(self, numbering: Numbering, styles: dict, deadline: Deadline):
        self.numbering, self.styles, self.deadline = numbering, styles, deadline
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.tables = 0

    def paragraph(self, p: Element) -> str:
        text = _run_text(p)
        ref = _num_ref(p, self.styles)
        if ref is not None and text.strip():
            text = self.numbering.label(*ref) + text.lstrip()
        return text

    def block(self, container: Element, depth: int = 0) -> list[str]:
        """Paragraphs and tables of a body, cell or content control, in order."""
        out: list[str] = []
        if depth > 50:
            raise TextError("the document is nested too deeply to read (tables or content controls)", where=self.deadline.where)
        for el in container:
            if el.tag == W + "p":
                out.extend(self.paragraph(el).split("\n"))
            elif el.tag == W + "tbl":
                out.extend(self.table(el, depth))
            elif el.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "smartTag"):
                out.extend(self.block(el, depth + 1))
            self.deadline.check()
        return out

    def table(self, tbl: Element, depth: int) -> list[str]:
        rows = tbl.findall(W + "tr")
        if depth == 0:
            self.tables += 1
            if len(rows) > MAX_TABLE_ROWS:
                self.notes.append(f"table {self.tables} ({len(rows)} rows) skipped: too long to follow by ear")
                return []
        lines = []
        for tr in rows:
            cells = []
            for tc in tr.findall(W + "tc"):
                text = "，".join(t.strip() for t in self.block(tc, depth + 1) if t.strip())
                if text and (not cells or cells[-1] != text):
                    cells.append(text.rstrip("，、；"))
            if cells:
                row = "，".join(c.rstrip("。") for c in cells)
                lines.append(row if row[-1] in _CJK_END else row + "。")
        return lines if depth == 0 else ["，".join(lines)]


def read_docx(data: bytes, where: str, deadline: Deadline) -> Document:
    zf = open_package(data, where)
    document = read_part(zf, "word/document.xml", where)
    body = document.find(W + "body")
    if body is None:
        raise TextError("this .docx has no document body", where=where)
    numbering = Numbering(read_part(zf, "word/numbering.xml", where, required=False))
    styles = _styles(read_part(zf, "word/styles.xml", where, required=False))
    reader = _Reader(numbering, styles, deadline)
    lines = reader.block(body)
    return Document(tuple(lines), "docx", tuple(reader.notes))
