"""True peak as ITU-R BS.1770-4 Annex 2 measures it: the signal oversampled 4x.

`true_peak_dbtp` measures a buffer; `_oversampled_abs_above` finds, cheaply,
the oversampled values that exceed a level (the limiter's ceiling, or the
loudest peak so far), exactly as computing them all would.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

_OVERSAMPLE = 4  # BS.1770-4 true peak: 4x oversampling
_BLOCK = 1 << 18  # ~6 s at 44.1 kHz: oversampling a whole programme at once took GBs
_TAPS = 48  # BS.1770-4 Annex 2 uses a 48-tap, 4-phase interpolator; so do we
_PAD = _TAPS  # input samples of context on each side, more than the filter's reach


@lru_cache(maxsize=1)
def _interpolator() -> np.ndarray:
    from scipy.signal import firwin

    # Low-pass at the original Nyquist (a quarter of the 4x rate), gain 4 to
    # make up for the zeros that upsampling inserts.
    return (firwin(_TAPS, 1.0 / _OVERSAMPLE) * _OVERSAMPLE).astype(np.float32)


@lru_cache(maxsize=1)
def _phases() -> tuple[tuple[int, np.ndarray], ...]:
    """The interpolator as four phases: value q (0-3) after input sample i is
    sum over t of taps[t] * x[i + offset - t], for (offset, taps) = _phases()[q].

    This is what `upfirdn(h, x, 4)` computes (zeros between the samples, then
    the 48-tap filter, read after its group delay), without multiplying the
    three zeros in every four: 12 taps a phase, done as 12 shifted
    multiply-adds over a block, 3-4x faster than upfirdn.
    """
    h = _interpolator()
    delay = (_TAPS - 1) // 2  # the filter's group delay, in 4x samples
    out = []
    for q in range(_OVERSAMPLE):
        r = (delay + q) % _OVERSAMPLE
        out.append(((delay + q - r) // _OVERSAMPLE, h[r::_OVERSAMPLE].copy()))
    return tuple(out)


_REACH = _TAPS // _OVERSAMPLE // 2  # input samples either side that one interpolated value depends on (6)
_CENTRAL = 4  # taps a phase in the quick estimate


@lru_cache(maxsize=1)
def _central_phases() -> tuple[tuple[tuple[int, np.ndarray], ...], float]:
    """Each phase cut to its `_CENTRAL` middle taps (where nearly all its weight
    is), and the most the taps left out can add: sum of their |taps| (0.26),
    times the largest sample within reach. A quick estimate plus that bound
    is never below the exact value, so it can rule regions out cheaply."""
    phases, rest = [], 0.0
    for offset, taps in _phases():
        first = int(np.argmax(np.convolve(np.abs(taps), np.ones(_CENTRAL), mode="valid")))
        phases.append((offset - first, taps[first : first + _CENTRAL].copy()))
        rest = max(rest, float(np.abs(taps).sum() - np.abs(taps[first : first + _CENTRAL]).sum()))
    return tuple(phases), rest


def _oversampled_abs(samples: np.ndarray, start: int = 0, end: int | None = None,
                     phases: tuple[tuple[int, np.ndarray], ...] | None = None) -> np.ndarray:
    """|x| at 4x rate, folded back to one value per original sample (the max of the 4),
    for samples[start:end], with the samples around them as context (zeros
    beyond the ends, as a filter over the whole signal sees).

    Computed block by block, so memory stays flat whatever the programme length.
    `phases` replaces the interpolator's (`_central_phases` for the quick estimate).
    """
    n = len(samples)
    end = n if end is None else end
    out = np.empty(end - start, dtype=np.float32)
    phases = phases or _phases()
    for block_start in range(start, end, _BLOCK):
        block_end = min(end, block_start + _BLOCK)
        m = block_end - block_start
        # ext[j] is samples[block_start - _REACH + j], zero outside the signal.
        ext = np.zeros(m + 2 * _REACH + 1, dtype=np.float32)
        lo, hi = max(0, block_start - _REACH), min(n, block_end + _REACH + 1)
        ext[lo - (block_start - _REACH) : hi - (block_start - _REACH)] = samples[lo:hi]
        peak = out[block_start - start : block_end - start]
        acc, term = np.empty(m, dtype=np.float32), np.empty(m, dtype=np.float32)
        for q, (offset, taps) in enumerate(phases):
            for t, tap in enumerate(taps):
                first = _REACH + offset - t
                target = acc if t == 0 else term
                np.multiply(ext[first : first + m], tap, out=target)
                if t:
                    acc += term
            np.abs(acc, out=acc)
            if q == 0:
                peak[:] = acc
            else:
                np.maximum(peak, acc, out=peak)
    return out


_SUB = 128  # samples per sub-block when deciding where oversampling is needed


@lru_cache(maxsize=1)
def _interpolation_gain() -> float:
    """The most one interpolated value can exceed the largest input sample it is made of:
    the largest sum of |taps| over the interpolator's four phases (~1.84)."""
    h = _interpolator()
    return max(float(np.abs(h[p::_OVERSAMPLE]).sum()) for p in range(_OVERSAMPLE))


