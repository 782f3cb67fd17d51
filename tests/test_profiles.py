"""Sound profiles: chosen in the script or with --profile, honoured by the mix
and the encoder, recorded in the manifest."""
from __future__ import annotations

import json
import subprocess

import pytest

from broadcaster.codec import decode_file, ffmpeg_exe
from broadcaster.meter import integrated_lufs
from broadcaster.profiles import LOUDSPEAKER, SoundProfile, get_profile, profile_from, register_profile, unregister_profile
from broadcaster.errors import InputError
from support import write_script

SCRIPT = """\
title: 停电通知
date: 2026-11-30
voice: {engine: fake}
items:
  - jingle: chime
  - text: 各位村民请注意，明天上午停电。
  - text: 请大家提前做好准备。
"""

CUSTOM = """\
profile:
  base: loudspeaker
  name: hall
  rate_hz: 48000
  bitrate_kbps: 96
  target_lufs: -20
  ceiling_dbtp: -2
  lead_in_s: 1.0
"""


def _info(path) -> str:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def test_default_is_the_loudspeaker_profile_and_the_manifest_says_so(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, SCRIPT)
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, err
    doc = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert doc["profile"] == LOUDSPEAKER.as_dict()
    assert doc["profile"]["name"] == "loudspeaker" and doc["profile"]["rate_hz"] == 44100
    assert (doc["loudness"]["target_lufs"], doc["loudness"]["ceiling_dbtp"]) == (-16.0, -1.0)


def test_a_profile_in_the_script_sets_rate_bitrate_loudness_and_lead_in(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, SCRIPT + CUSTOM)
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, err
    out = tmp_path / "out"
    info = _info(out / "programme.mp3")
    assert "48000 Hz, mono" in info and "96 kb/s" in info
    assert integrated_lufs(decode_file(out / "programme.mp3", 48000), 48000) == pytest.approx(-20.0, abs=0.5)
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["profile"]["name"] == "hall" and doc["profile"]["bitrate_kbps"] == 96
    assert doc["profile"]["tail_s"] == LOUDSPEAKER.tail_s  # from the base
    assert doc["loudness"]["integrated_lufs"] == pytest.approx(-20.0, abs=0.5)
    assert doc["loudness"]["true_peak_dbtp"] <= -2.0 + 0.1
    assert doc["items"][0]["start_s"] == pytest.approx(1.0, abs=0.001)


def test_profile_option_overrides_the_script(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, SCRIPT)
    (tmp_path / "quiet.yaml").write_text(CUSTOM.replace("profile:\n", "").replace("  ", ""), encoding="utf-8")
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet", "--profile", str(tmp_path / "quiet.yaml"))
    assert code == 0, err
    doc = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert doc["profile"]["name"] == "hall" and doc["profile"]["rate_hz"] == 48000


def test_each_rate_is_cached_apart_and_renders_stay_identical(tmp_path, fake_engine, run_cli):
    plain = write_script(tmp_path, SCRIPT)
    custom = write_script(tmp_path, SCRIPT + CUSTOM, "custom.yaml")
    for name, script in [("a", plain), ("b", custom), ("c", plain), ("d", custom)]:
        assert run_cli("render", str(script), "--out", str(tmp_path / name), "--quiet")[0] == 0
    assert len(fake_engine.calls) == 4  # two segments at 44.1 kHz, the same two again at 48 kHz
    for first, again in [("a", "c"), ("b", "d")]:
        assert (tmp_path / first / "programme.mp3").read_bytes() == (tmp_path / again / "programme.mp3").read_bytes()


@pytest.mark.parametrize(
    "profile, line",
    [
        ("profile: {target_lufs: -50}", "script.yaml:8: profile.target_lufs: must be between -40 and -5 LUFS"),
        ("profile: {rate_hz: 22050}", "script.yaml:8: profile.rate_hz: must be one of 32000, 44100, 48000"),
        ("profile: {bitrate_kbps: 100}", "script.yaml:8: profile.bitrate_kbps: must be one of 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320"),
        ("profile: {ceiling_dbtp: 'high'}", "script.yaml:8: profile.ceiling_dbtp: must be a number"),
        ("profile: {base: stadium}", "script.yaml:8: profile.base: unknown profile 'stadium'; known: ip-broadcast, loudspeaker, screen, sdcard, web"),
        ("profile: {loudness: -16}", "script.yaml:8: profile.loudness: unknown key; allowed: base, name, description, bitrate_kbps, ceiling_dbtp, channels, format, lead_in_s, naming, processing, rate_hz, tags, tail_s, target_lufs, urgent, video, video_size"),
        ("profile: {channels: 6}", "script.yaml:8: profile.channels: must be 1 or 2"),
        ("profile: {urgent: {repeat: 9}}", "script.yaml:8: profile.urgent.repeat: must be a whole number from 1 to 5"),
        ("profile: {urgent: {tone: siren}}", "script.yaml:8: profile.urgent.tone: must be one of alert, attention, chime, start"),
        ("profile: {processing: loud}", "script.yaml:8: profile.processing: must be one of horn, none"),
        ("profile: {format: wav}", "script.yaml:8: profile.format: must be one of mp3"),
        ("profile: {naming: 3}", "script.yaml:8: profile.naming: must be one of pinyin, number"),
        ("profile: {tags: tiny}", "script.yaml:8: profile.tags: must be one of full, small"),
        ("profile: stadium", "script.yaml:8: profile: unknown profile 'stadium'; known: ip-broadcast, loudspeaker, screen, sdcard, web"),
        ("profile: [1, 2]", "script.yaml:8: profile: must be a profile name or a mapping like {base: loudspeaker, target_lufs: -18}"),
    ],
)
def test_bad_profile_in_a_script_is_one_line_exit_2(tmp_path, fake_engine, run_cli, profile, line):
    script = write_script(tmp_path, SCRIPT + profile + "\n")
    code, out, err = run_cli("check", str(script))
    assert (code, err) == (2, f"broadcaster: error: {tmp_path / line}\n")


