"""Music beds: looped or trimmed to length, faded in and out, ducked under speech.

Where speech sits is known exactly (the segment spans of the `Master`), so
the bed is ducked from those spans, not by a detector that reacts after the
first syllable: the bed is already down when speech starts (the ramp ends
there), stays down through pauses shorter than `HOLD_S` (no pumping between
sentences), and comes back up in long pauses and jingles. Ramps are raised
cosines, so the gain has no corner and no step:

    duck   ──────╲___________________╱────────╲____
                 ↑ramp ends at speech  ↑ramp starts when speech ends

The gain curve is built from breakpoints with `np.interp`, and each bed
(`BedLayer`) is added into the programme a block at a time as the mix makes
it: linear in the programme's length, memory flat.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from broadcaster.meter import integrated_lufs
from broadcaster.mix.jingles import load_audio_file
from broadcaster.model import ItemPlan, ItemSpan, MusicBed, Programme, SpokenItem

RAMP_S = 0.4  # duck and release ramps
HOLD_S = 1.8  # pauses shorter than this keep the bed down (sentence and item pauses are 0.45-1.5 s)
FADE_S = 2.0  # the bed's own fade in and out (shorter for a short item)
MAX_BED_S = 300.0  # a longer file is trimmed to its first five minutes (and looped from there)
_BLOCK = 1 << 18  # a multiple of _STEP
_STEP = 64
_FRACTION = np.arange(_STEP, dtype=np.float32) / np.float32(_STEP)  # where each sample lies between control points


def load_beds(programme: Programme, plans: list[ItemPlan], rate_hz: int) -> dict[Path, np.ndarray]:
    """Every bed file the programme uses, decoded and checked before synthesis."""
    beds = [programme.music] + [plan.item.music for plan in plans]
    out: dict[Path, np.ndarray] = {}
    for bed in beds:
        if bed is not None and bed.path not in out:
            out[bed.path] = load_audio_file(bed.path, rate_hz, MAX_BED_S, "music file", trim=True)
    return out


def seamless_loop(samples: np.ndarray, rate_hz: int, crossfade_s: float = 0.5) -> np.ndarray:
    """The bed with its end crossfaded into its start, so that played round
    and round it has no seam: loop[-1] is followed by loop[0], which is
    what followed loop[-1] in the file.

    >>> seamless_loop(np.arange(8, dtype=np.float32), 1, crossfade_s=2).tolist()
    [6.0, 4.0, 2.0, 3.0, 4.0, 5.0]
    """
    x = min(int(crossfade_s * rate_hz), len(samples) // 4)
    if x < 1:
        return np.asarray(samples, dtype=np.float32)
    loop = np.array(samples[: len(samples) - x], dtype=np.float32)
    fade_in = np.linspace(0.0, 1.0, x, endpoint=False, dtype=np.float32)
    loop[:x] = samples[:x] * fade_in + samples[len(samples) - x :] * (1 - fade_in)
    return loop


def speech_intervals(spans: list[tuple[float, float]], hold_s: float = HOLD_S) -> list[tuple[float, float]]:
    """(start, end) of speech, sorted, with gaps shorter than `hold_s` closed.

    >>> speech_intervals([(0, 2), (2.5, 4), (8, 9)])
    [(0, 4), (8, 9)]
    """
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] < hold_s:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _breakpoints(intervals: list[tuple[float, float]], ramp_s: float, before: bool) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints of a 0 → 1 → 0 curve over each interval; the rise ends at
    the interval's start (`before`) or begins there."""
    xs, ys = [], []
    for start, end in intervals:
        rise = (start - ramp_s, start) if before else (start, start + ramp_s)
        fall = (end, end + ramp_s) if before else (end - ramp_s, end)
        xs += [rise[0], rise[1], fall[0], fall[1]]
        ys += [0.0, 1.0, 1.0, 0.0]
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


def _raised_cosine(position: np.ndarray) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(np.pi * position)


class BedGain:
    """The gain curve of one bed over the programme, evaluated a block at a time.

    `level_db` everywhere in [start_s, end_s], `duck_db` more under speech,
    faded in and out at the ends, and silenced (ramped) over `mute` intervals
    (items that have a bed of their own).
    """

    def __init__(self, start_s: float, end_s: float, level_db: float, duck_db: float, speech: list[tuple[float, float]],
                 mute: list[tuple[float, float]] = (), ramp_s: float = RAMP_S, hold_s: float = HOLD_S):
        self.level_db, self.duck_db = level_db, duck_db
        fade_s = min(FADE_S, (end_s - start_s) / 4)
        self.fade = _breakpoints([(start_s, end_s)], fade_s, before=False)
        self.duck = _breakpoints(speech_intervals(speech, max(hold_s, 2 * ramp_s)), ramp_s, before=True)
        self.mute = _breakpoints(speech_intervals(list(mute), 2 * ramp_s), ramp_s, before=True)

    def at(self, times_s: np.ndarray) -> np.ndarray:
        """Linear gain at each time (float32)."""
        db = self.level_db + self.duck_db * _curve(times_s, self.duck)
        gain = 10 ** (db / 20) * _curve(times_s, self.fade) * (1 - _curve(times_s, self.mute))
        return gain.astype(np.float32)