def _oversampled_abs_above(samples: np.ndarray, level: float) -> np.ndarray:
    """`_oversampled_abs(samples)` wherever it can exceed `level`; 0 elsewhere.

    Worked out in 128-sample sub-blocks, in three tiers, each ruling out
    sub-blocks whose values cannot exceed `level`:

    1. an oversampled value is a weighted sum of the samples within the
       interpolator's reach, so it is at most `_interpolation_gain()` (1.84)
       times the largest of them;
    2. the four middle taps of each phase (`_central_phases`) give an
       estimate within 0.26 x that largest sample of the exact value;
    3. the exact 48-tap values, for what is left.

    The values above `level` come out exactly as computing everything would,
    for a fraction of the work: of speech levelled to -16 LUFS with a
    -1.5 dBTP ceiling, tier 1 leaves a quarter of the sub-blocks, tier 2 a
    twentieth. Each tier works on all its sub-blocks at once (gathered
    side by side with their context), not one run at a time.
    """
    n = len(samples)
    out = np.zeros(-(-n // _SUB) * _SUB, dtype=np.float32)
    if n == 0:
        return out[:0]
    n_sub = len(out) // _SUB
    # The samples with _REACH zeros before and enough after: sub-block k and its context are padded[k * _SUB:][:_SPAN].
    padded = np.zeros(len(out) + 2 * _REACH + 1, dtype=np.float32)
    padded[_REACH : _REACH + n] = samples
    sub_max = np.abs(padded[_REACH : _REACH + len(out)]).reshape(n_sub, _SUB).max(axis=1)
    # The reach (_REACH samples) is shorter than a sub-block: neighbours suffice.
    reach_max = sub_max.copy()
    reach_max[1:] = np.maximum(reach_max[1:], sub_max[:-1])
    reach_max[:-1] = np.maximum(reach_max[:-1], sub_max[1:])
    margin = np.float32(1 + 1e-5)  # float32 rounding in the sums: never rule out a value at the edge
    subs = np.flatnonzero(reach_max * np.float32(_interpolation_gain()) * margin > level)
    if len(subs):
        central, rest = _central_phases()
        estimate = _sub_blocks_abs(padded, subs, central).max(axis=1)
        subs = subs[(estimate + np.float32(rest) * reach_max[subs]) * margin > level]
    if len(subs):
        out.reshape(n_sub, _SUB)[subs] = _sub_blocks_abs(padded, subs, _phases())
    return out[:n]


def _sub_blocks_abs(padded: np.ndarray, subs: np.ndarray, phases) -> np.ndarray:
    """`_oversampled_abs` of the sub-blocks numbered `subs`, one row each,
    from `padded` (the samples after _REACH zeros, as `_oversampled_abs_above` makes it)."""
    span = _SUB + 2 * _REACH + 1
    windows = padded[subs[:, None] * _SUB + np.arange(span)[None, :]]
    peak = acc = None
    term = np.empty((len(subs), _SUB), dtype=np.float32)
    for offset, taps in phases:
        acc = np.empty((len(subs), _SUB), dtype=np.float32)
        for t, tap in enumerate(taps):
            first = _REACH + offset - t
            np.multiply(windows[:, first : first + _SUB], tap, out=acc if t == 0 else term)
            if t:
                acc += term
        np.abs(acc, out=acc)
        peak = acc if peak is None else np.maximum(peak, acc, out=peak)
    return peak


def true_peak_dbtp(samples: np.ndarray) -> float:
    if samples.size == 0:
        return -np.inf
    # An exact value near the largest sample first; then only what could beat it.
    loudest = int(np.argmax(np.abs(samples)))
    near = float(_oversampled_abs(samples, loudest, loudest + 1).max())
    peak = max(near, float(_oversampled_abs_above(samples, near).max()))
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def warm_up_true_peak() -> None:
    """Work out the interpolator's tables now (they are cached), not on a side thread."""
    _interpolator()
    _phases()
    _central_phases()
    _interpolation_gain()
