"""Every BROADCASTER_* environment variable, in one place, with one policy.

Each setting has a kind, a default and bounds. A bad value is bad input: one
line naming the variable and what it must be, exit status 2, and a render
checks them all before any work (`check_environment`), so a typo in a cron
job's environment fails at once instead of after half an hour of synthesis.

    >>> read("BROADCASTER_CACHE_MAX_MB", {"BROADCASTER_CACHE_MAX_MB": "512"})
    512.0
    >>> read("BROADCASTER_THREADS", {"BROADCASTER_THREADS": "two"})
    Traceback (most recent call last):
    broadcaster.errors.InputError: BROADCASTER_THREADS='two': must be a whole number from 1 to 64
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from broadcaster.errors import InputError


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # "int", "float", "choice", "path", "text"
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""


_ALL = [
    Setting("BROADCASTER_CACHE_DIR", "path", None, help="the cache folder [default: $XDG_CACHE_HOME/broadcaster]"),
    Setting("BROADCASTER_CACHE_MAX_MB", "float", 2048.0, 0, 10**7, help="the cache's size limit"),
    Setting("BROADCASTER_MODEL_DIR", "path", None, help="where the rewritten model is kept [default: <cache>/models]"),
    Setting("BROADCASTER_KOKORO_GRAPH", "choice", "auto", choices=("auto", "original", "im2col", "float"),
            help="form of the offline model [default: the one for this CPU]"),
    Setting("BROADCASTER_KOKORO_MAX_PHONEMES", "int", 120, 20, 510, help="longest piece the offline model runs at once"),
    Setting("BROADCASTER_THREADS", "int", None, 1, 64, help="inference threads [default: one per core]"),
    Setting("BROADCASTER_FFMPEG", "path", None, help="the ffmpeg to use [default: the one pip installed]"),
    Setting("BROADCASTER_LEXICON", "path", None, help="a station-wide lexicon file"),
    Setting("BROADCASTER_FETCH_MAX_AGE_S", "float", 86400.0, 0, 10**9, help="how long a fetched link is reused"),
    Setting("BROADCASTER_EDGE_CONCURRENCY", "int", 4, 1, 32),
    Setting("BROADCASTER_EDGE_ATTEMPTS", "int", 5, 1, 20),
    Setting("BROADCASTER_EDGE_BACKOFF_S", "float", 0.5, 0, 60),
    Setting("BROADCASTER_EDGE_BACKOFF_CAP_S", "float", 8.0, 0, 600),
    Setting("BROADCASTER_EDGE_CONNECT_TIMEOUT_S", "float", 10.0, 0.1, 600),
    Setting("BROADCASTER_EDGE_RECEIVE_TIMEOUT_S", "float", 30.0, 0.1, 600),
    Setting("BROADCASTER_EDGE_PROBE_S", "float", 2.0, 0, 60,
            help="how long one quick connection may take to tell that the network is down [0: off]"),
    Setting("BROADCASTER_EDGE_WSS_URL", "text", None, help="the speech service's address (a proxy, a test service)"),
    Setting("BROADCASTER_EDGE_VOICES_URL", "text", None),
    Setting("BROADCASTER_URGENT_IDLE_MIN", "float", 30.0, 0, 10080,
            help="serve: minutes without an urgent notice before the warm worker lets its model go"),
    Setting("BROADCASTER_URGENT_MAX_MB", "float", 1500.0, 100, 10**6,
            help="serve: the warm worker starts afresh after a notice that left it larger than this"),
    Setting("BROADCASTER_BROKER", "text", None, help="the county's task queue, redis://host:6379/0 [default: none, a local process pool]"),
    Setting("BROADCASTER_BROKER_HEARTBEAT_S", "float", 60.0, 1, 3600,
            help="a worker silent this long is taken for dead; its unfinished tasks go to another"),
]
SETTINGS = {s.name: s for s in _ALL}


def _bounds(s: Setting) -> str:
    return f"from {s.low:g} to {s.high:g}"


def read(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The value of setting `name` (its default when unset or empty)."""
    setting = SETTINGS[name]
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    if not raw:
        return setting.default
    if setting.kind in ("path", "text"):
        return raw
    if setting.kind == "choice":
        value = raw.lower()
        if value not in setting.choices:
            raise InputError(f"{name}={raw!r}: must be one of {', '.join(setting.choices)}")
        return value
    try:
        value = int(raw) if setting.kind == "int" else float(raw)
    except ValueError:
        value = None
    if value is None or not setting.low <= value <= setting.high:
        what = "a whole number" if setting.kind == "int" else "a number"
        raise InputError(f"{name}={raw!r}: must be {what} {_bounds(setting)}")
    return value


def check_environment(environ: Mapping[str, str] | None = None) -> None:
    """Read every setting once, so that a bad one is reported before any work."""
    for name in SETTINGS:
        read(name, environ)


def user_cache_dir() -> Path:
    """$XDG_CACHE_HOME/broadcaster, else ~/.cache/broadcaster."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "broadcaster"


def cache_dir() -> Path:
    explicit = read("BROADCASTER_CACHE_DIR")
    return Path(explicit) if explicit else user_cache_dir()
