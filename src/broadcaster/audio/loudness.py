"""Loudness normalisation (ITU-R BS.1770 via pyloudnorm) and a true-peak limiter.

The programme is brought to the target integrated loudness (−16 LUFS, the
usual level for speech delivered as files), then any inter-sample peak above
the ceiling (−1 dBTP) is held down by a look-ahead gain curve, and the pair
is repeated until both hold, since limiting lowers the loudness a little.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

TARGET_LUFS = -16.0
CEILING_DBTP = -1.0
_OVERSAMPLE = 4  # BS.1770-4 true peak: 4x oversampling


@dataclass(frozen=True)
class LoudnessReport:
    integrated_lufs: float
    true_peak_dbtp: float
    gain_db: float


_HOP_S = 0.1  # BS.1770 gating: 400 ms blocks overlapping by 75 %, i.e. 100 ms hops
_HOPS_PER_BLOCK = 4
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0


@lru_cache(maxsize=4)
def _k_weighting(rate_hz: int) -> np.ndarray:
    """The K-weighting pre-filter as second-order sections, from pyloudnorm's
    BS.1770 filter definitions (high shelf, then high pass) for this rate."""
    import pyloudnorm

    stages = pyloudnorm.Meter(rate_hz)._filters.values()
    return np.array([np.concatenate([f.b / f.a[0], f.a / f.a[0]]) for f in stages])


def warm_up(rate_hz: int = 44100) -> None:
    """Load what measuring and limiting need (scipy.signal takes ~0.6 s to
    import), so that a caller can do it ahead, on another thread."""
    import scipy.ndimage  # noqa: F401  (the limiter's filters)
    import scipy.signal  # noqa: F401

    _k_weighting(rate_hz)
    _interpolator()


def integrated_lufs(samples: np.ndarray, rate_hz: int) -> float:
    """Integrated loudness (ITU-R BS.1770-4) of mono audio, in LUFS.

    The same algorithm as pyloudnorm's `Meter.integrated_loudness` (the tests
    hold it to that within 0.01 LU), but filtered block by block with the
    filter state carried over, so that a programme of tens of millions of
    samples needs a few MB instead of several float64 copies of itself.
    """
    meter = LoudnessMeter(rate_hz, true_peak=False)
    meter.feed(samples)
    return meter.integrated_lufs()


class LoudnessMeter:
    """Integrated loudness and true peak of audio that arrives in pieces.

    Feeding a file piece by piece as it is decoded gives the same figures as
    measuring it whole (the tests check this), in memory that does not grow
    with the programme's length:

        >>> meter = LoudnessMeter(44100)
        >>> for piece in decode_chunks("programme.mp3", 44100):  # doctest: +SKIP
        ...     meter.feed(piece)
        >>> meter.integrated_lufs(), meter.true_peak_dbtp()  # doctest: +SKIP
    """

    def __init__(self, rate_hz: int, *, true_peak: bool = True):
        from scipy.signal import sosfilt_zi

        self.rate_hz = rate_hz
        self.samples_seen = 0
        self._hop = int(round(_HOP_S * rate_hz))
        self._sos = _k_weighting(rate_hz)
        self._state = sosfilt_zi(self._sos) * 0.0  # start from rest, as a whole-signal filter does
        self._hop_energy: list[np.ndarray] = []
        self._partial = np.zeros(0, dtype=np.float64)  # squares of a hop not yet complete
        self._true_peak = true_peak
        self._peak = 0.0
        self._left = np.zeros(0, dtype=np.float32)  # context already measured
        self._held = np.zeros(0, dtype=np.float32)  # waiting for context on their right

    def feed(self, samples: np.ndarray) -> None:
        from scipy.signal import sosfilt

        chunk = self._hop * 100  # 10 s at a time
        for start in range(0, len(samples), chunk):
            block = samples[start : start + chunk]
            filtered, self._state = sosfilt(self._sos, block.astype(np.float64), zi=self._state)
            squares = np.concatenate([self._partial, np.square(filtered)])
            whole = len(squares) // self._hop * self._hop
            self._hop_energy.append(squares[:whole].reshape(-1, self._hop).sum(axis=1))
            self._partial = squares[whole:]
            if self._true_peak:
                self._measure_peaks(block.astype(np.float32, copy=False), final=False)
        self.samples_seen += len(samples)

    def _measure_peaks(self, block: np.ndarray, *, final: bool) -> None:
        # A sample's oversampled peak depends on its neighbours within the
        # interpolator's reach, so the last _PAD samples wait for the next block.
        held = np.concatenate([self._held, block])
        ready = len(held) if final else max(0, len(held) - _PAD)
        if ready:
            around = np.concatenate([self._left, held])
            # Only values that could beat the loudest so far matter.
            peaks = _oversampled_abs_above(around, self._peak)[len(self._left) : len(self._left) + ready]
            self._peak = max(self._peak, float(peaks.max()))
            self._left = around[max(0, len(self._left) + ready - _PAD) : len(self._left) + ready]
        self._held = held[ready:]

    def integrated_lufs(self) -> float:
        from scipy.signal import sosfilt

        hop, n = self._hop, self.samples_seen
        energy = list(self._hop_energy)
        tail = self._partial  # squares of the last, incomplete hop
        if n < _HOPS_PER_BLOCK * hop:  # shorter than one gating block: measured as if padded with silence
            rest, _ = sosfilt(self._sos, np.zeros(_HOPS_PER_BLOCK * hop - n), zi=self._state)
            tail = np.concatenate([tail, np.square(rest)])
            n = _HOPS_PER_BLOCK * hop
        if len(tail):
            energy.append(np.pad(tail, (0, -len(tail) % hop)).reshape(-1, hop).sum(axis=1))
        hop_energy = np.concatenate(energy) if energy else np.zeros(0)
        n_blocks = int(round((n / self.rate_hz - _HOPS_PER_BLOCK * _HOP_S) / _HOP_S)) + 1
        window = np.convolve(hop_energy, np.ones(_HOPS_PER_BLOCK), mode="full")[_HOPS_PER_BLOCK - 1 :]
        z = window[:n_blocks] / (_HOPS_PER_BLOCK * hop)  # mean square per gating block
        with np.errstate(divide="ignore"):
            block_lufs = -0.691 + 10 * np.log10(z)
            above = z[block_lufs >= _ABSOLUTE_GATE_LUFS]
            if above.size == 0:
                return float("-inf")
            relative_gate = -0.691 + 10 * np.log10(above.mean()) + _RELATIVE_GATE_LU
            gated = z[(block_lufs > relative_gate) & (block_lufs > _ABSOLUTE_GATE_LUFS)]
            return float(-0.691 + 10 * np.log10(gated.mean())) if gated.size else float("-inf")

    def short_term_lufs(self) -> np.ndarray:
        """Short-term loudness (EBU Tech 3341: the last 3 s, unweighted by
        gating), one value per complete 100 ms hop fed so far; the first
        3 s count the time before the start as silence, as meters do."""
        energy = np.concatenate(self._hop_energy) if self._hop_energy else np.zeros(0)
        hops = int(round(3.0 / _HOP_S))
        window = np.convolve(energy, np.ones(hops), mode="full")[: len(energy)] / (hops * self._hop)
        with np.errstate(divide="ignore"):
            return -0.691 + 10 * np.log10(window)

    def true_peak_dbtp(self) -> float:
        if len(self._held):
            self._measure_peaks(np.zeros(0, dtype=np.float32), final=True)
        return 20 * np.log10(self._peak) if self._peak > 0 else -np.inf


_BLOCK = 1 << 18  # ~6 s at 44.1 kHz: oversampling a whole programme at once took GBs
_TAPS = 48  # BS.1770-4 Annex 2 uses a 48-tap, 4-phase interpolator; so do we
_PAD = _TAPS  # input samples of context on each side, more than the filter's reach


@lru_cache(maxsize=1)
def _interpolator() -> np.ndarray:
    from scipy.signal import firwin

    # Low-pass at the original Nyquist (a quarter of the 4x rate), gain 4 to
    # make up for the zeros that upsampling inserts.
    return (firwin(_TAPS, 1.0 / _OVERSAMPLE) * _OVERSAMPLE).astype(np.float32)


def _oversampled_abs(samples: np.ndarray, start: int = 0, end: int | None = None) -> np.ndarray:
    """|x| at 4x rate, folded back to one value per original sample (the max of the 4),
    for samples[start:end], with the samples around them as context.

    Computed block by block with overlapping context, so memory stays flat
    whatever the programme length.
    """
    from scipy.signal import upfirdn

    h = _interpolator()
    delay = (_TAPS - 1) // 2  # the filter's group delay, in 4x samples
    n = len(samples)
    end = n if end is None else end
    out = np.empty(end - start, dtype=np.float32)
    for block_start in range(start, end, _BLOCK):
        block_end = min(end, block_start + _BLOCK)
        lo, hi = max(0, block_start - _PAD), min(n, block_end + _PAD)
        up = np.abs(upfirdn(h, samples[lo:hi].astype(np.float32, copy=False), _OVERSAMPLE))
        first = (block_start - lo) * _OVERSAMPLE + delay
        up = up[first : first + (block_end - block_start) * _OVERSAMPLE]
        # Max over each group of 4 through strided views: much faster than reshape(...).max(axis=1).
        out[block_start - start : block_end - start] = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
    return out


_SUB = 1024  # samples per sub-block when deciding where oversampling is needed


@lru_cache(maxsize=1)
def _interpolation_gain() -> float:
    """The most one interpolated value can exceed the largest input sample it is made of:
    the largest sum of |taps| over the interpolator's four phases (~1.84)."""
    h = _interpolator()
    return max(float(np.abs(h[p::_OVERSAMPLE]).sum()) for p in range(_OVERSAMPLE))


