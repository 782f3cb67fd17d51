"""Loudness normalisation (ITU-R BS.1770 via pyloudnorm) and a true-peak limiter.

The programme is brought to the target integrated loudness (−16 LUFS, the
usual level for speech delivered as files), then any inter-sample peak above
the ceiling (−1 dBTP) is held down by a look-ahead gain curve, and the pair
is repeated until both hold, since limiting lowers the loudness a little.
"""
from __future__ import annotations

from dataclasses import dataclass

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
    return float(pyloudnorm.Meter(rate_hz).integrated_loudness(samples.astype(np.float64)))


_BLOCK = 1 << 18  # ~6 s at 44.1 kHz: oversampling a whole programme at once took GBs
_PAD = 64  # input samples of context on each side, more than the filter's reach


def _oversampled_abs(samples: np.ndarray) -> np.ndarray:
    """|x| at 4x rate, folded back to one value per original sample (the max of the 4).

    Computed block by block with overlapping context, so memory stays flat
    whatever the programme length.
    """
    from scipy.signal import resample_poly

    n = len(samples)
    out = np.empty(n, dtype=np.float32)
    for start in range(0, n, _BLOCK):
        end = min(n, start + _BLOCK)
        lo, hi = max(0, start - _PAD), min(n, end + _PAD)
        up = np.abs(resample_poly(samples[lo:hi], _OVERSAMPLE, 1)).astype(np.float32)
        up = up[(start - lo) * _OVERSAMPLE : (end - lo) * _OVERSAMPLE]
        out[start:end] = up.reshape(end - start, _OVERSAMPLE).max(axis=1)
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
    """Return the normalised programme and what was measured on it."""
    before = integrated_lufs(samples, rate_hz)
    if not np.isfinite(before):  # silence: nothing to normalise
        return samples, LoudnessReport(before, true_peak_dbtp(samples), 0.0)
    out = samples
    # Aim the limiter slightly under the ceiling: the MP3 encoder adds a little overshoot.
    limiter_ceiling = ceiling_dbtp - 0.5
    for _ in range(4):
        gain_db = target_lufs - integrated_lufs(out, rate_hz)
        out = limit((out * 10 ** (gain_db / 20)).astype(np.float32), rate_hz, limiter_ceiling)
        if abs(integrated_lufs(out, rate_hz) - target_lufs) <= 0.2:
            break
    after = integrated_lufs(out, rate_hz)
    total_gain_db = after - before
    return out, LoudnessReport(after, true_peak_dbtp(out), total_gain_db)