def _curve(times_s: np.ndarray, points: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    xs, ys = points
    if len(xs) == 0:
        return np.zeros(len(times_s))
    position = np.interp(times_s, xs, ys, left=0.0, right=0.0)
    # Most points lie off the ramps, where the raised cosine of 0 or 1 is 0 or 1 exactly.
    on_ramp = (position > 0.0) & (position < 1.0)
    position[on_ramp] = _raised_cosine(position[on_ramp])
    return position


def add_bed(samples: np.ndarray, rate_hz: int, loop: np.ndarray, gain: BedGain, start_s: float, end_s: float,
            offset: int = 0) -> None:
    """Add the looped bed, shaped by `gain`, over [start_s, end_s) of the
    programme into `samples`, which holds the programme from sample `offset`.

    The gain curve is evaluated every _STEP samples (1.5 ms; its ramps last
    hundreds of ms) and drawn between those points with straight lines, and
    the loop is copied in slices: the per-sample work is a multiply-add.
    The loop starts at `start_s` whatever the block, so blocks join seamlessly."""
    first, last = int(start_s * rate_hz), int(end_s * rate_hz)
    lo, hi = max(first, offset), min(last, offset + len(samples))
    shaped = np.empty(min(_BLOCK, -(-max(0, hi - lo) // _STEP) * _STEP), dtype=np.float32)  # the bed's gain, then the gained bed
    for block in range(lo, hi, _BLOCK):
        stop = min(hi, block + _BLOCK)
        n = stop - block
        steps = -(-n // _STEP)
        control = gain.at((block + np.arange(steps + 1) * _STEP) / rate_hz)
        # steady (most blocks: the bed stays ducked through an item): one
        # multiply by a number; else the gain drawn between the control points.
        steady = control[0] if control.min() == control.max() else None
        if steady is None:
            ramp = shaped[: steps * _STEP].reshape(steps, _STEP)
            np.multiply(np.diff(control)[:, None], _FRACTION[None, :], out=ramp)
            ramp += control[:-1, None]
        filled, position = 0, (block - first) % len(loop)
        while filled < n:  # the loop, in as many slices as it wraps round
            take = min(len(loop) - position, n - filled)
            part = shaped[filled : filled + take]
            np.multiply(loop[position : position + take], part if steady is None else steady, out=part)
            filled, position = filled + take, 0
        samples[block - offset : stop - offset] += shaped[:n]


class BedLayer:
    """One bed over [start_s, end_s) of the programme, ready to add block by block."""

    def __init__(self, loop: np.ndarray, gain: BedGain, start_s: float, end_s: float, rate_hz: int):
        self.loop, self.gain, self.start_s, self.end_s, self.rate_hz = loop, gain, start_s, end_s, rate_hz

    def add_to(self, block: np.ndarray, offset: int) -> None:
        add_bed(block, self.rate_hz, self.loop, self.gain, self.start_s, self.end_s, offset)


def _spans(items: list[ItemSpan]) -> list[tuple[float, float]]:
    return [(s.caption_start_s, s.caption_end_s) for span in items for s in span.segments]


def bed_layers(items: list[ItemSpan], duration_s: float, programme: Programme, beds: dict[Path, np.ndarray],
               rate_hz: int) -> list[BedLayer]:
    """The programme's bed and every item's bed, placed and shaped.

    A bed's `level_db` is relative to the speech's loudness, which is
    measured here on a dozen clips spread over the programme (measuring an
    hour whole would cost a second); levelling then moves both together.
    """
    with_bed = [span for span in items if span.plan.item.music is not None]
    if programme.music is None and not with_bed:
        return []
    speech_db = _speech_lufs([s.spoken for s in items if s.spoken is not None])
    layers = []
    if programme.music is not None:
        bed = programme.music
        gain = BedGain(0.0, duration_s, _bed_db(bed, beds[bed.path], speech_db, rate_hz), bed.duck_db,
                       _spans(items), [(s.start_s, s.start_s + s.duration_s) for s in with_bed])
        layers.append(BedLayer(seamless_loop(beds[bed.path], rate_hz), gain, 0.0, duration_s, rate_hz))
    for span in with_bed:
        bed = span.plan.item.music
        end_s = span.start_s + span.duration_s
        gain = BedGain(span.start_s, end_s, _bed_db(bed, beds[bed.path], speech_db, rate_hz), bed.duck_db, _spans([span]))
        layers.append(BedLayer(seamless_loop(beds[bed.path], rate_hz), gain, span.start_s, end_s, rate_hz))
    return layers


def _speech_lufs(spoken: list[SpokenItem], most: int = 12) -> float:
    """The speech's loudness, measured on up to `most` clips spread over the programme."""
    clips = [clip for item in spoken for clip in item.clips if len(clip.speech.samples)]
    if not clips:
        return -23.0
    picked = clips[:: max(1, len(clips) // most)]
    rate = picked[0].speech.rate_hz
    level = integrated_lufs(np.concatenate([c.speech.samples for c in picked if c.speech.rate_hz == rate]), rate)
    return level if np.isfinite(level) else -23.0


def _bed_db(bed: MusicBed, samples: np.ndarray, speech_lufs: float, rate_hz: int) -> float:
    """The gain that puts the bed `level_db` under the speech."""
    own = integrated_lufs(samples, rate_hz)
    return speech_lufs + bed.level_db - own if np.isfinite(own) else bed.level_db
