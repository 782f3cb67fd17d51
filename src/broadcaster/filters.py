"""Recursive (IIR) filters over a programme cut into blocks that need not come in order.

A recursive filter carries state from sample to sample, which would chain
every block to the one before. But a stable filter forgets: its response to
where it started dies away geometrically with its slowest pole. So each
block is filtered from rest together with the `history` samples before it,
enough for that start-up response to fall below 1e-12 of the signal, and
those first outputs are dropped. What is left equals filtering the whole
programme in one go to float32 precision, and the blocks can be filtered on
any thread, in any order:

    >>> sos = np.array([[1.0, -1.0, 0.0, 1.0, -0.9, 0.0]])  # a gentle high-pass
    >>> f = BlockFilter(sos)
    >>> x = np.random.default_rng(0).standard_normal(20_000).astype(np.float32)
    >>> whole = f.from_rest(x)
    >>> block = f.from_rest(x[10_000 - f.history :])[f.history :]
    >>> bool(np.allclose(block, whole[10_000:], atol=1e-6))
    True
"""
from __future__ import annotations

import numpy as np

_FORGOTTEN = 1e-12


def settle_samples(sos: np.ndarray) -> int:
    """Samples after which the filter's response to its starting state is
    below 1e-12: from its slowest pole, doubled for the polynomial factor
    that repeated poles bring (n * r**n)."""
    from scipy.signal import sos2zpk

    _, poles, _ = sos2zpk(sos)
    radius = float(np.max(np.abs(poles))) if len(poles) else 0.0
    if radius <= 0.0:
        return 0
    if radius >= 1.0:
        raise ValueError("the filter is not stable")
    return 2 * int(np.ceil(np.log(_FORGOTTEN) / np.log(radius)))


class BlockFilter:
    """`sos` (second-order sections), run in float32 from rest over each block given to it."""

    def __init__(self, sos: np.ndarray):
        from scipy.signal import sosfilt

        self._sosfilt = sosfilt  # imported here: calls from other threads import nothing
        self.sos = np.asarray(sos, dtype=np.float32)  # float32 like the samples: 4x faster than float64
        self.history = settle_samples(np.asarray(sos, dtype=np.float64))

    def from_rest(self, samples: np.ndarray) -> np.ndarray:
        return self._sosfilt(self.sos, samples.astype(np.float32, copy=False))
