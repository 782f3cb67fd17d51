"""Loudness normalisation (ITU-R BS.1770 via pyloudnorm) and a true-peak limiter.

The programme is brought to the target integrated loudness (−16 LUFS, the
usual level for speech delivered as files) and any inter-sample peak above
the ceiling (−1 dBTP) is held down by a look-ahead gain curve, in one pass
over the programme on disk (`level`); a second pass follows only when the
limiter took enough loudness to miss the target.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from broadcaster.filters import BlockFilter
from broadcaster.meter import _k_weighting, frame_energy, integrated_lufs, lufs_from_frames
from broadcaster.true_peak import _BLOCK, _oversampled_abs_above, true_peak_dbtp
from broadcaster.mix.horn import GainCurve, block_length, frame_length
from broadcaster.mix.side_worker import SideWorker
from broadcaster.model.mix import LoudnessReport
from broadcaster.pcm_file import PcmFile

TARGET_LUFS = -16.0
CEILING_DBTP = -1.0
LOOKAHEAD_S = 0.005


def _filters():
    """scipy's minimum and moving-average filters, imported on the calling thread."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    return minimum_filter1d, uniform_filter1d


def _limit_window(window: np.ndarray, core: slice, ceiling: np.float32, radius: int, filters,
                  peak: np.ndarray) -> np.ndarray | None:
    """The limited samples window[core], or None when nothing within reach of
    them needs limiting. `window` holds 2 x radius of context on each side of
    the core (less only at the programme's ends).

    The gain each sample needs is spread by a minimum filter over the
    look-ahead window and then smoothed by a moving average half that wide:
    every value the average sees is a minimum over a window containing the
    sample, so the smoothed gain never exceeds what the sample needs.
    `filters` is `_filters()` (imported by the caller, not on the side
    thread); `peak` is `_oversampled_abs_above(window, ceiling)`: values at
    or under the ceiling need no gain.
    """
    minimum_filter1d, uniform_filter1d = filters
    over = np.flatnonzero(peak > ceiling)
    if not len(over):
        return None
    out = window[core].copy()
    # The gain is below 1 only within reach of a sample over the ceiling (the
    # two filters reach radius + radius/2): work out the filters only around
    # those samples, with twice that reach around them, where the need is 1
    # as it is at the padding, so the values are those of the whole window.
    reach = 2 * (radius + radius // 2 + 1)
    gaps = np.flatnonzero(np.diff(over) > 2 * reach)
    for first, last in zip(np.concatenate([[0], gaps + 1]), np.concatenate([gaps, [len(over) - 1]])):
        lo, hi = max(0, over[first] - reach), min(len(window), over[last] + reach + 1)
        # float32 throughout: a programme is tens of millions of samples.
        need = np.minimum(np.float32(1.0), ceiling / np.maximum(peak[lo:hi], np.float32(1e-12)))
        gain = minimum_filter1d(need, size=2 * radius + 1, mode="nearest")
        gain = uniform_filter1d(gain, size=radius + 1, mode="nearest")
        a, b = max(lo, core.start), min(hi, core.stop)
        if a < b:
            out[a - core.start : b - core.start] *= gain[a - lo : b - lo]
    return out


def limit(samples: np.ndarray, rate_hz: int, ceiling_dbtp: float = CEILING_DBTP, lookahead_s: float = LOOKAHEAD_S,
          *, in_place: bool = False) -> np.ndarray:
    """Hold true peaks at or below the ceiling (`gain_and_limit` over a buffer in
    memory); `in_place=True` writes the result into `samples`."""
    with PcmFile.from_samples(samples) as audio:
        gain_and_limit(audio, rate_hz, lambda a, b: np.float32(1.0), ceiling_dbtp, frame_length(rate_hz),
                       block_length(rate_hz), lookahead_s)
        return _read_back(audio, samples, in_place)


def _read_back(audio: PcmFile, samples: np.ndarray, in_place: bool) -> np.ndarray:
    """What `audio` holds now, in `samples` itself (`in_place`) or a new array."""
    out = samples if in_place else np.empty_like(samples, dtype=np.float32)
    for at in range(0, len(samples), _BLOCK):
        out[at : at + _BLOCK] = audio.read(at, at + _BLOCK)
    return out


GainAt = Callable[[int, int], "np.ndarray | float"]


def gain_and_limit(audio: PcmFile, rate_hz: int, gain_at: GainAt, ceiling_dbtp: float, frame: int, block: int,
                   lookahead_s: float = LOOKAHEAD_S) -> np.ndarray:
    """Multiply `audio` by `gain_at(start, stop)` and limit it, in place, a block at a time.

    Returns, per `frame`-sample frame, how much of its energy the limiter
    left (1.0 where it did nothing), so that the caller can tell the
    programme's loudness without measuring it again. `block` must be a
    whole number of frames. Each block is limited with the gained samples
    around it (the next block's first ones read ahead, the previous block's
    last ones carried over as they were before limiting), so the result is
    the same as limiting the whole programme at once.
    """
    ceiling = np.float32(10 ** (ceiling_dbtp / 20))
    radius = max(1, int(lookahead_s * rate_hz))
    context = 2 * radius
    n = len(audio)
    kept = np.ones(-(-n // frame), dtype=np.float64)
    filters = _filters()

    def finish(start: int, window: np.ndarray, core: slice) -> None:
        """Gain, find the true peaks of, limit and write one block (on a side
        thread). `window` is the block with its context, as read, and this
        block's own: it is gained in place."""
        window *= gain_at(start - core.start, start - core.start + len(window))
        gained = window[core]
        limited = _limit_window(window, core, ceiling, radius, filters, _oversampled_abs_above(window, float(ceiling)))
        if limited is None:
            limited = gained
        else:
            before = frame_energy(gained, frame)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = frame_energy(limited, frame) / before
            kept[start // frame : start // frame + len(ratio)] = np.where(before > 0, ratio, 1.0)
        audio.write(start, limited)

    carry = np.zeros(0, dtype=np.float32)
    # This thread only reads; two side threads gain, find the true peaks,
    # limit and write, a block each, in any order: each block's window is
    # read before any thread may rewrite it, and a block's context from the
    # block before is carried over as read (before limiting).
    with SideWorker(threads=2) as side:
        for start in range(0, n, block):
            end = min(n, start + block)
            # This block and the next one's first `context` samples: the
            # side threads only ever rewrite blocks read already.
            window = audio.read(start, min(n, end + context), after=carry)
            core = slice(len(carry), len(carry) + end - start)
            carry = window[max(0, core.stop - context) : core.stop].copy()
            side.submit(finish, start, window, core)
    return kept


def level(audio: PcmFile, rate_hz: int, target_lufs: float = TARGET_LUFS, ceiling_dbtp: float = CEILING_DBTP, *,
          k_frame_ms: np.ndarray | None = None, curve: GainCurve | None = None) -> LoudnessReport:
    """Bring `audio` to the target loudness with its true peaks under the ceiling, in place.

    `k_frame_ms` is the K-weighted mean square of each 10 ms frame of the
    audio as it is (the mix's first pass keeps it; measured here when not
    given), and `curve` a gain (the horn chain's compressor) still to be
    applied with the levelling gain. Because a frame's energy scales with
    the square of the gain applied to it, the loudness after any gain is
    known from those frames: the gain to the target is worked out, applied
    with the limiter in one pass, and the limiter's small loss of loudness
    read from the energy it left. Only when that loss puts the programme
    more than 0.1 LU off target does another pass add the difference (and
    limit again). The report's true peak is NaN: the package stage measures
    the written file.

    The limiter aims 0.5 dB under the ceiling: the MP3 encoder adds a little overshoot.
    """
    frame = frame_length(rate_hz)
    block = block_length(rate_hz)
    frames_per_hop = max(1, int(round(0.1 * rate_hz)) // frame)
    if k_frame_ms is None:
        k_frame_ms = _k_frame_ms(audio, rate_hz, block)
    shaped = k_frame_ms * (curve.frame_gain.astype(np.float64) ** 2 if curve is not None else 1.0)
    before = lufs_from_frames(shaped, frames_per_hop)
    if not np.isfinite(before):  # silence: nothing to level
        return LoudnessReport(before, float("nan"), 0.0)
    limiter_ceiling = ceiling_dbtp - 0.5
    gain_db = target_lufs - before
    first = np.float32(10 ** (gain_db / 20))
    if curve is not None:
        gain_at = curve.scaled(first).at
    else:
        gain_at = lambda a, b: first  # noqa: E731
    kept = gain_and_limit(audio, rate_hz, gain_at, limiter_ceiling, frame, block)
    level_now = lufs_from_frames(shaped * 10 ** (gain_db / 10) * kept[: len(shaped)], frames_per_hop)
    for _ in range(3):
        if abs(level_now - target_lufs) <= 0.1:
            break
        more_db = target_lufs - level_now
        gain_db += more_db
        more = np.float32(10 ** (more_db / 20))
        kept = kept * gain_and_limit(audio, rate_hz, lambda a, b: more, limiter_ceiling, frame, block)
        level_now = lufs_from_frames(shaped * 10 ** (gain_db / 10) * kept[: len(shaped)], frames_per_hop)
    return LoudnessReport(level_now, float("nan"), level_now - before)


class LoudnessEstimate:
    """The K-weighted mean square of every 10 ms frame, filled in block by block,
    in any order and from any thread (`level` aims its gain with it).

    Each block comes with the `history` samples before it (fewer at the
    programme's start), so that the K filter, run from rest, has settled
    (`filters.BlockFilter`).

    Every sample is filtered. Looking at every third sample only, with the
    filter designed for that rate, was a third of the work and agreed
    within 0.01 LU on speech and the example bed, but missed broadband
    noise by 0.5 LU (what lies above the new Nyquist frequency folds onto
    frequencies the K weighting treats differently): a test caught it.
    """

    def __init__(self, rate_hz: int, n_samples: int):
        self.frame = frame_length(rate_hz)
        self._filter = BlockFilter(_k_weighting(rate_hz))
        self.history = self._filter.history
        self.frame_ms = np.zeros(-(-n_samples // self.frame), dtype=np.float64)

    def add(self, ext: np.ndarray, lead: int, start: int) -> None:
        """`ext`: the programme from `start - lead` to the end of the block at `start`."""
        k_lead = min(lead, self.history)
        energy = frame_energy(self._filter.from_rest(ext[lead - k_lead :])[k_lead:], self.frame)
        self.frame_ms[start // self.frame : start // self.frame + len(energy)] = energy


def _k_frame_ms(audio: PcmFile, rate_hz: int, block: int) -> np.ndarray:
    estimate = LoudnessEstimate(rate_hz, len(audio))
    for start in range(0, len(audio), block):
        lead = min(start, estimate.history)
        estimate.add(audio.read(start - lead, start + block), lead, start)
    return estimate.frame_ms


def normalise(samples: np.ndarray, rate_hz: int, target_lufs: float = TARGET_LUFS, ceiling_dbtp: float = CEILING_DBTP,
              *, measure_peak: bool = True, in_place: bool = False) -> tuple[np.ndarray, LoudnessReport]:
    """`level` for a buffer in memory: the normalised copy (or `samples`
    itself with `in_place=True`) and what was measured on it, the true peak
    too unless `measure_peak=False`."""
    with PcmFile.from_samples(samples) as audio:
        report = level(audio, rate_hz, target_lufs, ceiling_dbtp)
        out = _read_back(audio, samples, in_place)
    if not np.isfinite(report.integrated_lufs):
        return out, LoudnessReport(report.integrated_lufs, true_peak_dbtp(out), 0.0)
    peak = true_peak_dbtp(out) if measure_peak else float("nan")
    return out, LoudnessReport(integrated_lufs(out, rate_hz), peak, report.gain_db)
