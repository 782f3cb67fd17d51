#!/usr/bin/env python
"""Make examples/music/bed.mp3: a 16-second music bed generated in code (no downloaded music).

    python scripts/make_bed.py [OUT.mp3]

Four soft chords (C, Am, F, G: a major key villagers hear as calm), each
4 s, of sine partials with slow attacks, and a plucked arpeggio on top, so
that the bed has a rhythm a listener notices when it is ducked. It ends on
the chord it starts from, so that it loops (mix/beds.py crossfades the seam).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

RATE_HZ = 44100
CHORD_S = 4.0
CHORDS = ((261.63, 329.63, 392.00), (220.00, 261.63, 329.63), (174.61, 220.00, 261.63), (196.00, 246.94, 293.66))


def bed(rate_hz: int = RATE_HZ) -> np.ndarray:
    n = int(CHORD_S * rate_hz)
    t = np.arange(n) / rate_hz
    swell = np.minimum(1.0, t / 0.8) * np.minimum(1.0, (CHORD_S - t) / 0.8)  # each chord swells in and out
    out = []
    for chord in CHORDS:
        pad = sum(np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 2 * f * t) for f in chord) * swell
        pluck = np.zeros(n)
        for k in range(8):  # eighth notes up and down the chord, an octave higher
            start = int(k * CHORD_S / 8 * rate_hz)
            tt = t[: n - start]
            f = 2 * chord[(0, 1, 2, 1)[k % 4]]
            pluck[start:] += np.sin(2 * np.pi * f * tt) * np.exp(-tt / 0.25) * np.minimum(1.0, tt / 0.005)
        out.append(0.6 * pad / len(chord) + 0.4 * pluck)
    samples = np.concatenate(out)
    return (samples * (0.5 / np.max(np.abs(samples)))).astype(np.float32)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from broadcaster.codec import encode_mp3

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "examples" / "music" / "bed.mp3"
    out.parent.mkdir(parents=True, exist_ok=True)
    encode_mp3(bed(), out, {"title": "music bed (generated)"}, RATE_HZ, "64k")
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
