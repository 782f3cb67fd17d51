"""Built-in jingles, generated in code so that no asset file is needed.

`chime` is a two-tone 叮咚 (a major third falling, E6 → C6) on bell-like
partials with exponential decay, the sound villagers know from public
address systems; `chime-end` is the same pair rising, for sign-off.
"""
from __future__ import annotations

import numpy as np

from broadcaster.codec import decode_file
from broadcaster.model import ItemPlan, JingleItem

# Partials of a small bell: ratio to the fundamental, relative amplitude, decay time (s).
_BELL = ((1.0, 1.0, 0.9), (2.0, 0.45, 0.5), (3.01, 0.2, 0.3), (4.2, 0.08, 0.2))


def _strike(freq_hz: float, duration_s: float, rate_hz: int) -> np.ndarray:
    t = np.arange(int(duration_s * rate_hz)) / rate_hz
    tone = np.zeros_like(t)
    for ratio, amp, decay_s in _BELL:
        tone += amp * np.sin(2 * np.pi * freq_hz * ratio * t) * np.exp(-t / decay_s)
    attack = np.minimum(1.0, t / 0.004)  # 4 ms attack avoids a click
    return (tone * attack).astype(np.float32)


def chime(rate_hz: int, rising: bool = False) -> np.ndarray:
    """About 1.9 s: two strikes 0.45 s apart, peak-normalised to -6 dBFS."""
    high, low = 1318.5, 1046.5  # E6, C6
    first, second = (low, high) if rising else (high, low)
    out = np.zeros(int(1.9 * rate_hz), dtype=np.float32)
    a = _strike(first, 1.4, rate_hz)
    b = _strike(second, 1.45, rate_hz)
    out[: len(a)] += a
    start = int(0.45 * rate_hz)
    out[start : start + len(b)] += b[: len(out) - start]
    return out * (0.5 / np.max(np.abs(out)))


def builtin_jingle(name: str, rate_hz: int) -> np.ndarray:
    if name == "chime":
        return chime(rate_hz)
    if name == "chime-end":
        return chime(rate_hz, rising=True)
    raise KeyError(name)


def load_jingles(plans: list[ItemPlan], rate_hz: int) -> dict[int, np.ndarray]:
    """Item index → samples at `rate_hz` for every jingle item: built-in ones
    made, files decoded. Done before synthesis, so that a bad jingle file is
    reported before minutes of work."""
    out = {}
    for plan in plans:
        item = plan.item
        if isinstance(item, JingleItem):
            out[item.index] = builtin_jingle(item.builtin, rate_hz) if item.builtin else decode_file(item.path, rate_hz)
    return out
