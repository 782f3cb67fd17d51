"""End-to-end render with a fake engine: the five kinds of output, consistent
with each other and with the MP3 that was written."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from broadcaster.codec import decode_file
from broadcaster.meter import integrated_lufs
from broadcaster.true_peak import true_peak_dbtp
from broadcaster.errors import FallbackUsed, SynthesisError
from broadcaster.render import render_programme
from broadcaster.script import load_script
from support import write_script

ARTICLE = """\
IMG_0001.jpg
湖东村冬季水利建设动员会召开
2026-11-28 09:40  来源：东台日报
村里召开了冬季农田水利建设动员会。大家积极报名参加。
工程定于下月开工，请各户相互转告。
责编：李明
"""

SCRIPT = """\
title: 湖东村早间广播
date: 2026-11-30
station: 湖东村广播站
voice: {engine: fake, name: v1}
items:
  - jingle: chime
  - text: 各位村民请注意，现在开始广播。
  - article: news.txt
    title: 水利建设
    repeat: 2
  - pause: 1.5
  - text: 以上是今天的广播，谢谢收听。
    voice: {name: v2}
"""


@pytest.fixture
def script(tmp_path):
    (tmp_path / "news.txt").write_text(ARTICLE, encoding="utf-8")
    return write_script(tmp_path, SCRIPT)


def _srt(path: Path) -> list[tuple[float, float, str]]:
    def secs(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    out = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        start, end = lines[1].split(" --> ")
        out.append((secs(start), secs(end), lines[2]))
    return out


def _duration_s(path: Path) -> float:
    return len(decode_file(path)) / 44100


def test_render_writes_five_consistent_outputs(script, tmp_path, fake_engine):
    out = tmp_path / "out"
    result = render_programme(load_script(script), out)
    assert sorted(p.name for p in out.iterdir()) == ["items", "manifest.json", "programme.html", "programme.m3u8", "programme.mp3",
                                                     "programme.png", "programme.srt"]
    items = sorted(p.name for p in (out / "items").iterdir())
    assert [re.match(r"\d\d", n).group() for n in items] == ["01", "02", "03"]
    assert all(n.endswith(".mp3") and n.isascii() for n in items)

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    programme_s = _duration_s(out / "programme.mp3")
    assert abs(manifest["duration_s"] - programme_s) <= 0.1
    assert abs(result.duration_s - programme_s) <= 0.1
    assert [i["kind"] for i in manifest["items"]] == ["jingle", "text", "article", "pause", "text"]

    # Playlist durations agree with the item files and the manifest.
    lines = (out / "programme.m3u8").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    entries = list(zip(lines[1::2], lines[2::2]))
    assert len(entries) == 3
    spoken = [i for i in manifest["items"] if i["file"]]
    for (extinf, file), item in zip(entries, spoken):
        listed_s = float(extinf.split(":")[1].split(",")[0])
        assert file == item["file"]
        assert extinf.endswith("," + item["title"])
        assert abs(listed_s - _duration_s(out / file)) <= 0.1
        assert abs(item["duration_s"] - listed_s) <= 0.1

    # Items sit in order on the programme timeline, inside the programme.
    starts = [i["start_s"] for i in manifest["items"]]
    assert starts == sorted(starts)
    last = manifest["items"][-1]
    assert last["start_s"] + last["duration_s"] <= programme_s + 0.1

    # One caption per spoken segment, in order, inside its item.
    captions = _srt(out / "programme.srt")
    segments = [s for i in spoken for s in i["segments"]]
    assert len(captions) == len(segments)
    for (start, end, text), seg in zip(captions, segments):
        assert text == " ".join(seg["written"].split())
        assert abs(start - seg["start_s"]) <= 0.01
        assert abs(end - (seg["start_s"] + seg["duration_s"])) <= 0.01
    assert captions[-1][1] <= programme_s
    assert all(a[1] <= b[0] for a, b in zip(captions, captions[1:]))

    # The article is spoken twice with a lead-in, headline first, no boilerplate.
    article = manifest["items"][2]
    texts = [s["written"] for s in article["segments"]]
    assert texts[0].startswith("湖东村冬季水利建设动员会召开")
    assert any("重复" in t for t in texts)
    assert not any(("来源" in t or "责编" in t or "IMG_" in t) for t in texts)
    assert article["repeat"] == 2
    assert article["engine"] == "fake" and article["voice"] == "v1"
    assert manifest["items"][4]["voice"] == "v2"

    # Files are what the manifest says they are.
    import hashlib

    for item in spoken:
        assert hashlib.sha256((out / item["file"]).read_bytes()).hexdigest() == item["sha256"]
    assert hashlib.sha256((out / "programme.mp3").read_bytes()).hexdigest() == manifest["sha256"]


def test_programme_loudness_and_true_peak(script, tmp_path, fake_engine):
    out = tmp_path / "out"
    render_programme(load_script(script), out)
    audio = decode_file(out / "programme.mp3")
    assert abs(integrated_lufs(audio, 44100) - (-16.0)) <= 0.5
    assert true_peak_dbtp(audio) <= -1.0 + 0.1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert abs(manifest["loudness"]["integrated_lufs"] - integrated_lufs(audio, 44100)) <= 0.05
    assert manifest["loudness"]["true_peak_dbtp"] <= -0.9


def test_mp3_format_and_tags(script, tmp_path, fake_engine):
    import subprocess

    from broadcaster.codec import ffmpeg_exe

    out = tmp_path / "out"
    render_programme(load_script(script), out)
    info = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(out / "programme.mp3")], capture_output=True, text=True).stderr
    assert "44100 Hz, mono" in info and "128 kb/s" in info
    assert re.search(r"title\s*: 湖东村早间广播", info)
    assert re.search(r"artist\s*: 湖东村广播站", info)
    data = (out / "items" / sorted(p.name for p in (out / "items").iterdir())[0]).read_bytes()
    assert data[:3] == b"ID3" and data[3] == 3  # ID3v2.3


def test_unchanged_script_synthesises_nothing_the_second_time(script, tmp_path, fake_engine):
    programme = load_script(script)
    first = render_programme(programme, tmp_path / "a")
    calls = len(fake_engine.calls)
    assert calls > 0 and first.stats.synthesised == calls
    second = render_programme(programme, tmp_path / "b")
    assert len(fake_engine.calls) == calls
    assert second.stats.synthesised == 0 and second.stats.cached == second.stats.segments
    # Same audio either way: what the engine made is stored as it is used.
    for name in ["programme.mp3", "programme.srt", "programme.m3u8"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_failed_render_leaves_earlier_output_untouched(script, tmp_path, fake_engine):
    out = tmp_path / "out"
    render_programme(load_script(script), out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    fake_engine.fail_when = lambda text: True
    # A changed article, so the cache cannot answer, and no fallback engine.
    (tmp_path / "news.txt").write_text(ARTICLE.replace("大家", "全体村民"), encoding="utf-8")
    programme = dataclasses.replace(load_script(script), fallback=())
    with pytest.raises(SynthesisError):
        render_programme(programme, out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_item_falls_back_whole_when_a_segment_fails(script, tmp_path, fake_engine, backup_engine):
    fake_engine.fail_when = lambda text: "开工" in text  # one segment of the article
    body = SCRIPT.replace("items:", "fallback: [backup]\nitems:")
    script.write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    result = render_programme(load_script(script), out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    article = manifest["items"][2]
    assert {s["engine"] for s in article["segments"]} == {"backup"}
    assert article["fallback"]["from_engine"] == "fake"
    assert "开工" in article["fallback"]["reason"] or "refused" in article["fallback"]["reason"]
    others = [i for i in manifest["items"] if i["file"] and i is not article]
    assert all({s["engine"] for s in i["segments"]} == {"fake"} for i in others)
    assert [t for t, _, _ in result.stats.fallback_items] == ["水利建设"]


def test_strict_turns_fallback_into_failure(script, tmp_path, fake_engine, backup_engine):
    fake_engine.fail_when = lambda text: "开工" in text
    script.write_text(SCRIPT.replace("items:", "fallback: [backup]\nitems:"), encoding="utf-8")
    with pytest.raises(FallbackUsed):
        render_programme(load_script(script), tmp_path / "out", strict=True)
    assert not (tmp_path / "out").exists()


def test_every_engine_failing_is_exit_1(script, tmp_path, fake_engine, backup_engine, run_cli):
    fake_engine.fail_when = lambda text: True
    backup_engine.fail_when = lambda text: True
    script.write_text(SCRIPT.replace("items:", "fallback: [backup]\nitems:"), encoding="utf-8")
    code, out, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("broadcaster: error: item 2")
    assert not (tmp_path / "out").exists()


def test_cli_render_prints_summary(script, tmp_path, fake_engine, run_cli):
    code, out, err = run_cli("render", str(script), "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert "水利建设" in out and "LUFS" in out
    assert "segments" in err  # plain progress lines when stderr is not a terminal
    assert (tmp_path / "o" / "programme.mp3").is_file()


def test_default_output_folder(script, tmp_path, fake_engine, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("render", str(script), "-q")
    assert code == 0, err
    assert (tmp_path / "audio_out" / "2026-11-30-script" / "manifest.json").is_file()


def test_say_writes_one_mp3(tmp_path, fake_engine, run_cli):
    target = tmp_path / "notice.mp3"
    code, out, err = run_cli("say", "各位村民请注意，今晚停电。", "-o", str(target), "--engine", "fake")
    assert code == 0, err
    assert abs(_duration_s(target) - (0.3 + 13 * 0.2 + 0.6)) <= 0.2
    assert [p.name for p in tmp_path.iterdir()] == ["notice.mp3"]


def test_check_prints_plan_without_synthesising(script, fake_engine, run_cli):
    code, out, err = run_cli("check", str(script))
    assert code == 0, err
    assert fake_engine.calls == []
    assert "水利建设" in out and "fake:v1" in out and "fake:v2" in out


def test_voices_lists_registered_engines(fake_engine, run_cli):
    code, out, _ = run_cli("voices", "--engine", "fake")
    assert code == 0
    assert out.splitlines()[0] == "# fake (test fake)"
    assert out.splitlines()[1].startswith("v1\tzh-CN")


def test_unknown_voice_is_bad_input(script, tmp_path, fake_engine, run_cli):
    script.write_text(SCRIPT.replace("name: v2", "name: v9"), encoding="utf-8")
    code, _, err = run_cli("check", str(script))
    assert code == 2
    assert "unknown fake voice 'v9'" in err and ":12" in err


def test_text_command_prints_spoken_segments_only(script, fake_engine, run_cli):
    code, out, err = run_cli("text", str(script))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "各位村民请注意，现在开始广播。"
    assert lines[-1] == "以上是今天的广播，谢谢收听。"
    assert all(line.strip() for line in lines)


def test_audio_file_jingle_is_decoded_and_placed(tmp_path, fake_engine):
    import wave

    import numpy as np

    rate = 22050
    tone = (0.4 * np.sin(2 * np.pi * 660 * np.arange(int(1.5 * rate)) / rate) * 32767).astype("<i2")
    with wave.open(str(tmp_path / "horn.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone.tobytes())
    script = write_script(tmp_path, "title: t\nvoice: {engine: fake}\nitems:\n  - jingle: horn.wav\n  - text: 各位村民请注意。\n")
    render_programme(load_script(script), tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    jingle = manifest["items"][0]
    assert jingle["kind"] == "jingle" and jingle["title"] == "horn" and jingle["file"] is None
    assert abs(jingle["duration_s"] - 1.5) <= 0.01
    assert jingle["source"].endswith("horn.wav")


def test_broken_jingle_file_is_bad_input(tmp_path, fake_engine, run_cli):
    (tmp_path / "horn.mp3").write_bytes(b"not audio at all")
    script = write_script(tmp_path, "title: t\nvoice: {engine: fake}\nitems:\n  - jingle: horn.mp3\n  - text: 各位村民请注意。\n")
    code, _, err = run_cli("render", str(script), "-o", str(tmp_path / "out"), "-q")
    assert code == 2
    assert err.startswith(f"broadcaster: error: {tmp_path / 'horn.mp3'}: cannot decode audio")
    assert not (tmp_path / "out").exists()


def test_before_engines_hook_runs_once_and_only_when_an_engine_is_asked(script, fake_engine):
    from broadcaster.render import plan_programme
    from broadcaster.synthesise.stage import synthesise

    plans = plan_programme(load_script(script))
    calls: list[int] = []
    _, stats = synthesise(plans, (), before_engines=lambda: calls.append(len(fake_engine.calls)))
    assert calls == [0] and stats.synthesised > 1  # once, before the first request
    _, stats = synthesise(plans, (), before_engines=lambda: calls.append(-1))
    assert calls == [0] and stats.synthesised == 0  # all from the cache: never


def test_warm_render_names_items_the_same_way(script, tmp_path, fake_engine):
    cold = render_programme(load_script(script), tmp_path / "cold")
    warm = render_programme(load_script(script), tmp_path / "warm")
    assert warm.stats.synthesised == 0
    assert [r.file for r in warm.rows] == [r.file for r in cold.rows]
    assert sorted(p.name for p in (tmp_path / "warm" / "items").iterdir()) == sorted(
        p.name for p in (tmp_path / "cold" / "items").iterdir()
    )


class _CountingReporter:
    """The progress a page or a terminal shows: the total, and each advance as it came."""

    def __init__(self):
        self.total, self.done, self.most = None, 0, 0

    def stage(self, name):
        pass

    def synthesis_started(self, total):
        self.total = total

    def advance(self, n):
        self.done += n
        self.most = max(self.most, self.done)

    def synthesis_done(self):
        pass


@pytest.mark.parametrize("fails", ["开工", ""])  # one segment of the article; every segment (a network voice offline)
def test_progress_counts_each_segment_once_through_a_fallback(script, tmp_path, fake_engine, backup_engine, fails):
    fake_engine.fail_when = lambda text: fails in text
    script.write_text(SCRIPT.replace("items:", "fallback: [backup]\nitems:"), encoding="utf-8")
    reporter = _CountingReporter()
    result = render_programme(load_script(script), tmp_path / "out", reporter=reporter)
    assert result.stats.fallback_items  # the fallback was taken
    assert reporter.done == reporter.most == reporter.total == result.stats.segments  # never "2/1 段"
