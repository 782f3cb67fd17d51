"""Sound profiles: how a programme must sound and be encoded for where it plays.

A profile is a named, frozen set of values that the mix and the encoder read
(format, sample rate, channels, MP3 bitrate, loudness target, true-peak
ceiling, processing, lead-in and tail, tags and file naming). The built-ins:

- `loudspeaker` (default): horn loudspeakers on poles; the horn chain
  (mix/horn.py), mono 44.1 kHz 128 kbps, -16 LUFS, -1 dBTP;
- `ip-broadcast`: IP broadcast terminals and 4G cloud speakers that take MP3
  uploads over thin links: as loudspeaker at 64 kbps;
- `sdcard`: cheap SD-card/USB player boards: mono, CBR, 44.1 kHz, a small
  ID3v2.3 tag (title and track only, no Xing header), numbered item files;
- `web`: WeChat posts and web pages: stereo (the mono speech on both
  channels), -16 LUFS, no horn processing;
- `screen`: the audio of the outdoor-screen video: 48 kHz, -16 LUFS, no
  horn processing.

Profiles sit
in a registry, like engines, so that tests and plug-ins add their own:

    >>> from broadcaster.profiles import SoundProfile, get_profile, register_profile
    >>> register_profile(SoundProfile("quiet-hall", target_lufs=-20.0))
    >>> get_profile("quiet-hall").ceiling_dbtp
    -1.0

Every profile also says how an urgent notice sounds (`say --urgent`, the
web's 紧急插播): `urgent: {tone: alert, repeat: 2, pause_s: 1.5}`, the tone
before the text, how many times the text is spoken, and the silence after
the tone and between the repeats (`UrgentStyle`).

A script picks one with `profile: loudspeaker`, or defines its own from a
base with `profile: {base: loudspeaker, target_lufs: -18}`; `render
--profile` takes a name or a YAML file holding such a mapping. The manifest
records the values actually used.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from broadcaster.errors import InputError

# What LAME encodes as constant bitrate for MPEG-1 layer III (32-48 kHz).
MP3_BITRATES_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
MP3_RATES_HZ = (32000, 44100, 48000)
# The fields that take a word, and the words each takes.
CHOICES = {
    "format": ("mp3",),
    "processing": ("horn", "none"),  # horn: high-pass, presence lift, light compression (mix/horn.py)
    "naming": ("pinyin", "number"),  # items/01-gewei-cunmin.mp3 or items/01.mp3
    "tags": ("full", "small"),  # small: ID3v2.3 title and track only, no Xing header (cheap decoder chips)
}


# Built-in jingles (mix/jingles.py) an urgent notice may open with.
URGENT_TONES = ("alert", "attention", "chime", "start")
_URGENT_KEYS = ("tone", "repeat", "pause_s")


@dataclass(frozen=True)
class UrgentStyle:
    """How an urgent notice is laid out: `tone`, pause, the text, and
    `repeat - 1` times more: pause, the text."""

    tone: str = "alert"
    repeat: int = 2
    pause_s: float = 1.5

    def problem(self) -> tuple[str, str] | None:
        if self.tone not in URGENT_TONES:
            return "urgent.tone", f"must be one of {', '.join(URGENT_TONES)}"
        if isinstance(self.repeat, bool) or not isinstance(self.repeat, int) or not 1 <= self.repeat <= 5:
            return "urgent.repeat", "must be a whole number from 1 to 5"
        if isinstance(self.pause_s, bool) or not isinstance(self.pause_s, (int, float)) or not 0.0 <= self.pause_s <= 10.0:
            return "urgent.pause_s", "must be a number of seconds from 0 to 10"
        return None


@dataclass(frozen=True)
class SoundProfile:
    name: str
    rate_hz: int = 44100  # what MP3 players and loudspeaker boxes expect
    channels: int = 1  # 2: the (mono) programme on both channels, for stereo players
    format: str = "mp3"
    bitrate_kbps: int = 128  # CBR
    target_lufs: float = -16.0  # integrated loudness of the written file (the usual level for speech as files)
    ceiling_dbtp: float = -1.0  # true peak of the written file
    lead_in_s: float = 0.3  # players and amplifiers often swallow the first instant
    tail_s: float = 0.6
    processing: str = "horn"
    naming: str = "pinyin"
    tags: str = "full"
    description: str = ""
    video: bool = False  # also write programme.mp4 and programme.ticker.txt (package/video.py)
    video_size: str = "1920x1080"  # the screen's exact pixel size, WIDTHxHEIGHT
    urgent: UrgentStyle = UrgentStyle()  # an urgent notice's tone, repeats and pauses

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            key, message = problem
            raise InputError(f"profile {self.name!r}: {key}: {message}")

    @property
    def bitrate(self) -> str:
        """The bitrate as ffmpeg spells it: "128k"."""
        return f"{self.bitrate_kbps}k"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _problem(p: SoundProfile) -> tuple[str, str] | None:
    for key, allowed in CHOICES.items():
        if getattr(p, key) not in allowed:
            return key, f"must be one of {', '.join(allowed)}"
    if p.channels not in (1, 2):
        return "channels", "must be 1 or 2"
    if p.rate_hz not in MP3_RATES_HZ:
        return "rate_hz", f"must be one of {', '.join(map(str, MP3_RATES_HZ))}"
    if p.bitrate_kbps not in MP3_BITRATES_KBPS:
        return "bitrate_kbps", f"must be one of {', '.join(map(str, MP3_BITRATES_KBPS))}"
    if not -40.0 <= p.target_lufs <= -5.0:
        return "target_lufs", "must be between -40 and -5 LUFS"
    if not -12.0 <= p.ceiling_dbtp <= 0.0:
        return "ceiling_dbtp", "must be between -12 and 0 dBTP"
    if p.ceiling_dbtp <= p.target_lufs:
        return "ceiling_dbtp", "must be above target_lufs"
    for key in ("lead_in_s", "tail_s"):
        if not 0.0 <= getattr(p, key) <= 10.0:
            return key, "must be between 0 and 10 seconds"
    size = re.fullmatch(r"([1-9][0-9]{1,3})x([1-9][0-9]{1,3})", p.video_size)
    if not size or any(int(side) % 2 or not 64 <= int(side) <= 7680 for side in size.groups()):
        return "video_size", "must be WIDTHxHEIGHT in even pixels from 64 to 7680, e.g. 1920x1080"
    return p.urgent.problem()


LOUDSPEAKER = SoundProfile(
    "loudspeaker",
    description="village horn loudspeakers: the horn chain, mono MP3, 44.1 kHz, 128 kbps CBR, -16 LUFS, -1 dBTP",
)

# Outdoor big screens (户外大屏) and 视频号: 48 kHz, the rate of video; -14 LUFS,
# louder than the loudspeaker's -16, because a screen's small speakers play
# into a noisy square and phone video platforms sit near -14.
SCREEN = SoundProfile(
    "screen", rate_hz=48000, bitrate_kbps=192, target_lufs=-14.0, processing="none", video=True,
    description="outdoor screens and 视频号: programme.mp4 (H.264+AAC, 1920x1080, burned-in captions), 48 kHz, 192 kbps, -14 LUFS, no horn processing",
)
_BUILTINS = (
    LOUDSPEAKER,
    SoundProfile("ip-broadcast", bitrate_kbps=64,
                 description="IP broadcast terminals and 4G cloud speakers (MP3 uploads): as loudspeaker, 64 kbps"),
    SoundProfile("sdcard", naming="number", tags="small",
                 description="SD-card and USB MP3 player boards: mono, CBR 128 kbps, 44.1 kHz, small ID3v2.3 tag, numbered files"),
    SoundProfile("web", channels=2, processing="none",
                 description="WeChat posts and web pages: stereo-compatible, 44.1 kHz, 128 kbps, -16 LUFS, -1 dBTP, no horn processing"),
    SCREEN,
)
_profiles: dict[str, SoundProfile] = {p.name: p for p in _BUILTINS}
DEFAULT_PROFILE = LOUDSPEAKER.name
_OTHER_KEYS = {"video": bool, "video_size": str}
_NUMBER_KEYS = {f.name: f.type for f in fields(SoundProfile) if f.name not in ("name", "description", "urgent", *CHOICES, *_OTHER_KEYS)}


def register_profile(profile: SoundProfile, *, replace_existing: bool = False) -> None:
    if profile.name in _profiles and not replace_existing:
        raise ValueError(f"profile {profile.name!r} is already registered")
    _profiles[profile.name] = profile


def unregister_profile(name: str) -> None:
    if name not in {p.name for p in _BUILTINS}:
        _profiles.pop(name, None)


def profile_names() -> list[str]:
    return sorted(_profiles)


def get_profile(name: str) -> SoundProfile:
    try:
        return _profiles[name]
    except KeyError:
        raise InputError(f"unknown profile {name!r}; known: {', '.join(profile_names())}") from None


class ProfileError(Exception):
    """A profile mapping is wrong; `key` names the field."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def profile_from(raw: Any, default_name: str = "custom") -> SoundProfile:
    """A profile from a script's or a file's `profile:` value: a registered
    name, or a mapping of fields with an optional `base:` (default
    loudspeaker) and `name:`. Raises ProfileError naming the field."""
    if isinstance(raw, str):
        try:
            return get_profile(raw)
        except InputError as exc:
            raise ProfileError("", exc.message) from None
    if not isinstance(raw, dict):
        raise ProfileError("", "must be a profile name or a mapping like {base: loudspeaker, target_lufs: -18}")
    base_name = raw.get("base", DEFAULT_PROFILE)
    if not isinstance(base_name, str) or base_name not in _profiles:
        raise ProfileError("base", f"unknown profile {base_name!r}; known: {', '.join(profile_names())}")
    values: dict[str, Any] = {"name": str(raw.get("name") or default_name)}
    for key, value in raw.items():
        if key in ("base", "name"):
            continue
        if key == "description":
            values[key] = str(value)
            continue
        if key == "urgent":
            values[key] = urgent_from(value, _profiles[base_name].urgent)
            continue
        if key in CHOICES:
            if not isinstance(value, str) or value not in CHOICES[key]:
                raise ProfileError(key, f"must be one of {', '.join(CHOICES[key])}")
            values[key] = value
            continue
        if key in _OTHER_KEYS:
            if not isinstance(value, _OTHER_KEYS[key]):
                raise ProfileError(key, "must be true or false" if key == "video" else "must be WIDTHxHEIGHT, e.g. 1920x1080")
            values[key] = value
            continue
        if key not in _NUMBER_KEYS:
            allowed = sorted([*_NUMBER_KEYS, *CHOICES, *_OTHER_KEYS, "urgent"])
            raise ProfileError(key, f"unknown key; allowed: {', '.join(['base', 'name', 'description', *allowed])}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProfileError(key, "must be a number")
        values[key] = int(value) if _NUMBER_KEYS[key] in (int, "int") else float(value)
        if values[key] != value and _NUMBER_KEYS[key] in (int, "int"):
            raise ProfileError(key, "must be a whole number")
    try:
        return replace(_profiles[base_name], **values)
    except InputError as exc:
        key = next((k for k in [*_NUMBER_KEYS, *CHOICES, *_OTHER_KEYS, "urgent.tone", "urgent.repeat", "urgent.pause_s"]
                    if f": {k}: " in exc.message), "")
        raise ProfileError(key, exc.message.split(": ", 2)[-1]) from None


def urgent_from(raw: Any, base: UrgentStyle = UrgentStyle()) -> UrgentStyle:
    """`urgent: {tone: alert, repeat: 2, pause_s: 1.5}` (keys left out keep
    `base`'s values); raises ProfileError naming the key, e.g. `urgent.repeat`."""
    if not isinstance(raw, dict):
        raise ProfileError("urgent", "must be a mapping like {tone: alert, repeat: 2, pause_s: 1.5}")
    for key in raw:
        if key not in _URGENT_KEYS:
            raise ProfileError(f"urgent.{key}", f"unknown key; allowed: {', '.join(_URGENT_KEYS)}")
    style = replace(base, **raw)
    problem = style.problem()
    if problem:
        raise ProfileError(*problem)
    return replace(style, pause_s=float(style.pause_s))


def key_line(raw: Any, dotted: str, default: int) -> int:
    """The line of a dotted key (`urgent.tone`) inside a located mapping, else `default`."""
    line = default
    for part in dotted.split("."):
        if not hasattr(raw, "line_of") or not isinstance(raw, dict) or part not in raw:
            break
        line, raw = raw.line_of(part), raw[part]
    return line


def load_profile(spec: str) -> SoundProfile:
    """`--profile`: a registered name, or a YAML file holding a profile mapping."""
    from pathlib import Path

    if spec in _profiles or not spec.lower().endswith((".yaml", ".yml")):
        return get_profile(spec)
    from broadcaster.yaml_lines import load_located

    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read profile: {getattr(exc, 'strerror', None) or exc}", where=spec) from None
    raw = load_located(text, spec)
    try:
        return profile_from(raw, default_name=path.stem)
    except ProfileError as exc:
        line = key_line(raw, exc.key, 1) if exc.key else 1
        raise InputError(f"{exc.key + ': ' if exc.key else ''}{exc.message}", where=f"{spec}:{line}") from None
