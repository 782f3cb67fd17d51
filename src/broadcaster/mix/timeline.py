"""Clips → one programme timeline, built once in numpy.

Positions are computed first, then a single buffer is allocated and every
clip is copied into place: linear in the programme length (repeated `+` on
pydub segments would copy the whole programme at every step). Each item
places itself (`Item.place`) through the three primitives of `_Timeline`.
"""
from __future__ import annotations

import numpy as np

from broadcaster.codec import RATE_HZ
from broadcaster.model import Break, Item, ItemPlan, ItemSpan, Master, Pauses, SegmentSpan, SpokenItem
from broadcaster.resample import resample

LEAD_IN_S = 0.3  # players and amplifiers often swallow the first instant (the loudspeaker profile's)
TAIL_S = 0.6


def _break_s(brk: Break, pauses: Pauses) -> float:
    return {
        Break.CLAUSE: pauses.clause_s,
        Break.SENTENCE: pauses.sentence_s,
        Break.PARAGRAPH: pauses.paragraph_s,
        Break.HEADLINE: pauses.headline_s,
    }[brk]


class _Timeline:
    """A cursor over the programme, and what is placed where."""

    def __init__(self, rate_hz: int, pauses: Pauses, jingles: dict[int, np.ndarray], lead_in_s: float):
        self.rate_hz, self.pauses, self.jingles = rate_hz, pauses, jingles
        self.cursor = int(lead_in_s * rate_hz)
        self.placed: list[tuple[int, np.ndarray]] = []  # (offset in samples, samples)
        self.span: ItemSpan | None = None

    def pause(self, duration_s: float) -> None:
        self.cursor += int(duration_s * self.rate_hz)

    def jingle(self, item: Item) -> np.ndarray:
        return self.jingles[item.index]

    def audio(self, samples: np.ndarray) -> None:
        self.placed.append((self.cursor, samples))
        self.cursor += len(samples)

    def speech(self, item: SpokenItem) -> None:
        rate_hz, span = self.rate_hz, self.span
        span.spoken = item
        for n, clip in enumerate(item.clips):
            audio = resample(clip.speech.samples, clip.speech.rate_hz, rate_hz)
            seg_start = self.cursor / rate_hz
            seg_dur = len(audio) / rate_hz
            cap_start, cap_end = seg_start, seg_start + seg_dur
            marks = clip.speech.marks
            if marks:  # the engine said where the speech sits inside its clip
                cap_start = seg_start + max(0.0, marks[0].offset_s)
                cap_end = min(seg_start + seg_dur, seg_start + marks[-1].offset_s + marks[-1].duration_s)
                if cap_end <= cap_start:
                    cap_start, cap_end = seg_start, seg_start + seg_dur
            span.segments.append(SegmentSpan(clip, seg_start, seg_dur, cap_start, cap_end))
            self.audio(audio)
            if n < len(item.clips) - 1:
                self.pause(_break_s(clip.cue.segment.break_after, self.pauses))


def build_master(plans: list[ItemPlan], spoken: dict[int, SpokenItem], jingles: dict[int, np.ndarray], pauses: Pauses,
                 rate_hz: int = RATE_HZ, lead_in_s: float = LEAD_IN_S, tail_s: float = TAIL_S) -> Master:
    """`jingles` maps item index → samples at `rate_hz`; `spoken` item index → clips."""
    timeline = _Timeline(rate_hz, pauses, jingles, lead_in_s)
    spans: list[ItemSpan] = []
    previous: Item | None = None
    for plan in plans:
        item = plan.item
        if previous is not None and item.spaced and previous.spaced:
            timeline.pause(pauses.item_s)
        start = timeline.cursor
        timeline.span = span = ItemSpan(plan, start / rate_hz, 0.0)
        item.place(timeline, spoken.get(item.index))
        span.duration_s = (timeline.cursor - start) / rate_hz
        spans.append(span)
        previous = item
    timeline.pause(tail_s)
    samples = np.zeros(timeline.cursor, dtype=np.float32)
    for offset, audio in timeline.placed:
        samples[offset : offset + len(audio)] += audio
    return Master(samples, rate_hz, spans)
