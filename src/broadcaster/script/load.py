"""YAML script (schema version 1) → a typed, validated `Programme`.

Every error names the file, the line and the key, e.g.
``morning.yaml:14: items[2].pause: must be a number of seconds``.
Nothing past this module sees a raw dict.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from broadcaster.errors import ScriptError
from broadcaster.model import Limits, Pauses, Programme, Voice
from broadcaster.model.programme import DEFAULT_REPEAT_INTRO
from broadcaster.profiles import LOUDSPEAKER, ProfileError, SoundProfile, key_line, profile_from
from broadcaster.script.articles_from import items_with_articles, templated
from broadcaster.script.fields import Ctx, line_of, number, parse_music, parse_voice
from broadcaster.script.items import jingle_item
from broadcaster.yaml_lines import LocatedDict, LocatedList, load_located


_TOP_KEYS = {
    "version", "title", "date", "station", "voice", "fallback", "lexicon", "lexicon_file",
    "pauses", "segments", "repeat_intro", "items", "profile", "output", "intro", "outro", "music",
}


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
    ctx = Ctx(path)
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
    voice = parse_voice(ctx, doc.get("voice"), Voice(), "voice", doc.line_of("voice")) if "voice" in doc else Voice()
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
    # `articles_from:` items become one article item per file of the day.
    items, inbox_articles, warnings = items_with_articles(ctx, items_raw, voice, date)
    if not any(item.spoken for item in items):
        raise ctx.fail("the programme has nothing to say: add a text: or article: item", "items", doc.line_of("items"))
    # intro: and outro: are jingles before the first item and after the last
    # (numbered 0 and one past the last, so the script's own numbers stay).
    if "intro" in doc:
        items = (jingle_item(ctx, doc["intro"], "intro", doc.line_of("intro"), 0), *items)
    if "outro" in doc:
        items = (*items, jingle_item(ctx, doc["outro"], "outro", doc.line_of("outro"), max(i.index for i in items) + 1))
    music = parse_music(ctx, doc["music"], "music", doc.line_of("music")) if "music" in doc else None
    output = _string(ctx, doc, "output")
    programme = Programme(
        title=title, date=date, source=path, items=items, station=station, voice=voice,
        fallback=fallback, lexicon=lexicon, lexicon_files=lexicon_files, pauses=pauses,
        limits=limits, repeat_intro=repeat_intro, profile=profile, music=music,
        output=Path(output) if output else None, inbox_articles=inbox_articles, warnings=warnings,
    )
    return templated(ctx, doc, programme)  # {date}, {weekday}, {lunar}, {station}


def _string(ctx: Ctx, doc: LocatedDict, key: str, *, required: bool = False, prefix: str = "") -> str | None:
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


def _date(ctx: Ctx, doc: LocatedDict) -> dt.date:
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


def _profile(ctx: Ctx, doc: LocatedDict) -> SoundProfile:
    if "profile" not in doc:
        return LOUDSPEAKER
    raw = doc["profile"]
    try:
        return profile_from(raw, default_name=ctx.path.stem)
    except ProfileError as exc:
        key = f"profile.{exc.key}" if exc.key else "profile"
        raise ctx.fail(exc.message, key, key_line(raw, exc.key, doc.line_of("profile")) if exc.key else doc.line_of("profile")) from None


def _fallback(ctx: Ctx, doc: LocatedDict) -> tuple[str, ...]:
    value = doc.get("fallback", ["kokoro"])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ctx.fail("must be a list of engine names, e.g. [kokoro]", "fallback", doc.line_of("fallback"))
    return tuple(value)


def _lexicon(ctx: Ctx, doc: LocatedDict) -> dict:
    value = doc.get("lexicon") or {}
    if not isinstance(value, dict):
        raise ctx.fail("must be a mapping of written word → spoken form", "lexicon", doc.line_of("lexicon"))
    for word, spoken in value.items():
        if not isinstance(word, str) or not (isinstance(spoken, (str, dict))):
            raise ctx.fail("each entry maps a word to text or {say:, pinyin:}", f"lexicon.{word}", line_of(value, word, doc.line))
    return dict(value)


def _lexicon_files(ctx: Ctx, doc: LocatedDict) -> tuple[Path, ...]:
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


def _settings(ctx: Ctx, doc: LocatedDict, key: str, allowed: tuple[str, ...], example: str) -> dict | None:
    """A small mapping of settings (`pauses:`, `segments:`) with known keys, or None."""
    raw = doc.get(key)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ctx.fail(f"must be a mapping, e.g. {example}", key, doc.line_of(key))
    for k in raw:
        if k not in allowed:
            raise ctx.fail(f"unknown key; allowed: {', '.join(allowed)}", f"{key}.{k}", line_of(raw, k, doc.line))
    return raw


def _pauses(ctx: Ctx, doc: LocatedDict) -> Pauses:
    names = ("clause", "sentence", "paragraph", "headline", "item")
    raw = _settings(ctx, doc, "pauses", names, "{sentence: 0.5, paragraph: 1}")
    if raw is None:
        return Pauses()
    return Pauses(**{
        f"{k}_s": number(ctx, raw, k, f"pauses.{k}", line_of(raw, k, doc.line), low=0, high=30) for k in raw
    })


def _limits(ctx: Ctx, doc: LocatedDict) -> Limits:
    raw = _settings(ctx, doc, "segments", ("max_chars", "min_chars"), "{max_chars: 60, min_chars: 6}")
    if raw is None:
        return Limits()
    values = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 500:
            raise ctx.fail("must be a whole number of characters between 1 and 500", f"segments.{k}", line_of(raw, k, doc.line))
        values[k] = v
    limits = Limits(**values)
    if limits.min_chars * 2 > limits.max_chars:
        raise ctx.fail("max_chars must be at least twice min_chars", "segments", doc.line_of("segments"))
    return limits
