"""Reading what staff paste, upload or link, bounded in time and depth.

The readers run in a child process (`python -m broadcaster.web.extract`,
JSON in on stdin, JSON out on stdout) that is killed after `TIMEOUT_S`: the
web server never parses a document itself, so a hostile file costs the
child some seconds and never the server its memory or its threads. Before
parsing, markup nested deeper than `MAX_DEPTH` is refused: a page nested
50,000 levels deep is refused in well under a second instead of being read.

    >>> markup_depth(b"<div><p>hi</p><br><p>x</p></div>")
    2
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from broadcaster.errors import BroadcasterError, InputError, TextError

TIMEOUT_S = 30
MAX_DEPTH = 500
MAX_UPLOAD_BYTES = 20 * 2**20
# What staff upload: text, web pages, Word/WPS, OpenDocument, RTF, PDF. The
# readers route by content; this list is the door, checked against the name and the first bytes.
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".doc", ".wps", ".rtf", ".odt", ".pdf")
_REFUSED_MAGIC = {b"\x89PNG": "PNG 图片", b"\xff\xd8\xff": "JPEG 图片", b"GIF8": "GIF 图片", b"Rar!": "RAR 压缩包",
                  b"7z\xbc\xaf": "7z 压缩包", b"MZ": "程序文件", b"\x7fELF": "程序文件"}
_VOID = {b"br", b"img", b"hr", b"meta", b"link", b"input", b"area", b"base", b"col", b"embed", b"source", b"track", b"wbr",
         b"param", b"keygen"}
# [^<>]: a scan for one tag stops at the next "<", so "<a<a<a…" with no ">" is linear, not quadratic.
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9]*)[^<>]*?(/?)>")


@dataclass
class Extracted:
    cleaned: str
    spoken: list[str] = field(default_factory=list)
    reader: str = ""
    notes: list[str] = field(default_factory=list)
    readings: list[list] = field(default_factory=list)  # per spoken line, plain text and ruby marks (web/readings.py)


def markup_depth(data: bytes) -> int:
    """How deep tags nest, counting open minus closed tags (void and self-closed tags do not nest)."""
    depth = deepest = 0
    for closing, name, self_closed in _TAG.findall(data):
        if closing:
            depth = max(0, depth - 1)
        elif not self_closed and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def check_upload(name: str, data: bytes) -> None:
    """Refuse, with one Chinese line, what is not a document this tool reads."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(f"文件太大（上限 {MAX_UPLOAD_BYTES // 2**20} MB）", where=name)
    if not data:
        raise InputError("文件是空的", where=name)
    for magic, what in _REFUSED_MAGIC.items():  # what it is, said first: more helpful than "wrong name"
        if data.startswith(magic):
            raise InputError(f"这是{what}，不是文档", where=name)
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise InputError("不支持这种文件，请上传 txt、docx、doc、wps、pdf、html 等文档", where=name)


def extract(source: dict, lexicon_file: Path | None = None, timeout_s: float = TIMEOUT_S) -> Extracted:
    """Run the child on `source` ({"text": …} | {"file": path, "name": …} | {"url": …})."""
    request = json.dumps({**source, "lexicon_file": str(lexicon_file) if lexicon_file else None}, ensure_ascii=False)
    try:
        done = subprocess.run([sys.executable, "-m", "broadcaster.web.extract"], input=request.encode(),
                              capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise TextError(f"读取超过 {timeout_s:.0f} 秒，已停止：文档过大或结构异常") from None
    try:
        answer = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TextError(f"读取失败（{done.stderr.decode('utf-8', 'replace').strip()[-300:]}）") from None
    if "error" in answer:
        raise TextError(answer["error"])
    return Extracted(answer["cleaned"], answer["spoken"], answer["reader"], answer["notes"], answer["readings"])


def _read(request: dict) -> dict:
    from broadcaster.prepare import prepare
    from broadcaster.prepare.lexicon import build_lexicon, load_lexicon_file
    from broadcaster.prepare.pipeline import finish_document
    from broadcaster.prepare.readers import read_bytes
    from broadcaster.prepare.readers.fetch import is_url, read_url

    if "url" in request:
        if not is_url(request["url"]):
            raise InputError("链接须以 http:// 或 https:// 开头", where=request["url"])
        doc, where = read_url(request["url"]), request["url"]
    else:
        if "text" in request:
            data, where = request["text"].encode("utf-8"), "粘贴的文字"
        else:
            data, where = Path(request["file"]).read_bytes(), request.get("name", "上传的文件")
        if markup_depth(data[: 4 * 2**20]) > MAX_DEPTH:
            raise TextError(f"网页嵌套超过 {MAX_DEPTH} 层，不像正常文档，已拒绝", where=where)
        doc = read_bytes(data, Path(where).suffix.lower(), where)
    article = finish_document(doc, where=where)
    from broadcaster.web.readings import MAX_RUBY_CHARS, line_marks, station_says

    station_file = Path(request["lexicon_file"]) if request.get("lexicon_file") else None
    lexicon = build_lexicon(files=[station_file] if station_file and station_file.exists() else None)
    segments = prepare(article.text, lexicon=lexicon, headline=True)
    # The ruby over the review's lines, read here once for the text shown (jieba is loaded already).
    station = station_says(load_lexicon_file(station_file)) if station_file and station_file.exists() else {}
    notes = list(article.notes)
    if sum(len(s.spoken) for s in segments) > MAX_RUBY_CHARS:
        notes.append(f"文字较长，拼音只标在前 {MAX_RUBY_CHARS // 10_000} 万字上。")
    return {"cleaned": article.text, "spoken": [s.spoken for s in segments], "reader": article.reader,
            "notes": notes, "readings": line_marks(segments, station)}


def main() -> int:
    from broadcaster.web.job import error_in_chinese

    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    try:
        answer = _read(request)
    except (BroadcasterError, RecursionError, OSError) as exc:
        answer = {"error": error_in_chinese(exc)}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
