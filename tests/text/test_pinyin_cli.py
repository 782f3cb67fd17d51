"""`broadcaster text --pinyin` and the readings in `--explain` (issue 27):
golden files, and a check that the syllables shown are the ones the offline
engine turns into phonemes."""
from __future__ import annotations

from pathlib import Path

import pytest
from text_helpers import check_golden

HERE = Path(__file__).resolve().parent / "readings"
NOTICE = HERE / "polyphone-notice.txt"
SCRIPT = HERE / "pinyin-script.yaml"


@pytest.mark.parametrize("source, golden", [(NOTICE, "polyphone-notice.pinyin.txt"), (SCRIPT, "pinyin-script.pinyin.txt")])
def test_pinyin_matches_golden(run_cli, source, golden):
    code, out, err = run_cli("text", str(source), "--pinyin")
    assert code == 0, err
    check_golden(golden, out)


def test_explain_marks_polyphones_with_their_source(run_cli):
    code, out, err = run_cli("text", str(NOTICE), "--explain")
    assert code == 0, err
    check_golden("polyphone-notice.explain.txt", out)


def test_script_explain_shows_dictionary_words_and_surnames(run_cli):
    code, out, err = run_cli("text", str(SCRIPT), "--explain")
    assert code == 0, err
    assert "  reading:  溱潼 qin2 tong2  dictionary" in out.splitlines()
    assert "  reading:  曾 zeng1  surname 曾 before a title" in out.splitlines()


def test_each_segment_then_one_syllable_per_han_character(run_cli):
    code, out, _ = run_cli("text", str(NOTICE), "--pinyin")
    lines = out.splitlines()
    assert len(lines) % 2 == 0
    for spoken, syllables in zip(lines[::2], lines[1::2]):
        han = [c for c in spoken if "\u4e00" <= c <= "\u9fff"]
        assert len(syllables.split()) == len(han), spoken
        assert all(s[-1] in "12345" for s in syllables.split())


def _ipa_of_shown(syllables: list[str]) -> str:
    """Phonemes from the shown syllables, an r5 merged into the one before."""
    from broadcaster.synthesise.engines.mandarin_g2p import pinyin_to_ipa

    merged: list[str] = []
    for s in syllables:
        if s == "r5":
            merged[-1] = merged[-1][:-1] + "r" + merged[-1][-1]
        else:
            merged.append(s)
    return "".join(pinyin_to_ipa(s) for s in merged)


@pytest.mark.parametrize("source", [NOTICE, SCRIPT])
def test_the_syllables_shown_are_the_ones_the_engine_says(run_cli, source):
    """The engine's phonemes, less spaces and punctuation, are exactly the
    phonemes of the shown syllables (the script's APP is said as 应用 by the
    lexicon, so every sound is a Han syllable here)."""
    import re

    from broadcaster.prepare import build_lexicon, prepare
    from broadcaster.render import plan_programme
    from broadcaster.script import load_script
    from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P

    code, out, _ = run_cli("text", str(source), "--pinyin")
    lines = out.splitlines()
    if source.suffix == ".yaml":
        segments = [cue.segment for plan in plan_programme(load_script(source)) for cue in plan.cues]
    else:
        segments = prepare(NOTICE.read_text(encoding="utf-8"), lexicon=build_lexicon(), headline=True)
    assert [s.spoken for s in segments] == lines[::2]
    g2p = MandarinG2P()
    for seg, shown in zip(segments, lines[1::2]):
        phonemes = re.sub(r"[\s,.!?:;…—“”()]", "", g2p(seg.spoken, seg.pinyin))
        assert phonemes == _ipa_of_shown(shown.split()), seg.spoken
