"""The mix stage's result: the programme's samples (a scratch file) and where everything sits on them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from broadcaster.model.plan import ItemPlan
from broadcaster.model.spoken import Clip, SpokenItem
from broadcaster.pcm_file import PcmFile


@dataclass
class SegmentSpan:
    clip: Clip
    start_s: float
    duration_s: float
    caption_start_s: float
    caption_end_s: float


@dataclass
class ItemSpan:
    plan: ItemPlan
    start_s: float
    duration_s: float
    spoken: SpokenItem | None = None
    segments: list[SegmentSpan] = field(default_factory=list)


@dataclass
class Master:
    """The levelled programme: its samples (on disk, read a block at a time)
    and where every item and segment sits on it. Close it when done."""

    audio: PcmFile
    rate_hz: int
    items: list[ItemSpan]

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.rate_hz

    def sample_range(self, span: ItemSpan) -> tuple[int, int]:
        """The samples [a, b) an item occupies."""
        return int(round(span.start_s * self.rate_hz)), int(round((span.start_s + span.duration_s) * self.rate_hz))

    def read(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        return self.audio.read(start, len(self.audio) if stop is None else stop)

    def blocks(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        return self.audio.blocks(start, stop)

    def close(self) -> None:
        self.audio.close()

    def __enter__(self) -> "Master":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass(frozen=True)
class LoudnessReport:
    integrated_lufs: float
    true_peak_dbtp: float
    gain_db: float
    loudness_range_lu: float = float("nan")  # EBU Tech 3342; NaN where not measured
