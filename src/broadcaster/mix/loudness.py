"""Loudness normalisation (ITU-R BS.1770 via pyloudnorm) and a true-peak limiter.

The programme is brought to the target integrated loudness (−16 LUFS, the
usual level for speech delivered as files), then any inter-sample peak above
the ceiling (−1 dBTP) is held down by a look-ahead gain curve, and the pair
is repeated until both hold, since limiting lowers the loudness a little.
"""
from __future__ import annotations

import numpy as np

from broadcaster.meter import _BLOCK, _oversampled_abs_above, integrated_lufs, true_peak_dbtp
from broadcaster.model.mix import LoudnessReport

TARGET_LUFS = -16.0
CEILING_DBTP = -1.0


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
