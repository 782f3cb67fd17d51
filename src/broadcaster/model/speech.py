"""Voices, speech requests and synthesised speech: what prepare asks for and the engines give."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from broadcaster.errors import InputError

# "+10%", "-5%", "+0%": the edge-tts spelling, shared by every engine.
_PERCENT = re.compile(r"^[+-]\d{1,3}%$")
_HERTZ = re.compile(r"^[+-]\d{1,3}Hz$")


@dataclass(frozen=True)
class Voice:
    """Who speaks, and how.

    `name` None means the engine's default voice. `rate` and `volume` are
    relative percentages ("+10%"), `pitch` a relative frequency ("-5Hz");
    an engine that cannot honour one ignores it and says so in `voices`.
    """

    engine: str = "kokoro"
    name: str | None = None
    rate: str = "+0%"
    volume: str = "+0%"
    pitch: str = "+0Hz"

    def __post_init__(self) -> None:
        if not _PERCENT.match(self.rate):
            raise InputError(f"rate must look like +10% or -5%, got {self.rate!r}")
        if not _PERCENT.match(self.volume):
            raise InputError(f"volume must look like +10% or -5%, got {self.volume!r}")
        if not _HERTZ.match(self.pitch):
            raise InputError(f"pitch must look like +5Hz or -5Hz, got {self.pitch!r}")

    @property
    def rate_factor(self) -> float:
        """"+10%" -> 1.1; the speed multiplier an offline engine uses."""
        return 1.0 + int(self.rate[:-1]) / 100.0


@dataclass(frozen=True)
class SpeechRequest:
    """One segment to speak.

    `pinyin` holds lexicon spans ``(start, end, "qin2 tong2")`` over `text`
    that an engine able to take pronunciations (the offline one) uses instead
    of its own guess for that stretch of text; other engines read `text`.
    """

    text: str
    voice: Voice
    pinyin: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class SentenceMark:
    """A caption unit reported by the engine: where a sentence sits in the clip."""

    offset_s: float
    duration_s: float
    text: str


@dataclass
class Speech:
    """Synthesised audio: mono float32 in [-1, 1]."""

    samples: np.ndarray
    rate_hz: int
    marks: list[SentenceMark] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate_hz


@dataclass(frozen=True)
class VoiceInfo:
    engine: str
    name: str
    locale: str
    gender: str
    note: str = ""
