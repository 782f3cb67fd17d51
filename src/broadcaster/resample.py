"""Sample-rate conversion with a polyphase filter (exact ratios, no drift)."""
from __future__ import annotations

from math import gcd

import numpy as np


def resample(samples: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """24000 → 44100 is up 147, down 80; the length scales exactly."""
    if from_hz == to_hz:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(from_hz, to_hz)
    return resample_poly(samples, to_hz // g, from_hz // g).astype(np.float32)


def resampled_length(n_samples: int, from_hz: int, to_hz: int) -> int:
    """How many samples `resample` returns for `n_samples` (resample_poly rounds up).

    >>> resampled_length(24000, 24000, 44100), resampled_length(1, 24000, 44100)
    (44100, 2)
    """
    if from_hz == to_hz:
        return n_samples
    g = gcd(from_hz, to_hz)
    up, down = to_hz // g, from_hz // g
    return -(-n_samples * up // down)
