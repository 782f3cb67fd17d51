"""Clips → one programme timeline, built once in numpy.

Positions are computed first, then a single buffer is allocated and every
clip is copied into place: linear in the programme length (repeated `+` on
pydub segments would copy the whole programme at every step).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from broadcaster.audio.codec import RATE_HZ
from broadcaster.audio.resample import resample
from broadcaster.plan import ItemPlan
from broadcaster.script import Pauses
from broadcaster.synthesise import Clip, SpokenItem
from broadcaster.text import Break

LEAD_IN_S = 0.3  # players and amplifiers often swallow the first instant (the loudspeaker profile's)
TAIL_S = 0.6


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


def _break_s(brk: Break, pauses: Pauses) -> float:
    return {
        Break.CLAUSE: pauses.clause_s,
        Break.SENTENCE: pauses.sentence_s,
        Break.PARAGRAPH: pauses.paragraph_s,
        Break.HEADLINE: pauses.headline_s,
    }[brk]


def build_master(plans: list[ItemPlan], spoken: dict[int, SpokenItem], jingles: dict[int, np.ndarray], pauses: Pauses,
                 rate_hz: int = RATE_HZ, lead_in_s: float = LEAD_IN_S, tail_s: float = TAIL_S) -> Master:
    """`jingles` maps item index → samples at `rate_hz`; `spoken` item index → clips."""
    placed: list[tuple[int, np.ndarray]] = []  # (offset in samples, samples)
    spans: list[ItemSpan] = []
    cursor = int(lead_in_s * rate_hz)
    previous_kind = None
    for plan in plans:
        kind = plan.item.kind
        if previous_kind is not None and kind != "pause" and previous_kind != "pause":
            cursor += int(pauses.item_s * rate_hz)
        start = cursor
        span = ItemSpan(plan, start / rate_hz, 0.0)
        if kind == "pause":
            cursor += int(plan.item.duration_s * rate_hz)
        elif kind == "jingle":
            audio = jingles[plan.item.index]
            placed.append((cursor, audio))
            cursor += len(audio)
        else:
            item = spoken[plan.item.index]
            span.spoken = item
            for n, clip in enumerate(item.clips):
                audio = resample(clip.speech.samples, clip.speech.rate_hz, rate_hz)
                placed.append((cursor, audio))
                seg_start = cursor / rate_hz
                seg_dur = len(audio) / rate_hz
                cap_start, cap_end = seg_start, seg_start + seg_dur
                marks = clip.speech.marks
                if marks:  # the engine said where the speech sits inside its clip
                    cap_start = seg_start + max(0.0, marks[0].offset_s)
                    cap_end = min(seg_start + seg_dur, seg_start + marks[-1].offset_s + marks[-1].duration_s)
                    if cap_end <= cap_start:
                        cap_start, cap_end = seg_start, seg_start + seg_dur
                span.segments.append(SegmentSpan(clip, seg_start, seg_dur, cap_start, cap_end))
                cursor += len(audio)
                if n < len(item.clips) - 1:
                    cursor += int(_break_s(clip.cue.segment.break_after, pauses) * rate_hz)
        span.duration_s = (cursor - start) / rate_hz
        spans.append(span)
        previous_kind = kind
    cursor += int(tail_s * rate_hz)
    samples = np.zeros(cursor, dtype=np.float32)
    for offset, audio in placed:
        samples[offset : offset + len(audio)] += audio
    return Master(samples, rate_hz, spans)
