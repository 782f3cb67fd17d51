"""`items:` entries → typed items (`model.programme`), one parser per kind.

A bare string is a text item. Every other entry is a mapping with exactly
one kind key (`jingle:`, `text:`, `article:`, `pause:`) and the shared keys
`title:`, `voice:`, `repeat:`, `music:` (the last three only where the kind is spoken).

    items:
      - jingle: chime
      - text: 各位村民请注意。
        repeat: 2
      - article: articles/notice.docx
      - pause: 2
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from broadcaster.links import check_url, is_url
from broadcaster.model import ArticleItem, Item, JingleItem, PauseItem, TextItem, Voice
from broadcaster.script.fields import Ctx, audio_path, line_of, number, parse_music, parse_voice
from broadcaster.yaml_lines import LocatedList

BUILTIN_JINGLES = ("chime", "chime-end", "start", "end", "attention", "alert")  # made in mix/jingles.py
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".doc", ".wps", ".pdf", ".rtf", ".odt")
_SHARED_KEYS = {"title", "voice", "repeat", "music"}


class _Entry:
    """One `items:` entry being parsed: its mapping, label and lines."""

    def __init__(self, ctx: Ctx, raw: dict, index: int, line: int, kind: str):
        self.ctx, self.raw, self.index, self.line, self.kind = ctx, raw, index, line, kind
        self.label = f"items[{index}]"
        self.where = f"{ctx.name}:{line}"
        self.title: str | None = None
        self.music = None

    def at(self, key: str) -> int:
        return line_of(self.raw, key, self.line)

    def fail(self, message: str, key: str | None = None) -> Exception:
        return self.ctx.fail(message, f"{self.label}.{key}" if key else self.label, self.at(key) if key else self.line)

    def common(self) -> dict[str, Any]:
        return {"index": self.index, "where": self.where, "title": self.title, "music": self.music}

    def path(self, value: str, suffixes: tuple[str, ...], extra: str = "") -> Path:
        path = (self.ctx.path.parent / value).resolve()
        if path.suffix.lower() not in suffixes:
            raise self.fail(f"{value}: expected a {'/'.join(suffixes)} file{extra}", self.kind)
        if not path.is_file():
            raise self.fail(f"file not found: {value}", self.kind)
        return path

    def value_text(self, message: str) -> str:
        value = self.raw[self.kind]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(message, self.kind)
        return value


def _pause(e: _Entry, voice: Voice, repeat: int) -> Item:
    seconds = number(e.ctx, e.raw, "pause", f"{e.label}.pause", e.at("pause"), low=0.05, high=600)
    return PauseItem(**e.common(), duration_s=seconds)


def jingle_item(ctx: Ctx, value: Any, key: str, line: int, index: int, title: str | None = None) -> JingleItem:
    """A jingle from a built-in name or an audio file (an item's `jingle:`, the programme's `intro:`/`outro:`)."""
    where = f"{ctx.name}:{line}"
    if isinstance(value, str) and value.strip() in BUILTIN_JINGLES:
        return JingleItem(index=index, where=where, title=title or value.strip(), builtin=value.strip())
    extra = f" or a built-in jingle ({', '.join(BUILTIN_JINGLES)})"
    path = audio_path(ctx, value, key, line, extra)
    return JingleItem(index=index, where=where, title=title or path.stem, path=path)


def _jingle(e: _Entry, voice: Voice, repeat: int) -> Item:
    return jingle_item(e.ctx, e.raw["jingle"], f"{e.label}.jingle", e.at("jingle"), e.index, e.title)


def _text(e: _Entry, voice: Voice, repeat: int) -> Item:
    return TextItem(**e.common(), voice=voice, repeat=repeat, text=e.value_text("must be non-empty text"))


def _article(e: _Entry, voice: Voice, repeat: int) -> Item:
    value = e.value_text("must be a file path")
    if is_url(value):
        if (problem := check_url(value)) is not None:
            raise e.fail(f"{value}: {problem}", "article")
        return ArticleItem(**e.common(), voice=voice, repeat=repeat, url=value.strip())
    return ArticleItem(**e.common(), voice=voice, repeat=repeat, path=e.path(value, ARTICLE_SUFFIXES))


# The kind key → its class (which says whether it is spoken) and its parser.
PARSERS: dict[str, tuple[type[Item], Callable[[_Entry, Voice, int], Item]]] = {
    "jingle": (JingleItem, _jingle),
    "text": (TextItem, _text),
    "article": (ArticleItem, _article),
    "pause": (PauseItem, _pause),
}


def parse_item(ctx: Ctx, items: LocatedList, i: int, programme_voice: Voice) -> Item:
    raw = items[i]
    line = items.line_of(i)
    label = f"items[{i + 1}]"
    keys = ", ".join(f"{k}:" for k in PARSERS)
    if isinstance(raw, str):  # a bare string is a text item
        raw = {"text": raw}
    if not isinstance(raw, dict):
        raise ctx.fail(f"must be a mapping with one of {keys}", label, line)
    kinds = [k for k in PARSERS if k in raw]
    if len(kinds) != 1:
        raise ctx.fail(f"needs exactly one of {keys}" + (f" (has {', '.join(kinds)})" if kinds else ""), label, line)
    allowed = set(PARSERS) | _SHARED_KEYS
    for k in raw:
        if k not in allowed:
            raise ctx.fail(f"unknown key; allowed: {', '.join(sorted(allowed))}", f"{label}.{k}", line_of(raw, k, line))
    entry = _Entry(ctx, raw, i + 1, line, kinds[0])
    cls, parse = PARSERS[kinds[0]]

    title = raw.get("title")
    if title is not None and (isinstance(title, (dict, list)) or not str(title).strip()):
        raise entry.fail("must be text", "title")
    entry.title = str(title).strip() if title is not None else None

    voice = programme_voice
    if "voice" in raw:
        if not cls.spoken:
            raise entry.fail("only text: and article: items are spoken", "voice")
        voice = parse_voice(ctx, raw["voice"], programme_voice, f"{label}.voice", entry.at("voice"))
    repeat = 1
    if "repeat" in raw:
        r = raw["repeat"]
        if not cls.spoken:
            raise entry.fail("only text: and article: items can repeat", "repeat")
        if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= 5:
            raise entry.fail("must be a whole number from 1 to 5", "repeat")
        repeat = r
    if "music" in raw:
        if not cls.spoken:
            raise entry.fail("only text: and article: items can have a music bed", "music")
        entry.music = parse_music(ctx, raw["music"], f"{label}.music", entry.at("music"))
    return parse(entry, voice, repeat)
