"""The mix stage's result: the programme's samples and where everything sits on them."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from broadcaster.model.plan import ItemPlan
from broadcaster.model.spoken import Clip, SpokenItem


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
    samples: np.ndarray
    rate_hz: int
    items: list[ItemSpan]

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate_hz


@dataclass(frozen=True)
class LoudnessReport:
    integrated_lufs: float
    true_peak_dbtp: float
    gain_db: float
    loudness_range_lu: float = float("nan")  # EBU Tech 3342; NaN where not measured
