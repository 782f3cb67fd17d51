"""Loudness and true peak as ITU-R BS.1770-4 measures them (what the mix aims at and the package reports).

`integrated_lufs`, `loudness_range_lu` (EBU Tech 3342) and `true_peak_dbtp`
measure a buffer; `LoudnessMeter`
measures a stream piece by piece (the written MP3 as ffmpeg decodes it),
giving exactly what the whole-buffer functions give.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np


_OVERSAMPLE = 4  # BS.1770-4 true peak: 4x oversampling




_HOP_S = 0.1  # BS.1770 gating: 400 ms blocks overlapping by 75 %, i.e. 100 ms hops
_HOPS_PER_BLOCK = 4
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_SHORT_TERM_HOPS = 30  # EBU Tech 3342: short-term loudness over 3 s windows (here every 100 ms)
_LRA_RELATIVE_GATE_LU = -20.0


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


def loudness_range_lu(samples: np.ndarray, rate_hz: int) -> float:
    """Loudness range (EBU Tech 3342) of mono audio, in LU; 0.0 when shorter than 3 s."""
    meter = LoudnessMeter(rate_hz, true_peak=False)
    meter.feed(samples)
    return meter.loudness_range_lu()


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
        # The filter runs in float32: four times faster than float64 (an hour
        # is 160 million samples) and within 0.0001 dB of it, also on a 40 Hz
        # sine where the high-pass's poles near 1 would show rounding first.
        self._sos = _k_weighting(rate_hz).astype(np.float32)
        self._state = (sosfilt_zi(self._sos) * 0.0).astype(np.float32)  # start from rest, as a whole-signal filter does
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
            filtered, self._state = sosfilt(self._sos, block.astype(np.float32, copy=False), zi=self._state)
            squares = np.concatenate([self._partial, np.square(filtered, dtype=np.float64)])
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
            rest, _ = sosfilt(self._sos, np.zeros(_HOPS_PER_BLOCK * hop - n, dtype=np.float32), zi=self._state)
            tail = np.concatenate([tail, np.square(rest, dtype=np.float64)])
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

    def loudness_range_lu(self) -> float:
        """EBU Tech 3342: the spread between the 10th and 95th percentiles of
        the short-term loudness (3 s windows, every 100 ms), after an absolute
        gate at -70 LUFS and a relative gate 20 LU under their mean power.

        Only whole hops count (the last partial hop is left out, as ffmpeg's
        ebur128 filter does, which the tests hold this to within 0.5 LU).
        """
        energy = np.concatenate(self._hop_energy) if self._hop_energy else np.zeros(0)
        if len(energy) < _SHORT_TERM_HOPS:
            return 0.0
        window = np.convolve(energy, np.ones(_SHORT_TERM_HOPS), mode="valid") / (_SHORT_TERM_HOPS * self._hop)
        with np.errstate(divide="ignore"):
            short_term = -0.691 + 10 * np.log10(window)
        kept = short_term[short_term > _ABSOLUTE_GATE_LUFS]
        if kept.size == 0:
            return 0.0
        relative_gate = -0.691 + 10 * np.log10(np.mean(10 ** ((kept + 0.691) / 10))) + _LRA_RELATIVE_GATE_LU
        kept = kept[kept > relative_gate]
        if kept.size == 0:
            return 0.0
        low, high = np.percentile(kept, [10, 95])
        return float(high - low)

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


