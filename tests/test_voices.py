"""The kokoro engine's voices: the shipped Mandarin set, its provenance, the
listing and the default."""
from __future__ import annotations

import hashlib
import importlib.resources as resources
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from broadcaster.synthesise.engines import kokoro_voices
from broadcaster.model import SpeechRequest, Voice
from broadcaster.synthesise.engines.base import get_engine
from broadcaster.synthesise.engines.kokoro_voices import DEFAULT_VOICE, JAPANESE_VOICES, MANDARIN_VOICES, STYLE_SHAPE, VoiceStyles

DATA = resources.files("broadcaster") / "data"


def test_default_voice_is_a_mandarin_one():
    assert DEFAULT_VOICE in MANDARIN_VOICES
    assert get_engine("kokoro").default_voice() == DEFAULT_VOICE


def test_every_voice_loads_as_a_style_table():
    styles = VoiceStyles()
    for name in kokoro_voices.VOICES:
        style = styles(name)
        assert style.shape == STYLE_SHAPE and style.dtype == np.float32
        assert np.isfinite(style).all() and style.std() > 0.01
    # the Mandarin voices are different voices, not copies
    assert len({styles(n).tobytes() for n in MANDARIN_VOICES}) == len(MANDARIN_VOICES)
    with pytest.raises(KeyError):
        styles("zh-CN-XiaoxiaoNeural")


def test_shipped_file_holds_exactly_the_listed_mandarin_voices():
    with np.load(str(DATA / "voices_zh.npz")) as npz:
        assert npz.files == list(MANDARIN_VOICES)


def test_notice_and_licence_ship_and_match_the_voice_file():
    notice = (DATA / "NOTICE-kokoro-voices").read_text(encoding="utf-8")
    assert "kokoro-js 1.2.1" in notice and "Apache License 2.0" in notice
    digest = hashlib.sha256((DATA / "voices_zh.npz").read_bytes()).hexdigest()
    assert re.search(rf"voices_zh\.npz\s+sha256 {digest}$", notice, re.M)
    for name in MANDARIN_VOICES:
        assert f"voices/{name}.bin" in notice
    assert "Apache License" in (DATA / "LICENSE-kokoro-voices").read_text(encoding="utf-8")[:200]


def test_voice_file_is_rebuilt_byte_for_byte_from_its_arrays():
    """scripts/build_zh_voices.py writes nothing that depends on when or
    where it runs: the same arrays give the same bytes as the shipped file."""
    path = Path(__file__).resolve().parents[1] / "scripts" / "build_zh_voices.py"
    spec = importlib.util.spec_from_file_location("build_zh_voices", path)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    shipped = (DATA / "voices_zh.npz").read_bytes()
    with np.load(str(DATA / "voices_zh.npz")) as npz:
        arrays = {name: npz[name] for name in npz.files}
    assert build.npz_bytes(arrays) == shipped


def test_voices_are_listed_mandarin_first_and_japanese_marked(run_cli):
    code, out, _ = run_cli("voices", "--engine", "kokoro")
    assert code == 0
    names = [n for n in kokoro_voices.VOICES if n in out]
    assert names == list(kokoro_voices.VOICES)
    positions = [out.index(n) for n in names]
    assert positions == sorted(positions)
    infos, _ = get_engine("kokoro").list_voices()
    assert [i.name for i in infos][: len(MANDARIN_VOICES)] == list(MANDARIN_VOICES)
    for info in infos:
        assert info.gender in ("female", "male") and info.note
        assert ("Japanese-trained" in info.locale) == (info.name in JAPANESE_VOICES)


@pytest.mark.engine
def test_each_mandarin_voice_speaks_a_sentence_of_plausible_length():
    kokoro = get_engine("kokoro")
    text = "各位村民请注意，现在开始广播。"  # 14 syllables
    results = kokoro.synthesize_many([SpeechRequest(text, Voice("kokoro", n)) for n in MANDARIN_VOICES])
    for name, speech in zip(MANDARIN_VOICES, results):
        assert not isinstance(speech, Exception), (name, speech)
        assert 14 / 6 <= speech.duration_s <= 14 / 3 + 0.5, (name, speech.duration_s)
        # the model's output is not bounded to ±1 (zm_yunyang peaks at ~1.06
        # here); the render levels and limits it later
        assert np.isfinite(speech.samples).all() and 0.3 < np.max(np.abs(speech.samples)) < 2.0, name
