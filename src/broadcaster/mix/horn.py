"""The horn-loudspeaker chain: what a horn on a pole needs before levelling.

A horn reproduces little below ~200 Hz (energy there only eats amplifier
headroom and booms off walls), speech is understood by its consonants at
2-4 kHz (lifted a little, to cut through wind and tractors), and a listener
outdoors cannot ride the volume, so the loudness range is held to at most
6 LU by light, slow compression. Gain and the true-peak limiter follow in
`loudness.normalise`.

The chain streams: `HornChain.filter` filters the programme a block at a
time as the mix makes it (each block with enough of the signal before it
that the filter has forgotten where it started, so blocks can be filtered
on two threads at once) and keeps each 10 ms frame's energy; once the whole programme has been seen,
`gain_curve()` works out the compressor's gain on those frames (360,000
values for an hour), and `GainCurve.apply` draws it back between frames with
straight lines as the levelling pass reads the blocks again: linear in the
programme's length, memory flat. `horn_chain(samples, rate_hz)` runs the
whole chain over one buffer, in place.

How the compressor treats a phrase, relative to the programme's level, at 2:1:

    6 dB louder  → cut 3 dB          3 dB quieter → lifted 1.5 dB
    12 dB quieter → lifted 6 dB (the most)    18 dB quieter → lifted 3 dB (fading out)
    24 dB or more quieter (pauses, breaths, a bed alone) → left alone
"""
from __future__ import annotations

import numpy as np

from broadcaster.filters import BlockFilter
from broadcaster.meter import frame_energy

HIGH_PASS_HZ = 200.0
PRESENCE_HZ, PRESENCE_DB, PRESENCE_Q = 3000.0, 3.0, 0.8  # a broad bell over ~2-4 kHz
MAX_RANGE_LU = 6.0
RATIOS = (2.0, 3.0, 5.0)  # tried in turn until the estimated range is under MAX_RANGE_LU
MAX_CUT_DB, MAX_BOOST_DB = 9.0, 6.0
WINDOW_S = 0.4  # level measured over 400 ms: the compressor follows phrases, not syllables
SMOOTH_S = 0.3  # and its gain moves over 300 ms: no pumping, no distortion of the waveform
_FRAMES_PER_S = 100
_FRAMES_PER_BLOCK = 600  # 6 s blocks


def _peaking_sos(freq_hz: float, gain_db: float, q: float, rate_hz: int) -> np.ndarray:
    """RBJ audio-EQ-cookbook peaking filter as one second-order section."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * freq_hz / rate_hz
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a])
    return np.concatenate([b / den[0], den / den[0]])[None, :]


def horn_filter(rate_hz: int) -> np.ndarray:
    """High-pass (2nd-order Butterworth at 200 Hz) then the presence lift, as SOS."""
    from scipy.signal import butter

    high_pass = butter(2, HIGH_PASS_HZ, btype="highpass", fs=rate_hz, output="sos")
    return np.vstack([high_pass, _peaking_sos(PRESENCE_HZ, PRESENCE_DB, PRESENCE_Q, rate_hz)])


def compressor_gain_db(frame_db: np.ndarray, ratio: float) -> np.ndarray:
    """Gain per frame that pulls each phrase's level towards the programme's.

    `frame_db` is the level over WINDOW_S around each frame. Above the
    programme's (gated) level the excess is cut by 1 - 1/ratio; below it,
    quieter phrases are lifted likewise, at most MAX_BOOST_DB, and the lift
    fades out from 12 to 24 dB under the programme's level, so that pauses,
    breaths and a bed under long silences are not pumped up.
    """
    level = _gated_level_db(frame_db)
    if not np.isfinite(level):
        return np.zeros_like(frame_db)
    excess = frame_db - level
    gain = np.clip(-excess * (1 - 1 / ratio), -MAX_CUT_DB, MAX_BOOST_DB)
    fade = np.clip((excess + 24.0) / 12.0, 0.0, 1.0)  # 0 at -24 dB and below, 1 from -12 dB up
    return np.where(excess < 0, gain * fade, gain)


def _gated_level_db(frame_db: np.ndarray) -> float:
    """The programme's level, gated as BS.1770 gates (absolute -70, relative -10)."""
    kept = frame_db[frame_db > -70.0]
    if kept.size == 0:
        return float("-inf")
    mean = 10 * np.log10(np.mean(10 ** (kept / 10)))
    kept = kept[kept > mean - 10.0]
    return float(10 * np.log10(np.mean(10 ** (kept / 10))))


def estimated_range_lu(frame_energy: np.ndarray, gain_db: np.ndarray) -> float:
    """Loudness range (EBU Tech 3342 gating and percentiles, unweighted) of the
    frames after `gain_db`: enough to pick a ratio; the meter measures the file."""
    short = 3 * _FRAMES_PER_S
    energy = frame_energy * 10 ** (gain_db / 10)
    if len(energy) < short:
        return 0.0
    # 3 s moving averages from a running sum (a direct convolution was 300 multiplies a frame)
    total = np.concatenate([[0.0], np.cumsum(energy)])
    window = (total[short:] - total[:-short]) / short
    window = window[window > 1e-7]  # above -70 LUFS (absolute gate)
    if window.size == 0:
        return 0.0
    window = window[window > np.mean(window) * 0.01]  # within 20 LU of their mean (relative gate)
    low, high = np.percentile(10 * np.log10(window), [10, 95])
    return float(high - low)


