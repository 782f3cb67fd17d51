"""Clips → where each sits on the programme, then the programme a block at a time.

`lay_out` works out every position first (each item places itself,
`Item.place`, through the three primitives of `_Timeline`) without copying
any audio; `Layout.render_into` then fills one block of the programme with
whatever lies in it, resampling a clip when the block first reaches it and
letting go of it once the block has passed its end. So an hour costs the
memory of a block and a few clips, not of the hour, and the work is linear
in the programme's length.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from broadcaster.codec import RATE_HZ
from broadcaster.model import Break, Item, ItemPlan, ItemSpan, Pauses, SegmentSpan, SpokenItem
from broadcaster.resample import resample, resampled_length

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
        self.placed: list[Placed] = []
        self.span: ItemSpan | None = None

    def pause(self, duration_s: float) -> None:
        self.cursor += int(duration_s * self.rate_hz)

    def jingle(self, item: Item) -> np.ndarray:
        return self.jingles[item.index]

    def audio(self, samples: np.ndarray, from_hz: int | None = None) -> None:
        """`samples` here; at `from_hz`, resampled to the programme's rate when mixed."""
        placed = Placed(self.cursor, samples, from_hz or self.rate_hz, self.rate_hz)
        self.placed.append(placed)
        self.cursor += placed.length

    def speech(self, item: SpokenItem) -> None:
        rate_hz, span = self.rate_hz, self.span
        span.spoken = item
        for n, clip in enumerate(item.clips):
            seg_start = self.cursor / rate_hz
            seg_dur = resampled_length(len(clip.speech.samples), clip.speech.rate_hz, rate_hz) / rate_hz
            cap_start, cap_end = seg_start, seg_start + seg_dur
            marks = clip.speech.marks
            if marks:  # the engine said where the speech sits inside its clip
                cap_start = seg_start + max(0.0, marks[0].offset_s)
                cap_end = min(seg_start + seg_dur, seg_start + marks[-1].offset_s + marks[-1].duration_s)
                if cap_end <= cap_start:
                    cap_start, cap_end = seg_start, seg_start + seg_dur
            span.segments.append(SegmentSpan(clip, seg_start, seg_dur, cap_start, cap_end))
            self.audio(clip.speech.samples, clip.speech.rate_hz)
            if n < len(item.clips) - 1:
                self.pause(_break_s(clip.cue.segment.break_after, self.pauses))


@dataclass
class Placed:
    """One piece of audio at `offset` (samples at the programme's rate)."""

    offset: int
    source: np.ndarray
    from_hz: int
    rate_hz: int
    length: int = 0

    def __post_init__(self):
        self.length = resampled_length(len(self.source), self.from_hz, self.rate_hz)

    @property
    def end(self) -> int:
        return self.offset + self.length


@dataclass
class Layout:
    """Where everything goes: the item spans and the pieces, in order of offset."""

    rate_hz: int
    n_samples: int
    items: list[ItemSpan]
    placed: list[Placed]
    _next: int = 0  # the first piece no block has reached yet
    _open: dict[int, np.ndarray] = field(default_factory=dict)  # piece number → its samples at the programme's rate

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.rate_hz

    def render_into(self, block: np.ndarray, start: int) -> None:
        """Add every piece overlapping [start, start + len(block)) into `block`.

        Blocks must come in order: a piece is resampled when the first block
        reaches it and dropped when a block starts after its end.
        """
        stop = start + len(block)
        while self._next < len(self.placed) and self.placed[self._next].offset < stop:
            piece = self.placed[self._next]
            self._open[self._next] = resample(piece.source, piece.from_hz, piece.rate_hz)
            self._next += 1
        for number in list(self._open):
            piece, audio = self.placed[number], self._open[number]
            a, b = max(start, piece.offset), min(stop, piece.end)
            if a < b:
                block[a - start : b - start] += audio[a - piece.offset : b - piece.offset]
            if piece.end <= stop:
                del self._open[number]


def lay_out(plans: list[ItemPlan], spoken: dict[int, SpokenItem], jingles: dict[int, np.ndarray], pauses: Pauses,
            rate_hz: int = RATE_HZ, lead_in_s: float = LEAD_IN_S, tail_s: float = TAIL_S) -> Layout:
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
    placed = sorted(timeline.placed, key=lambda p: p.offset)
    return Layout(rate_hz, timeline.cursor, spans, placed)
