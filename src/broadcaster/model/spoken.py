"""The synthesise stage's result: speech for every cue, and how it was got."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from broadcaster.model.plan import Cue, ItemPlan
from broadcaster.model.speech import Speech

_NO_SAMPLES = np.zeros(0, dtype=np.float32)


@dataclass
class Clip:
    cue: Cue
    speech: Speech
    engine: str
    voice: str
    cached: bool
    notes: tuple[str, ...] = ()  # how the engine said the dictionary's readings, when it could not say them as given
    form: str | None = None  # the engine's model form, where it has several (kokoro: original, im2col, float)


@dataclass
class SpokenItem:
    plan: ItemPlan
    clips: list[Clip]
    fallback_from: str | None = None  # the engine the script asked for, if we fell back
    fallback_reason: str | None = None

    def drop_audio(self) -> None:
        """Let go of the samples once they are mixed; timing, text and engine stay."""
        for clip in self.clips:
            clip.speech = replace(clip.speech, samples=_NO_SAMPLES)


@dataclass
class SynthesisStats:
    segments: int = 0
    cached: int = 0
    synthesised: int = 0
    damaged: int = 0  # cache entries found damaged, removed and made again
    fallback_items: list[tuple[str, str, str]] = field(default_factory=list)  # (title, from, reason)