def _oversampled_abs_above(samples: np.ndarray, level: float) -> np.ndarray:
    """`_oversampled_abs(samples)` wherever it can exceed `level`; 0 elsewhere.

    An oversampled value is a weighted sum of the input samples within the
    interpolator's reach, so it is at most `_interpolation_gain()` times the
    largest of them. Sub-blocks whose bound is at most `level` are skipped:
    the exact values above `level` come out the same, at a fraction of the work
    (speech levelled to -16 LUFS has peaks near the ceiling in under half of
    its 23 ms sub-blocks).
    """
    n = len(samples)
    out = np.zeros(n, dtype=np.float32)
    if n == 0:
        return out
    n_sub = -(-n // _SUB)
    magnitude = np.zeros(n_sub * _SUB, dtype=np.float32)
    np.abs(samples, out=magnitude[:n])
    sub_max = magnitude.reshape(n_sub, _SUB).max(axis=1)
    # The reach (_PAD samples) is shorter than a sub-block: neighbours suffice.
    reach_max = sub_max.copy()
    reach_max[1:] = np.maximum(reach_max[1:], sub_max[:-1])
    reach_max[:-1] = np.maximum(reach_max[:-1], sub_max[1:])
    wanted = reach_max * np.float32(_interpolation_gain()) > level
    edges = np.flatnonzero(np.diff(np.concatenate([[0], wanted.astype(np.int8), [0]])))
    for first_sub, end_sub in zip(edges[0::2], edges[1::2]):
        start, end = int(first_sub) * _SUB, min(n, int(end_sub) * _SUB)
        out[start:end] = _oversampled_abs(samples, start, end)
    return out


def true_peak_dbtp(samples: np.ndarray) -> float:
    if samples.size == 0:
        return -np.inf
    # An exact value near the largest sample first; then only what could beat it.
    loudest = int(np.argmax(np.abs(samples)))
    near = float(_oversampled_abs(samples, loudest, loudest + 1).max())
    peak = max(near, float(_oversampled_abs_above(samples, near).max()))
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def limit(samples: np.ndarray, rate_hz: int, ceiling_dbtp: float = CEILING_DBTP, lookahead_s: float = 0.005,
          *, in_place: bool = False) -> np.ndarray:
    """Hold true peaks at or below the ceiling with a smooth gain curve.

    The gain each sample needs is spread by a minimum filter over the
    look-ahead window and then smoothed by a moving average half that wide:
    every value the average sees is a minimum over a window containing the
    sample, so the smoothed gain never exceeds what the sample needs.
    `in_place=True` writes into `samples` (same result, no second buffer).
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = np.float32(10 ** (ceiling_dbtp / 20))
    radius = max(1, int(lookahead_s * rate_hz))
    out = samples if in_place else None
    # Block by block with 2 x radius of context either side: both filters
    # reach at most that far, so the blocks join exactly, in flat memory.
    # A limited block is written back only after the next block has read its
    # context, so that in place or not, every gain comes from the input.
    context = 2 * radius
    pending: tuple[int, np.ndarray] | None = None
    for start in range(0, len(samples), _BLOCK):
        end = min(len(samples), start + _BLOCK)
        lo, hi = max(0, start - context), min(len(samples), end + context)
        peak = _oversampled_abs_above(samples[lo:hi], float(ceiling))  # values at or under the ceiling need no gain
        limited = None
        if peak.max(initial=0.0) > ceiling:
            # float32 throughout: a programme is tens of millions of samples.
            need = np.minimum(np.float32(1.0), ceiling / np.maximum(peak, np.float32(1e-12)))
            gain = minimum_filter1d(need, size=2 * radius + 1, mode="nearest")
            gain = uniform_filter1d(gain, size=radius + 1, mode="nearest")
            limited = samples[start:end] * gain[start - lo : end - lo]
        if pending is not None:
            out[pending[0] : pending[0] + len(pending[1])] = pending[1]
            pending = None
        if limited is not None:
            if out is None:
                out = samples.copy()
            pending = (start, limited)
    if pending is not None:
        out[pending[0] : pending[0] + len(pending[1])] = pending[1]
    return samples if out is None else out


def normalise(samples: np.ndarray, rate_hz: int, target_lufs: float = TARGET_LUFS, ceiling_dbtp: float = CEILING_DBTP,
              *, measure_peak: bool = True, in_place: bool = False) -> tuple[np.ndarray, LoudnessReport]:
    """Return the normalised programme and what was measured on it.

    `measure_peak=False` skips the final true-peak pass (NaN in the report),
    for a caller that measures the encoded file instead; `in_place=True`
    applies the gain to `samples` itself instead of a copy (a programme
    buffer is ~90 MB for 8 minutes).

    Gain to target, limit, measure; usually once is enough (limiting speech
    at -16 LUFS touches few peaks), else repeat with the remaining gap.
    """
    before = integrated_lufs(samples, rate_hz)
    if not np.isfinite(before):  # silence: nothing to normalise
        return samples, LoudnessReport(before, true_peak_dbtp(samples), 0.0)
    # Aim the limiter slightly under the ceiling: the MP3 encoder adds a little overshoot.
    limiter_ceiling = ceiling_dbtp - 0.5
    out, level = samples, before
    for _ in range(4):
        gain = np.float32(10 ** ((target_lufs - level) / 20))
        if in_place:
            np.multiply(out, gain, out=out)
        else:
            out = out * gain
            in_place = True  # from here on `out` is our own buffer
        out = limit(out, rate_hz, limiter_ceiling, in_place=True)
        level = integrated_lufs(out, rate_hz)
        if abs(level - target_lufs) <= 0.1:
            break
    peak = true_peak_dbtp(out) if measure_peak else float("nan")
    return out, LoudnessReport(level, peak, level - before)