def frame_length(rate_hz: int) -> int:
    """Samples in one 10 ms frame, the compressor's (and the level estimate's) step."""
    return rate_hz // _FRAMES_PER_S


def block_length(rate_hz: int) -> int:
    """Samples in one block of the mix's first pass: whole frames (6 s)."""
    return frame_length(rate_hz) * _FRAMES_PER_BLOCK


class HornChain:
    """The filters run block by block, in any order and on any thread (each
    block with `history` samples before it: `filters.BlockFilter`); the
    compressor's gain once every block has been filtered."""

    def __init__(self, rate_hz: int, n_samples: int):
        self.rate_hz, self.frame = rate_hz, frame_length(rate_hz)
        self._filter = BlockFilter(horn_filter(rate_hz))
        self.history = self._filter.history
        self._energy = np.zeros(-(-n_samples // self.frame), dtype=np.float64)

    def filter(self, ext: np.ndarray, lead: int, start: int) -> np.ndarray:
        """High-pass and presence lift of `ext`, the programme from `start - lead`
        to the end of a block that starts at `start` (a whole number of frames
        in); `lead` is `history` samples, or fewer at the programme's start.
        Returns the filtered `ext`: its first `lead` samples are for the
        caller's own filters' history, the rest is the block."""
        out = self._filter.from_rest(ext)
        energy = frame_energy(out[lead:], self.frame)
        self._energy[start // self.frame : start // self.frame + len(energy)] = energy
        return out

    def gain_curve(self) -> "GainCurve":
        """The compressor's gain over the whole programme."""
        from scipy.ndimage import minimum_filter1d, uniform_filter1d

        energy = self._energy
        window = max(1, int(WINDOW_S * _FRAMES_PER_S))
        # The moving average can dip a hair under zero in silence (rounding): clamp before the log.
        smoothed = np.maximum(uniform_filter1d(energy, window, mode="nearest"), 1e-20) if len(energy) else energy
        frame_db = 10 * np.log10(smoothed)
        gain_db = np.zeros_like(frame_db)
        for ratio in RATIOS:
            if not len(frame_db):
                break
            gain_db = compressor_gain_db(frame_db, ratio)
            # The lowest gain within reach first (a loud phrase is already cut when
            # it starts), then smoothed: every value averaged is at most what its
            # own frame needs, as in the limiter.
            smooth = max(1, int(SMOOTH_S * _FRAMES_PER_S))
            gain_db = uniform_filter1d(minimum_filter1d(gain_db, smooth, mode="nearest"), smooth, mode="nearest")
            if estimated_range_lu(energy, gain_db) <= MAX_RANGE_LU - 0.5:
                break
        return GainCurve((10 ** (gain_db / 20)).astype(np.float32), self.frame)


class GainCurve:
    """A gain per frame (its value at the frame's centre), drawn between frame
    starts with straight lines: one multiply-add a sample, no steps.

    >>> curve = GainCurve(np.array([1.0, 3.0], dtype=np.float32), frame=2)
    >>> curve.at(0, 4).tolist()
    [1.0, 1.5, 2.0, 2.5]
    """

    def __init__(self, frame_gain: np.ndarray, frame: int):
        self.frame_gain, self.frame = frame_gain, frame
        n = len(frame_gain)
        self._edges = (np.interp(np.arange(n + 1), np.arange(n) + 0.5, frame_gain).astype(np.float32)
                       if n else np.ones(1, dtype=np.float32))
        self._fraction = np.arange(frame, dtype=np.float32) / np.float32(frame)

    def at(self, start: int, stop: int) -> np.ndarray:
        """The gain of samples [start, stop) (past the last frame: the last value)."""
        first, last = start // self.frame, -(-stop // self.frame)
        edges = self._edges[min(first, len(self._edges) - 1) : last + 1]
        edges = np.pad(edges, (0, max(0, last - first + 1 - len(edges))), mode="edge")
        curve = (edges[:-1, None] + np.diff(edges)[:, None] * self._fraction[None, :]).ravel()
        offset = start - first * self.frame
        return curve[offset : offset + stop - start]

    def apply(self, block: np.ndarray, start: int) -> None:
        block *= self.at(start, start + len(block))

    def scaled(self, factor: float) -> "GainCurve":
        """This curve times `factor` (one multiply a sample fewer than scaling each block)."""
        return GainCurve((self.frame_gain * np.float32(factor)).astype(np.float32), self.frame)


def horn_chain(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """Filter and compress `samples` in place (float32); returns the same array."""
    chain = HornChain(rate_hz, len(samples))
    block = block_length(rate_hz)
    raw = samples.copy()  # each block's history must be the signal before filtering
    for start in range(0, len(samples), block):
        lead = min(start, chain.history)
        samples[start : start + block] = chain.filter(raw[start - lead : start + block], lead, start)[lead:]
    curve = chain.gain_curve()
    for start in range(0, len(samples), block):
        curve.apply(samples[start : start + block], start)
    return samples
