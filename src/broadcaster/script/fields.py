"""What every part of the script parser shares: error context and field readers."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from broadcaster.errors import InputError, ScriptError
from broadcaster.model import MusicBed, Voice
from broadcaster.yaml_lines import LocatedDict, LocatedList

VOICE_KEYS = {"engine", "name", "rate", "volume", "pitch"}
MUSIC_KEYS = ("file", "level_db", "duck_db")
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".flac", ".m4a", ".aac", ".opus")


class Ctx:
    """Builds `file:line: key: message` errors."""

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)

    def fail(self, message: str, key: str, line: int) -> ScriptError:
        return ScriptError(f"{key}: {message}", where=f"{self.name}:{line}")


def parse_voice(ctx: Ctx, raw: Any, base: Voice, key: str, line: int) -> Voice:
    if isinstance(raw, str):  # shorthand: `voice: jm_kumo`
        raw = {"name": raw}
    if not isinstance(raw, dict):
        raise ctx.fail("must be a mapping like {engine: kokoro, name: jf_alpha}", key, line)
    for k in raw:
        if k not in VOICE_KEYS:
            raise ctx.fail(f"unknown key; allowed: {', '.join(sorted(VOICE_KEYS))}", f"{key}.{k}", line_of(raw, k, line))
    fields = {k: str(v) for k, v in raw.items() if v is not None}
    if "engine" in fields and fields["engine"] != base.engine and "name" not in fields:
        fields["name"] = None  # a new engine starts from its own default voice
    try:
        return replace(base, **fields)
    except InputError as exc:
        bad = next((k for k in ("rate", "volume", "pitch") if k in exc.message), "")
        raise ctx.fail(exc.message, f"{key}.{bad}" if bad else key, line_of(raw, bad, line)) from None


def line_of(container: Any, key: Any, default: int) -> int:
    return container.line_of(key) if isinstance(container, (LocatedDict, LocatedList)) else default


def number(ctx: Ctx, container: Any, key: str, label: str, line: int, *, low: float, high: float) -> float:
    """A number of seconds within [low, high]."""
    value = container[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.fail("must be a number of seconds", label, line)
    if not low <= value <= high:
        raise ctx.fail(f"must be between {low:g} and {high:g}", label, line)
    return float(value)


def audio_path(ctx: Ctx, value: Any, key: str, line: int, extra: str = "") -> Path:
    """An audio file named relative to the script, which must exist."""
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail(f"must be a file path{extra}", key, line)
    path = (ctx.path.parent / value).resolve()
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise ctx.fail(f"{value}: expected a {'/'.join(AUDIO_SUFFIXES)} file{extra}", key, line)
    if not path.is_file():
        raise ctx.fail(f"file not found: {value}", key, line)
    return path


def parse_music(ctx: Ctx, raw: Any, key: str, line: int) -> MusicBed:
    """`music: bed.mp3` or `music: {file: bed.mp3, level_db: -20, duck_db: -12}`."""
    if isinstance(raw, str):
        raw = {"file": raw}
    if not isinstance(raw, dict) or "file" not in raw:
        raise ctx.fail("must be a file or a mapping like {file: bed.mp3, level_db: -20, duck_db: -12}", key, line)
    for k in raw:
        if k not in MUSIC_KEYS:
            raise ctx.fail(f"unknown key; allowed: {', '.join(MUSIC_KEYS)}", f"{key}.{k}", line_of(raw, k, line))
    values: dict[str, Any] = {"path": audio_path(ctx, raw["file"], f"{key}.file", line_of(raw, "file", line))}
    for k, low, high in (("level_db", -60.0, 0.0), ("duck_db", -40.0, 0.0)):
        if k in raw:
            v = raw[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not low <= v <= high:
                raise ctx.fail(f"must be a number of dB between {low:g} and {high:g}", f"{key}.{k}", line_of(raw, k, line))
            values[k] = float(v)
    return MusicBed(**values)