def test_unknown_profile_option_is_bad_input(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, SCRIPT)
    code, _, err = run_cli("render", str(script), "--profile", "stadium")
    assert (code, err) == (2, "broadcaster: error: unknown profile 'stadium'; known: ip-broadcast, loudspeaker, screen, sdcard, web\n")
    assert not fake_engine.calls


def test_registry_takes_new_profiles_and_checks_them():
    register_profile(SoundProfile("test-quiet", target_lufs=-23.0))
    try:
        assert get_profile("test-quiet").target_lufs == -23.0
        assert profile_from("test-quiet") is get_profile("test-quiet")
        with pytest.raises(ValueError):
            register_profile(SoundProfile("test-quiet"))
    finally:
        unregister_profile("test-quiet")
    with pytest.raises(InputError):
        get_profile("test-quiet")
    with pytest.raises(InputError, match="ceiling_dbtp: must be above target_lufs"):
        SoundProfile("odd", target_lufs=-6.0, ceiling_dbtp=-8.0)


def test_a_registered_packager_adds_an_output_and_the_manifest_lists_it(tmp_path, fake_engine, run_cli):
    from broadcaster.package.packagers import packagers, register_packager, unregister_packager

    class PlainText:
        name = "plain-text"

        def write(self, package):
            text = "".join(s.clip.cue.segment.written + "\n" for span in package.master.items for s in span.segments)
            package.add("programme.plain.txt", text.encode("utf-8"))

    register_packager(PlainText())
    try:
        assert [p.name for p in packagers()] == ["audio", "playlist", "captions", "video", "ticker", "sheet", "plain-text",
                                                 "manifest"]
        script = write_script(tmp_path, SCRIPT)
        code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet")
        assert code == 0, err
    finally:
        unregister_packager("plain-text")
    out = tmp_path / "out"
    assert (out / "programme.plain.txt").read_text(encoding="utf-8") == "各位村民请注意，明天上午停电。\n请大家提前做好准备。\n"
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    import hashlib

    assert sorted(doc["files"]) == ["items/01-gewei-cunmin-qing-zhuyi.mp3", "items/02-qing-dajia-tiqian-zuohao-zhunbei.mp3",
                                    "programme.html", "programme.m3u8", "programme.mp3", "programme.plain.txt", "programme.png",
                                    "programme.srt"]
    assert doc["files"]["programme.plain.txt"] == hashlib.sha256((out / "programme.plain.txt").read_bytes()).hexdigest()


def test_a_user_profile_takes_the_new_fields_from_a_yaml_file(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, SCRIPT)
    (tmp_path / "board.yaml").write_text("base: sdcard\nname: board\nchannels: 2\nprocessing: none\n", encoding="utf-8")
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet", "--profile", str(tmp_path / "board.yaml"))
    assert code == 0, err
    doc = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert {k: doc["profile"][k] for k in ("name", "channels", "processing", "naming", "tags")} == {
        "name": "board", "channels": 2, "processing": "none", "naming": "number", "tags": "small"}
    assert "stereo" in _info(tmp_path / "out" / "programme.mp3")
    assert sorted(f for f in doc["files"] if f.startswith("items/")) == ["items/01.mp3", "items/02.mp3"]
    (tmp_path / "bad.yaml").write_text("base: web\nchannels: 3\n", encoding="utf-8")
    code, _, err = run_cli("render", str(script), "--profile", str(tmp_path / "bad.yaml"))
    assert (code, err) == (2, f"broadcaster: error: {tmp_path / 'bad.yaml'}:2: channels: must be 1 or 2\n")


def test_builtin_profiles_state_format_rate_channels_bitrate_loudness_processing_and_naming():
    from broadcaster.profiles import profile_names

    assert profile_names() == ["ip-broadcast", "loudspeaker", "screen", "sdcard", "web"]
    table = {name: (p.format, p.rate_hz, p.channels, p.bitrate_kbps, p.target_lufs, p.ceiling_dbtp, p.processing, p.naming, p.tags)
             for name in profile_names() for p in [get_profile(name)]}
    assert table == {
        "loudspeaker": ("mp3", 44100, 1, 128, -16.0, -1.0, "horn", "pinyin", "full"),
        "ip-broadcast": ("mp3", 44100, 1, 64, -16.0, -1.0, "horn", "pinyin", "full"),
        "sdcard": ("mp3", 44100, 1, 128, -16.0, -1.0, "horn", "number", "small"),
        "web": ("mp3", 44100, 2, 128, -16.0, -1.0, "none", "pinyin", "full"),
        "screen": ("mp3", 48000, 1, 192, -14.0, -1.0, "none", "pinyin", "full"),
    }
