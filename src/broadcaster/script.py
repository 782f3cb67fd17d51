"""YAML script (schema version 1) → a typed, validated `Programme`.

Every error names the file, the line and the key, e.g.
``morning.yaml:14: items[2].pause: must be a number of seconds``.
Nothing past this module sees a raw dict.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from broadcaster.errors import InputError, ScriptError
from broadcaster.profiles import LOUDSPEAKER, ProfileError, SoundProfile, profile_from
from broadcaster.text import Limits
from broadcaster.text.readers.fetch import check_url, is_url
from broadcaster.tts.base import Voice
from broadcaster.yaml_lines import LocatedDict, LocatedList, load_located

BUILTIN_JINGLES = ("chime", "chime-end")
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".flac", ".m4a", ".aac", ".opus")
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".doc", ".wps", ".pdf", ".rtf", ".odt")
ITEM_KINDS = ("jingle", "text", "article", "pause")
DEFAULT_REPEAT_INTRO = "下面重复播送一遍。"


@dataclass(frozen=True)
class Pauses:
    """Silence, in seconds, inserted after each kind of boundary."""

    clause_s: float = 0.25
    sentence_s: float = 0.45
    paragraph_s: float = 0.9
    headline_s: float = 1.2
    item_s: float = 1.5


@dataclass(frozen=True)
class Item:
    kind: str  # one of ITEM_KINDS
    index: int  # 1-based position in the script
    where: str  # "file:line" for messages
    title: str | None = None
    voice: Voice | None = None
    text: str | None = None  # kind "text"
    path: Path | None = None  # kind "article", or a jingle file
    url: str | None = None  # kind "article" given as an http(s) link
    jingle: str | None = None  # built-in jingle name
    duration_s: float = 0.0  # kind "pause"
    repeat: int = 1

    @property
    def spoken(self) -> bool:
        return self.kind in ("text", "article")


@dataclass(frozen=True)
class Programme:
    title: str
    date: dt.date
    source: Path
    items: tuple[Item, ...]
    station: str | None = None
    voice: Voice = field(default_factory=Voice)
    fallback: tuple[str, ...] = ("kokoro",)
    lexicon: dict = field(default_factory=dict)
    lexicon_files: tuple[Path, ...] = ()
    pauses: Pauses = field(default_factory=Pauses)
    limits: Limits = field(default_factory=Limits)
    repeat_intro: str = DEFAULT_REPEAT_INTRO
    profile: SoundProfile = LOUDSPEAKER
    # The daily job (issue 12): `output:` (templated), articles taken from
    # inboxes as (inbox folder, file) pairs, and what was skipped there.
    output: Path | None = None
    inbox_articles: tuple[tuple[Path, Path], ...] = ()
    warnings: tuple[str, ...] = ()


_TOP_KEYS = {
    "version", "title", "date", "station", "voice", "fallback", "lexicon", "lexicon_file",
    "pauses", "segments", "repeat_intro", "items", "profile", "output",
}
_VOICE_KEYS = {"engine", "name", "rate", "volume", "pitch"}
_ITEM_KEYS = {"jingle", "text", "article", "pause", "title", "voice", "repeat"}


class _Ctx:
    """Builds `file:line: key: message` errors."""

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)

    def fail(self, message: str, key: str, line: int) -> ScriptError:
        return ScriptError(f"{key}: {message}", where=f"{self.name}:{line}")


def load_script(path: str | Path, date: dt.date | None = None) -> Programme:
    """The programme in `path`; `date` (render --date) overrides the script's own."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScriptError("script file not found", where=str(path)) from None
    except OSError as exc:
        raise ScriptError(f"cannot read script: {exc.strerror}", where=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScriptError("script is not UTF-8 text", where=str(path)) from None
    return parse_script(text, path, date)


def parse_script(text: str, path: Path, date: dt.date | None = None) -> Programme:
    ctx = _Ctx(path)
    doc = load_located(text, ctx.name)
    if not isinstance(doc, LocatedDict):
        raise ScriptError("a script is a mapping with title: and items:", where=f"{ctx.name}:1")
    for key in doc:
        if key not in _TOP_KEYS:
            raise ctx.fail(f"unknown key; allowed: {', '.join(sorted(_TOP_KEYS))}", str(key), doc.line_of(key))
    if doc.get("version", 1) != 1:
        raise ctx.fail("only schema version 1 is supported", "version", doc.line_of("version"))

    title = _string(ctx, doc, "title", required=True)
    date = date or _date(ctx, doc)
    station = _string(ctx, doc, "station")
    voice = _voice(ctx, doc.get("voice"), Voice(), "voice", doc.line_of("voice")) if "voice" in doc else Voice()
    fallback = _fallback(ctx, doc)
    lexicon = _lexicon(ctx, doc)
    lexicon_files = _lexicon_files(ctx, doc)
    pauses = _pauses(ctx, doc)
    limits = _limits(ctx, doc)
    repeat_intro = _string(ctx, doc, "repeat_intro") or DEFAULT_REPEAT_INTRO
    profile = _profile(ctx, doc)

    items_raw = doc.get("items")
    if items_raw is None:
        raise ctx.fail("is required: the list of things to broadcast", "items", doc.line)
    if not isinstance(items_raw, LocatedList):
        raise ctx.fail("must be a list", "items", doc.line_of("items"))
    # The daily job (issue 12): articles_from: items and {date}-style templates.
    from broadcaster.daily.expand import items_with_articles, templated

    items, inbox_articles, warnings = items_with_articles(ctx, items_raw, voice, date)
    if not any(item.spoken for item in items):
        raise ctx.fail("the programme has nothing to say: add a text: or article: item", "items", doc.line_of("items"))
    programme = Programme(
        title=title, date=date, source=path, items=items, station=station, voice=voice,
        fallback=fallback, lexicon=lexicon, lexicon_files=lexicon_files, pauses=pauses,
        limits=limits, repeat_intro=repeat_intro, profile=profile,
        output=_string(ctx, doc, "output") and Path(_string(ctx, doc, "output")), inbox_articles=inbox_articles, warnings=warnings,
    )
    return templated(ctx, doc, programme)


def _string(ctx: _Ctx, doc: LocatedDict, key: str, *, required: bool = False, prefix: str = "") -> str | None:
    if key not in doc or doc[key] is None:
        if required:
            raise ctx.fail("is required", prefix + key, doc.line)
        return None
    value = doc[key]
    if isinstance(value, (dict, list)) or isinstance(value, bool):
        raise ctx.fail("must be text", prefix + key, doc.line_of(key))
    value = str(value).strip()
    if required and not value:
        raise ctx.fail("must not be empty", prefix + key, doc.line_of(key))
    return value


def _date(ctx: _Ctx, doc: LocatedDict) -> dt.date:
    value = doc.get("date")
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ctx.fail("must be a date like 2026-12-05", "date", doc.line_of("date")) from None


def _voice(ctx: _Ctx, raw: Any, base: Voice, key: str, line: int) -> Voice:
    if isinstance(raw, str):  # shorthand: `voice: jm_kumo`
        raw = {"name": raw}
    if not isinstance(raw, dict):
        raise ctx.fail("must be a mapping like {engine: kokoro, name: jf_alpha}", key, line)
    for k in raw:
        if k not in _VOICE_KEYS:
            raise ctx.fail(f"unknown key; allowed: {', '.join(sorted(_VOICE_KEYS))}", f"{key}.{k}", _line(raw, k, line))
    fields = {k: str(v) for k, v in raw.items() if v is not None}
    if "engine" in fields and fields["engine"] != base.engine and "name" not in fields:
        fields["name"] = None  # a new engine starts from its own default voice
    try:
        return replace(base, **fields)
    except InputError as exc:
        bad = next((k for k in ("rate", "volume", "pitch") if k in exc.message), "")
        raise ctx.fail(exc.message, f"{key}.{bad}" if bad else key, _line(raw, bad, line)) from None


def _line(container: Any, key: Any, default: int) -> int:
    return container.line_of(key) if isinstance(container, (LocatedDict, LocatedList)) else default


def _profile(ctx: _Ctx, doc: LocatedDict) -> SoundProfile:
    if "profile" not in doc:
        return LOUDSPEAKER
    raw = doc["profile"]
    try:
        return profile_from(raw, default_name=ctx.path.stem)
    except ProfileError as exc:
        key = f"profile.{exc.key}" if exc.key else "profile"
        raise ctx.fail(exc.message, key, _line(raw, exc.key, doc.line_of("profile")) if exc.key else doc.line_of("profile")) from None


def _fallback(ctx: _Ctx, doc: LocatedDict) -> tuple[str, ...]:
    value = doc.get("fallback", ["kokoro"])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ctx.fail("must be a list of engine names, e.g. [kokoro]", "fallback", doc.line_of("fallback"))
    return tuple(value)


def _lexicon(ctx: _Ctx, doc: LocatedDict) -> dict:
    value = doc.get("lexicon") or {}
    if not isinstance(value, dict):
        raise ctx.fail("must be a mapping of written word → spoken form", "lexicon", doc.line_of("lexicon"))
    for word, spoken in value.items():
        if not isinstance(word, str) or not (isinstance(spoken, (str, dict))):
            raise ctx.fail("each entry maps a word to text or {say:, pinyin:}", f"lexicon.{word}", _line(value, word, doc.line))
    return dict(value)


def _lexicon_files(ctx: _Ctx, doc: LocatedDict) -> tuple[Path, ...]:
    value = doc.get("lexicon_file")
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        p = (ctx.path.parent / str(v)).resolve()
        if not p.is_file():
            raise ctx.fail(f"file not found: {v}", "lexicon_file", doc.line_of("lexicon_file"))
        out.append(p)
    return tuple(out)


def _number(ctx: _Ctx, container: Any, key: str, label: str, line: int, *, low: float, high: float) -> float:
    """A number of seconds within [low, high]."""
    value = container[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.fail("must be a number of seconds", label, line)
    if not low <= value <= high:
        raise ctx.fail(f"must be between {low:g} and {high:g}", label, line)
    return float(value)


def _settings(ctx: _Ctx, doc: LocatedDict, key: str, allowed: tuple[str, ...], example: str) -> dict | None:
    """A small mapping of settings (`pauses:`, `segments:`) with known keys, or None."""
    raw = doc.get(key)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ctx.fail(f"must be a mapping, e.g. {example}", key, doc.line_of(key))
    for k in raw:
        if k not in allowed:
            raise ctx.fail(f"unknown key; allowed: {', '.join(allowed)}", f"{key}.{k}", _line(raw, k, doc.line))
    return raw


def _pauses(ctx: _Ctx, doc: LocatedDict) -> Pauses:
    names = ("clause", "sentence", "paragraph", "headline", "item")
    raw = _settings(ctx, doc, "pauses", names, "{sentence: 0.5, paragraph: 1}")
    if raw is None:
        return Pauses()
    return Pauses(**{
        f"{k}_s": _number(ctx, raw, k, f"pauses.{k}", _line(raw, k, doc.line), low=0, high=30) for k in raw
    })


def _limits(ctx: _Ctx, doc: LocatedDict) -> Limits:
    raw = _settings(ctx, doc, "segments", ("max_chars", "min_chars"), "{max_chars: 60, min_chars: 6}")
    if raw is None:
        return Limits()
    values = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 500:
            raise ctx.fail("must be a whole number of characters between 1 and 500", f"segments.{k}", _line(raw, k, doc.line))
        values[k] = v
    limits = Limits(**values)
    if limits.min_chars * 2 > limits.max_chars:
        raise ctx.fail("max_chars must be at least twice min_chars", "segments", doc.line_of("segments"))
    return limits


def _item(ctx: _Ctx, items: LocatedList, i: int, programme_voice: Voice) -> Item:
    raw = items[i]
    line = items.line_of(i)
    label = f"items[{i + 1}]"
    where = f"{ctx.name}:{line}"
    if isinstance(raw, str):  # a bare string is a text item
        raw = {"text": raw}
    if not isinstance(raw, dict):
        raise ctx.fail("must be a mapping with one of jingle:, text:, article:, pause:", label, line)
    kinds = [k for k in ITEM_KINDS if k in raw]
    if len(kinds) != 1:
        raise ctx.fail(
            "needs exactly one of jingle:, text:, article:, pause:" + (f" (has {', '.join(kinds)})" if kinds else ""),
            label, line,
        )
    for k in raw:
        if k not in _ITEM_KEYS:
            raise ctx.fail(f"unknown key; allowed: {', '.join(sorted(_ITEM_KEYS))}", f"{label}.{k}", _line(raw, k, line))
    kind = kinds[0]
    at = lambda k: _line(raw, k, line)  # noqa: E731
    title = raw.get("title")
    if title is not None and (isinstance(title, (dict, list)) or not str(title).strip()):
        raise ctx.fail("must be text", f"{label}.title", at("title"))
    title = str(title).strip() if title is not None else None

    voice = programme_voice
    if "voice" in raw:
        if kind not in ("text", "article"):
            raise ctx.fail("only text: and article: items are spoken", f"{label}.voice", at("voice"))
        voice = _voice(ctx, raw["voice"], programme_voice, f"{label}.voice", at("voice"))

    repeat = 1
    if "repeat" in raw:
        r = raw["repeat"]
        if kind not in ("text", "article"):
            raise ctx.fail("only text: and article: items can repeat", f"{label}.repeat", at("repeat"))
        if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= 5:
            raise ctx.fail("must be a whole number from 1 to 5", f"{label}.repeat", at("repeat"))
        repeat = r

    value = raw[kind]
    if kind == "pause":
        seconds = _number(ctx, raw, "pause", f"{label}.pause", at("pause"), low=0.05, high=600)
        return Item("pause", i + 1, where, title=title, duration_s=seconds)
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise ctx.fail("must be non-empty text", f"{label}.text", at("text"))
        return Item("text", i + 1, where, title=title, voice=voice, text=value, repeat=repeat)
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail("must be a file path" if kind == "article" else "must be a built-in name or a file path", f"{label}.{kind}", at(kind))
    if kind == "jingle" and value in BUILTIN_JINGLES:
        return Item("jingle", i + 1, where, title=title or value, jingle=value)
    if kind == "article" and is_url(value):
        if (problem := check_url(value)) is not None:
            raise ctx.fail(f"{value}: {problem}", f"{label}.article", at("article"))
        return Item("article", i + 1, where, title=title, voice=voice, url=value.strip(), repeat=repeat)
    path = (ctx.path.parent / value).resolve()
    suffixes = ARTICLE_SUFFIXES if kind == "article" else AUDIO_SUFFIXES
    if path.suffix.lower() not in suffixes:
        extra = f" or a built-in jingle ({', '.join(BUILTIN_JINGLES)})" if kind == "jingle" else ""
        raise ctx.fail(f"{value}: expected a {'/'.join(suffixes)} file{extra}", f"{label}.{kind}", at(kind))
    if not path.is_file():
        raise ctx.fail(f"file not found: {value}", f"{label}.{kind}", at(kind))
    if kind == "jingle":
        return Item("jingle", i + 1, where, title=title or path.stem, path=path)
    return Item("article", i + 1, where, title=title, voice=voice, path=path, repeat=repeat)
