"""What every part of the script parser shares: error context and field readers."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from broadcaster.errors import InputError, ScriptError
from broadcaster.model import Voice
from broadcaster.yaml_lines import LocatedDict, LocatedList

VOICE_KEYS = {"engine", "name", "rate", "volume", "pitch"}


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
