"""Loudness and true peak as ITU-R BS.1770-4 measures them (what the mix aims at and the package reports).

`integrated_lufs` and `loudness_range_lu` (EBU Tech 3342) measure a buffer
(`true_peak.true_peak_dbtp` its true peak); `LoudnessMeter` measures a
stream piece by piece (the written MP3 as ffmpeg decodes it, mono or
stereo), giving exactly what the whole-buffer functions give.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from broadcaster.true_peak import _PAD, _oversampled_abs_above, warm_up_true_peak


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


def duplicated_channels_db(channels: int) -> float:
    """How much louder one signal measures on `channels` channels than on one:
    BS.1770 adds the channels' energies (left and right weigh 1.0 each), so
    the mono programme on both channels of a stereo file reads 3.01 dB
    louder, while each channel's true peak is the mono one.

    >>> round(duplicated_channels_db(2), 2), duplicated_channels_db(1)
    (3.01, 0.0)
    """
    return float(10 * np.log10(channels))


def warm_up(rate_hz: int = 44100) -> None:
    """Load what measuring and limiting need (scipy.signal takes ~0.6 s to
    import), so that a caller can do it ahead, on another thread."""
    import scipy.ndimage  # noqa: F401  (the limiter's filters)
    import scipy.signal  # noqa: F401

    _k_weighting(rate_hz)
    warm_up_true_peak()


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


def frame_energy(piece: np.ndarray, frame: int) -> np.ndarray:
    """Mean square of each `frame`-sample frame of `piece` (the last may be partial:
    its sum is still divided by `frame`, as if padded with silence)."""
    whole = len(piece) // frame * frame
    frames = piece[:whole].reshape(-1, frame)
    # Sum of squares per frame without a squared copy of the block.
    # Summed in float32 (3.5x faster than asking einsum for float64): 441
    # squares lose at most ~3e-7 of their sum, 0.000001 dB.
    out = np.einsum("ij,ij->i", frames, frames).astype(np.float64) / frame
    if whole < len(piece):
        out = np.append(out, float(np.sum(np.square(piece[whole:], dtype=np.float64))) / frame)
    return out


def gated_lufs(block_ms: np.ndarray) -> float:
    """Integrated loudness from the K-weighted mean square of each 400 ms
    gating block (75 % overlap): the BS.1770 absolute and relative gates."""
    z = np.asarray(block_ms, dtype=np.float64)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(z)
        above = z[block_lufs >= _ABSOLUTE_GATE_LUFS]
        if above.size == 0:
            return float("-inf")
        relative_gate = -0.691 + 10 * np.log10(above.mean()) + _RELATIVE_GATE_LU
        gated = z[(block_lufs > relative_gate) & (block_lufs > _ABSOLUTE_GATE_LUFS)]
        return float(-0.691 + 10 * np.log10(gated.mean())) if gated.size else float("-inf")


def lufs_from_frames(frame_ms: np.ndarray, frames_per_hop: int) -> float:
    """Integrated loudness from the K-weighted mean square of short frames,
    `frames_per_hop` to a 100 ms hop: what the mix uses to aim its gain
    before the programme exists (a frame's energy scales with the square of
    any gain applied to it). Within 0.01 LU of measuring the audio when the
    frames tile the hops exactly, as 10 ms frames do at 44.1 and 48 kHz."""
    n_hops = len(frame_ms) // frames_per_hop
    if n_hops < _HOPS_PER_BLOCK:
        hop_ms = np.array([np.sum(frame_ms) / (_HOPS_PER_BLOCK * frames_per_hop)])
        return gated_lufs(hop_ms)
    hop_ms = frame_ms[: n_hops * frames_per_hop].reshape(n_hops, frames_per_hop).mean(axis=1)
    block_ms = np.convolve(hop_ms, np.ones(_HOPS_PER_BLOCK) / _HOPS_PER_BLOCK, mode="valid")
    return gated_lufs(block_ms)


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

    def __init__(self, rate_hz: int, *, true_peak: bool = True, channels: int = 1):
        self.rate_hz, self.channels = rate_hz, channels
        self.samples_seen = 0
        self._hop = int(round(_HOP_S * rate_hz))
        # The filter runs in float32: four times faster than float64 (an hour
        # is 160 million samples) and within 0.0001 dB of it, also on a 40 Hz
        # sine where the high-pass's poles near 1 would show rounding first.
        self._sos = _k_weighting(rate_hz).astype(np.float32)
        # from rest, as a whole-signal filter starts; (sections, 2[, channels]) as sosfilt takes it along axis 0
        self._state = np.zeros((len(self._sos), 2) + ((channels,) if channels > 1 else ()), dtype=np.float32)
        self._hop_energy: list[np.ndarray] = []
        self._partial = np.zeros(0, dtype=np.float64)  # squares of a hop not yet complete
        self._true_peak = true_peak
        self._peak = 0.0
        # per channel: context already measured, and samples waiting for context on their right
        self._left = [np.zeros(0, dtype=np.float32) for _ in range(channels)]
        self._held = [np.zeros(0, dtype=np.float32) for _ in range(channels)]

    def feed(self, samples: np.ndarray) -> None:
        """`samples`: (n,) for one channel, (n, channels) for more."""
        from scipy.signal import sosfilt

        chunk = self._hop * 100  # 10 s at a time
        for start in range(0, len(samples), chunk):
            block = samples[start : start + chunk].astype(np.float32, copy=False)
            filtered, self._state = sosfilt(self._sos, block, axis=0, zi=self._state)
            energy = np.square(filtered, dtype=np.float64)
            if energy.ndim == 2:  # BS.1770: left and right count alike, their energies add
                energy = energy.sum(axis=1)
            squares = np.concatenate([self._partial, energy])
            whole = len(squares) // self._hop * self._hop
            self._hop_energy.append(squares[:whole].reshape(-1, self._hop).sum(axis=1))
            self._partial = squares[whole:]
            if self._true_peak:
                for c in range(self.channels):
                    self._measure_peaks(c, block if block.ndim == 1 else np.ascontiguousarray(block[:, c]), final=False)
        self.samples_seen += len(samples)

    def _measure_peaks(self, channel: int, block: np.ndarray, *, final: bool) -> None:
        # A sample's oversampled peak depends on its neighbours within the
        # interpolator's reach, so the last _PAD samples wait for the next block.
        held = np.concatenate([self._held[channel], block])
        ready = len(held) if final else max(0, len(held) - _PAD)
        left = self._left[channel]
        if ready:
            around = np.concatenate([left, held])
            # Only values that could beat the loudest so far (on any channel) matter.
            peaks = _oversampled_abs_above(around, self._peak)[len(left) : len(left) + ready]
            self._peak = max(self._peak, float(peaks.max()))
            self._left[channel] = around[max(0, len(left) + ready - _PAD) : len(left) + ready]
        self._held[channel] = held[ready:]

    def integrated_lufs(self) -> float:
        from scipy.signal import sosfilt

        hop, n = self._hop, self.samples_seen
        energy = list(self._hop_energy)
        tail = self._partial  # squares of the last, incomplete hop
        if n < _HOPS_PER_BLOCK * hop:  # shorter than one gating block: measured as if padded with silence
            silence = np.zeros((_HOPS_PER_BLOCK * hop - n,) + self._state.shape[2:], dtype=np.float32)
            rest, _ = sosfilt(self._sos, silence, axis=0, zi=self._state)
            rest = np.square(rest, dtype=np.float64)
            tail = np.concatenate([tail, rest if rest.ndim == 1 else rest.sum(axis=1)])
            n = _HOPS_PER_BLOCK * hop
        if len(tail):
            energy.append(np.pad(tail, (0, -len(tail) % hop)).reshape(-1, hop).sum(axis=1))
        hop_energy = np.concatenate(energy) if energy else np.zeros(0)
        n_blocks = int(round((n / self.rate_hz - _HOPS_PER_BLOCK * _HOP_S) / _HOP_S)) + 1
        window = np.convolve(hop_energy, np.ones(_HOPS_PER_BLOCK), mode="full")[_HOPS_PER_BLOCK - 1 :]
        return gated_lufs(window[:n_blocks] / (_HOPS_PER_BLOCK * hop))

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
        """The highest true peak on any channel."""
        for c in range(self.channels):
            if len(self._held[c]):
                self._measure_peaks(c, np.zeros(0, dtype=np.float32), final=True)
        return 20 * np.log10(self._peak) if self._peak > 0 else -np.inf
