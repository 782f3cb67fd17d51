"""Test support shared by the test modules: fake engines and small helpers."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from broadcaster.errors import SynthesisError
from broadcaster.model import Speech, VoiceInfo

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FAKE_RATE_HZ = 24000
FAKE_S_PER_CHAR = 0.2


class FakeEngine:
    """Speaks each character as 0.2 s of a quiet tone, and remembers what it was asked.

    `fail_when(text)` decides which requests fail, to exercise the fallback.
    """

    needs_network = False

    def __init__(self, name: str = "fake", fail_when=lambda text: False, tone_hz: float = 220.0):
        self.name = name
        self.fail_when = fail_when
        self.tone_hz = tone_hz
        self.calls: list[str] = []

    def model_id(self) -> str:
        return f"{self.name}-1"

    def default_voice(self) -> str:
        return "v1"

    def check_voice(self, voice) -> None:
        from broadcaster.errors import InputError

        if voice.name not in ("v1", "v2"):
            raise InputError(f"unknown {self.name} voice {voice.name!r}")

    def list_voices(self):
        return [VoiceInfo(self.name, "v1", "zh-CN", "female"), VoiceInfo(self.name, "v2", "zh-CN", "male")], "test fake"

    def synthesize_many(self, requests, progress=None, on_result=None):
        out = []
        for i, r in enumerate(requests):
            self.calls.append(r.text)
            if self.fail_when(r.text):
                out.append(SynthesisError(f"{self.name} refused {r.text[:8]!r}"))
            else:
                n = int(len(r.text) * FAKE_S_PER_CHAR / r.voice.rate_factor * FAKE_RATE_HZ)
                t = np.arange(n) / FAKE_RATE_HZ
                # A tone with a syllable-rate envelope, so loudness gating sees speech-like audio.
                env = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
                out.append(Speech((0.3 * env * np.sin(2 * np.pi * self.tone_hz * t)).astype(np.float32), FAKE_RATE_HZ))
                if on_result is not None:
                    on_result(i, out[-1])
            if progress:
                progress(1)
        return out


def write_script(folder: Path, body: str, name: str = "script.yaml") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path
