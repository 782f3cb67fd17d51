"""Issue 10: jingles, music beds ducked under speech, the horn chain, loudness range."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from broadcaster.codec import decode_file, ffmpeg_exe
from broadcaster.errors import InputError
from broadcaster.meter import integrated_lufs, loudness_range_lu
from broadcaster.mix.beds import BedGain, add_bed, seamless_loop
from broadcaster.mix.horn import horn_chain
from broadcaster.mix.jingles import builtin_jingle, fade_edges, load_audio_file
from support import REPO, write_script

RATE = 44100


def _write_wav(path, samples: np.ndarray, rate: int, channels: int = 1) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def _ebur128(path) -> tuple[float, float]:
    """Integrated loudness and loudness range as ffmpeg's ebur128 filter measures them."""
    return _ebur128_with_peak(path)[:2]


def _ebur128_with_peak(path) -> tuple[float, float, float]:
    """Integrated loudness, loudness range and true peak (the highest of any
    channel) as ffmpeg's ebur128 filter measures the file, channels as they are."""
    log = subprocess.run([ffmpeg_exe(), "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    summary = log[log.rindex("Summary:"):]
    return (float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1]), float(re.search(r"LRA:\s+([\d.]+) LU", summary)[1]),
            float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)[1]))


def _dominant_hz(x: np.ndarray, rate: int = RATE) -> float:
    return float(np.argmax(np.abs(np.fft.rfft(x))) * rate / len(x))


# --- jingles -------------------------------------------------------------

@pytest.mark.parametrize("name, rising", [("start", True), ("end", False)])
def test_start_and_end_signals_are_three_notes(name, rising):
    x = builtin_jingle(name, RATE)
    assert abs(20 * np.log10(np.max(np.abs(x))) - (-6.0)) < 0.1
    notes = [_dominant_hz(x[int(t * RATE) : int((t + 0.25) * RATE)] * np.hanning(int(0.25 * RATE))) for t in (0.02, 0.34, 0.66)]
    assert notes == sorted(notes) if rising else notes == sorted(notes, reverse=True)
    assert len({round(n, -1) for n in notes}) == 3


def test_attention_tone_is_three_beeps_without_clicks():
    x = builtin_jingle("attention", RATE)
    assert len(x) / RATE == pytest.approx(0.78, abs=0.01)
    frame = RATE // 100
    env = np.sqrt((x[: len(x) // frame * frame].reshape(-1, frame) ** 2).mean(axis=1))
    on = env > 0.05
    assert np.count_nonzero(np.diff(on.astype(int)) == 1) + int(on[0]) == 3
    assert abs(x[0]) < 1e-3 and abs(x[-1]) < 1e-3
    # No step larger than the steepest slope of its own tones (1 kHz + 2 kHz).
    assert np.max(np.abs(np.diff(x))) < 0.5 * 2 * np.pi * 2000 / RATE * 1.3


def test_an_abrupt_jingle_file_is_faded_and_a_smooth_one_left_alone():
    t = np.arange(RATE) / RATE
    abrupt = (0.5 * np.sign(np.sin(2 * np.pi * 200 * t + 0.5))).astype(np.float32)
    faded = fade_edges(abrupt, RATE)
    assert abs(faded[0]) < 0.01 and abs(faded[-1]) < 0.01
    assert np.array_equal(faded[RATE // 10 : -RATE // 10], abrupt[RATE // 10 : -RATE // 10])
    smooth = (0.5 * np.hanning(RATE) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)  # rises from and falls to silence
    assert np.array_equal(fade_edges(smooth, RATE), smooth)


@pytest.mark.parametrize("rate, channels", [(8000, 2), (96000, 6), (22050, 1)])
def test_a_jingle_file_at_any_rate_and_channel_count_is_resampled_and_downmixed(tmp_path, rate, channels):
    t = np.arange(int(1.5 * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * 660 * t)
    path = tmp_path / "tone.wav"
    _write_wav(path, np.repeat(tone[:, None], channels, axis=1).ravel(), rate, channels)
    x = load_audio_file(path, RATE, 60, "jingle file")
    assert abs(len(x) / RATE - 1.5) < 0.01
    assert abs(_dominant_hz(x) - 660) < 2
    assert np.sqrt(np.mean(x[1000:-1000] ** 2)) >= 0.3 / np.sqrt(2) * 0.99  # every channel is in the mono mix


def _three_hour_mp3(path) -> None:
    """A real 3-hour MP3 stream in ~10 MB: ten seconds at 8 kbps, its frames repeated."""
    short = path.with_suffix(".part.mp3")
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=f=440:r=8000:d=10", "-b:a", "8k",
                    "-write_xing", "0", "-id3v2_version", "0", str(short)], check=True)
    path.write_bytes(short.read_bytes() * 1080)


BAD_FILES = {
    "not-audio": (lambda p: p.write_text("这不是音频", encoding="utf-8"), "cannot decode audio"),
    "silent": (lambda p: _write_wav(p, np.zeros(RATE), RATE), "is silent"),
    "three-hours": (_three_hour_mp3, "is longer than 60 s"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
@pytest.mark.parametrize("where", ["item", "intro", "music"])
def test_a_bad_jingle_or_music_file_is_one_line_exit_2_before_synthesis(tmp_path, fake_engine, run_cli, case, where):
    make, message = BAD_FILES[case]
    suffix = ".wav" if case == "silent" else ".mp3"
    bad = tmp_path / f"bad{suffix}"
    make(bad)
    if where == "music" and case == "three-hours":
        return  # a long bed is trimmed, not refused: see the next test
    line = {"item": "  - jingle: bad{s}\n", "intro": "", "music": ""}[where].format(s=suffix)
    top = {"item": "", "intro": f"intro: bad{suffix}\n", "music": f"music: bad{suffix}\n"}[where]
    script = write_script(tmp_path, f"title: t\ndate: 2026-11-30\nvoice: {{engine: fake}}\n{top}items:\n{line}  - text: 各位村民请注意。\n")
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet")
    what = "music file" if where == "music" else "jingle file"
    assert code == 2, err
    assert err.startswith(f"broadcaster: error: {bad}: ") and err.count("\n") == 1
    assert message in err and (what in err or case == "not-audio")
    assert not fake_engine.calls and not (tmp_path / "out").exists()


def test_a_three_hour_music_file_is_trimmed_not_decoded_whole(tmp_path):
    path = tmp_path / "long.mp3"
    _three_hour_mp3(path)
    bed = load_audio_file(path, RATE, 300, "music file", trim=True)
    assert len(bed) == 300 * RATE


# --- music beds ------------------------------------------------------------

def test_the_bed_is_down_before_speech_stays_down_in_short_pauses_and_comes_back_in_long_ones():
    speech = [(5.0, 8.0), (8.9, 12.0), (16.0, 18.0)]  # a 0.9 s pause, then a 4 s one
    gain = BedGain(0.0, 30.0, -20.0, -12.0, speech)
    db = lambda t: 20 * np.log10(gain.at(np.array([t]))[0])  # noqa: E731
    assert db(2.5) == pytest.approx(-20.0, abs=0.01)  # up before the speech
    assert db(4.61) > -32.0 + 0.5  # still ramping 0.4 s ahead
    assert db(5.0) == pytest.approx(-32.0, abs=0.01)  # down at the first syllable
    assert db(8.45) == pytest.approx(-32.0, abs=0.01)  # a sentence pause: stays down
    assert db(14.0) == pytest.approx(-20.0, abs=0.01)  # a long pause: back up
    assert db(15.9) < -20.0  # going down again for the next sentence
    assert db(19.0) == pytest.approx(-20.0, abs=0.01)
    assert gain.at(np.array([0.0, 30.0])).max() == 0.0  # faded in and out at the ends
    curve = gain.at(np.arange(30 * RATE) / RATE)
    # The steepest a 0.4 s raised-cosine ramp of 12 dB can be, at its top (-20 dB, i.e. 0.1):
    # gain x ln(10)/20 x 12 dB x pi/2 / ramp length: 1.2e-5 a sample, no step.
    steepest = 0.1 * np.log(10) / 20 * 12 * (np.pi / 2) / (0.4 * RATE)
    assert np.max(np.abs(np.diff(curve))) <= steepest * 1.01


def test_a_sine_bed_through_the_ducker_and_the_loop_seam_has_no_discontinuity():
    period = RATE / 220.0
    bed_len = int(3.3 * RATE) + 57  # not a whole number of periods: the raw seam would click
    t = np.arange(bed_len) / RATE
    bed = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    out = np.zeros(12 * RATE, dtype=np.float32)
    gain = BedGain(0.0, 12.0, 0.0, -12.0, [(3.0, 5.0), (8.0, 9.0)])
    add_bed(out, RATE, seamless_loop(bed, RATE), gain, 0.0, 12.0)
    step = np.abs(np.diff(out))
    sine_step = 0.5 * 2 * np.pi / period  # the largest step of the sine itself
    assert step.max() <= sine_step * 1.02
    assert abs(float(bed[0]) - float(bed[-1])) > 3 * sine_step  # the seam a plain loop would have had


EXAMPLE_PROFILES = ["loudspeaker", "ip-broadcast", "sdcard", "web", "screen"]


def _example(tmp_path) -> "Path":
    folder = tmp_path / "example"
    shutil.copytree(REPO / "examples" / "music", folder / "music")
    text = (REPO / "examples" / "music-bed.yaml").read_text(encoding="utf-8")
    return write_script(folder, text.replace("engine: kokoro, name: zf_xiaoxiao", "engine: fake"), "music-bed.yaml")


def test_the_bed_is_ducked_in_the_rendered_example(tmp_path, fake_engine, run_cli):
    script = _example(tmp_path)
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet", "--profile", "web")
    assert code == 0, err
    doc = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [i["kind"] for i in doc["items"]] == ["jingle", "text", "jingle", "text", "pause", "text", "jingle"]
    assert [i["index"] for i in doc["items"]][0] == 0 and doc["items"][-1]["title"] == "end"
    assert doc["music"]["level_db"] == -20.0
    pause = doc["items"][4]
    x = decode_file(tmp_path / "out" / "programme.mp3", RATE)
    mid = int((pause["start_s"] + pause["duration_s"] / 2) * RATE)
    bed_alone = integrated_lufs(x[mid - RATE // 2 : mid + RATE // 2], RATE)
    assert bed_alone == pytest.approx(doc["loudness"]["integrated_lufs"] - 20, abs=3)  # up in the long pause


# --- horn chain and loudness range ---------------------------------------------

def test_horn_chain_cuts_lows_and_lifts_presence():
    t = np.arange(4 * RATE) / RATE
    level = lambda f: 20 * np.log10(np.std(horn_chain((0.1 * np.sin(2 * np.pi * f * t)).astype(np.float32), RATE)[RATE:]))  # noqa: E731
    assert level(60) - level(1000) < -15
    assert 2.0 < level(3000) - level(1000) < 3.5


def _uneven_speech(seconds: int, seed: int = 0) -> np.ndarray:
    """Bursts and gaps whose level jumps by up to 20 dB every second."""
    rng = np.random.default_rng(seed)
    n = seconds * RATE
    level = np.repeat(10 ** (rng.uniform(-25, -5, seconds) / 20), RATE)
    bursts = np.sin(2 * np.pi * 3 * np.arange(n) / RATE) > 0
    return (0.3 * level * bursts * rng.standard_normal(n)).astype(np.float32)


def test_horn_chain_holds_the_loudness_range_to_6_lu():
    x = _uneven_speech(90)
    assert loudness_range_lu(x, RATE) > 7.5
    assert loudness_range_lu(horn_chain(x.copy(), RATE), RATE) <= 6.0


def test_loudness_range_agrees_with_ffmpeg_ebur128(tmp_path):
    x = _uneven_speech(60, seed=3)
    path = tmp_path / "uneven.wav"
    _write_wav(path, x, RATE)
    back = decode_file(path, RATE)
    ref_i, ref_lra = _ebur128(path)
    assert integrated_lufs(back, RATE) == pytest.approx(ref_i, abs=0.5)
    assert loudness_range_lu(back, RATE) == pytest.approx(ref_lra, abs=0.5)
    assert ref_lra > 5  # a range worth measuring


def _mp3_info(path) -> str:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


@pytest.mark.parametrize("profile", EXAMPLE_PROFILES)
def test_the_example_renders_on_target_under_each_profile(tmp_path, fake_engine, run_cli, profile):
    from broadcaster.profiles import get_profile

    p = get_profile(profile)
    script = _example(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = run_cli("render", str(script), "--out", str(out), "--profile", profile)
    assert code == 0, err
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    info = _mp3_info(out / "programme.mp3")
    assert f"{p.rate_hz} Hz, {'mono' if p.channels == 1 else 'stereo'}" in info and f"{p.bitrate_kbps} kb/s" in info
    loud = doc["loudness"]
    assert loud["integrated_lufs"] == pytest.approx(p.target_lufs, abs=0.5)
    assert loud["true_peak_dbtp"] <= p.ceiling_dbtp + 0.1
    assert loud["loudness_range_lu"] <= 6.0
    ref_i, ref_lra, ref_peak = _ebur128_with_peak(out / "programme.mp3")
    assert loud["integrated_lufs"] == pytest.approx(ref_i, abs=0.5)
    assert loud["loudness_range_lu"] == pytest.approx(ref_lra, abs=0.5)
    # The true peak as written, on each channel of a stereo file (not a downmix, which reads 3 dB high).
    assert loud["true_peak_dbtp"] == pytest.approx(ref_peak, abs=0.3)
    assert ref_peak <= p.ceiling_dbtp + 0.1
    for item in doc["items"]:
        if item["kind"] != "pause":
            assert set(item["loudness"]) == {"integrated_lufs", "loudness_range_lu", "true_peak_dbtp"}
    shown = float(re.search(r"range ([\d.]+) LU", stdout)[1])
    assert shown == pytest.approx(loud["loudness_range_lu"], abs=0.06) and "LRA" in stdout
    files = sorted(f for f in doc["files"] if f.startswith("items/"))
    if profile == "sdcard":
        assert files == ["items/01.mp3", "items/02.mp3", "items/03.mp3"]
        head = (out / "items" / "01.mp3").read_bytes()[:4096]
        assert head[:4] == b"ID3\x03"  # ID3v2.3
        tag_size = sum(b << (7 * (3 - i)) for i, b in enumerate(head[6:10]))  # syncsafe
        assert tag_size < 200  # title and track only
        assert b"Xing" not in head and b"Info" not in head and b"LAME" not in head
    else:
        assert files[0] == "items/01-gewei-cunmin-qing-zhuyi-xianzai.mp3"
        assert (out / "programme.mp3").read_bytes()[:4] == b"ID3\x03"


def test_the_horn_chain_runs_for_loudspeaker_and_not_for_web(tmp_path, fake_engine, run_cli):
    noise = np.random.default_rng(5).standard_normal(4 * RATE) * 0.1  # a bed with every frequency in it
    _write_wav(tmp_path / "noise.wav", noise, RATE)
    body = "title: t\ndate: 2026-11-30\nvoice: {engine: fake}\nmusic: {file: noise.wav, level_db: -3}\nitems:\n  - text: 各位村民请注意，明天上午停电。\n"
    script = write_script(tmp_path, body)
    tilt = {}
    for profile in ("loudspeaker", "web"):
        assert run_cli("render", str(script), "--out", str(tmp_path / profile), "--quiet", "--profile", profile)[0] == 0
        x = decode_file(tmp_path / profile / "programme.mp3", RATE)
        power, hz = np.abs(np.fft.rfft(x)) ** 2, np.fft.rfftfreq(len(x), 1 / RATE)
        band = lambda lo, hi: power[(hz > lo) & (hz < hi)].mean()  # noqa: E731
        tilt[profile] = (10 * np.log10(band(50, 120) / band(1000, 1500)), 10 * np.log10(band(2500, 3500) / band(1000, 1500)))
    assert abs(tilt["web"][1]) < 1.5  # no presence lift without processing
    # The 2nd-order high-pass takes ~15 dB at 85 Hz; through the compressor and
    # the MP3 encoder this measures 12.0-12.3 dB, moving by a few tenths when the
    # level moves by 0.02 dB (the encoder's choices for noise). Without the
    # high-pass the difference is ~0.
    assert tilt["loudspeaker"][0] < tilt["web"][0] - 11  # the high-pass
    assert 1.5 < tilt["loudspeaker"][1] - tilt["web"][1] < 3.5  # the presence lift


@pytest.mark.parametrize(
    "extra, line",
    [
        ("music: {file: nothere.mp3}\n", "script.yaml:4: music.file: file not found: nothere.mp3"),
        ("music: {file: bed.wav, level_db: 5}\n", "script.yaml:4: music.level_db: must be a number of dB between -60 and 0"),
        ("music: {file: bed.wav, duck: -12}\n", "script.yaml:4: music.duck: unknown key; allowed: file, level_db, duck_db"),
        ("music: [bed.wav]\n", "script.yaml:4: music: must be a file or a mapping like {file: bed.mp3, level_db: -20, duck_db: -12}"),
        ("intro: horn\n", "script.yaml:4: intro: horn: expected a .mp3/.wav/.ogg/.flac/.m4a/.aac/.opus file or a built-in jingle (chime, chime-end, start, end, attention, alert)"),
        ("outro: bed.txt\n", "script.yaml:4: outro: bed.txt: expected a .mp3/.wav/.ogg/.flac/.m4a/.aac/.opus file or a built-in jingle (chime, chime-end, start, end, attention, alert)"),
    ],
)
def test_bad_music_and_intro_keys_are_one_line_exit_2(tmp_path, fake_engine, run_cli, extra, line):
    _write_wav(tmp_path / "bed.wav", 0.1 * np.ones(RATE), RATE)
    script = write_script(tmp_path, f"title: t\ndate: 2026-11-30\nvoice: {{engine: fake}}\n{extra}items:\n  - text: 各位村民请注意。\n")
    code, _, err = run_cli("check", str(script))
    assert (code, err) == (2, f"broadcaster: error: {tmp_path / line}\n")


def test_music_on_a_jingle_item_is_refused(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, "title: t\nvoice: {engine: fake}\nitems:\n  - jingle: start\n    music: bed.wav\n  - text: 各位。\n")
    code, _, err = run_cli("check", str(script))
    assert (code, err) == (2, f"broadcaster: error: {tmp_path}/script.yaml:5: items[1].music: only text: and article: items can have a music bed\n")


def test_an_item_bed_replaces_the_programme_bed_under_that_item(tmp_path, fake_engine, run_cli):
    t = np.arange(4 * RATE) / RATE
    _write_wav(tmp_path / "low.wav", 0.3 * np.sin(2 * np.pi * 110 * t), RATE)
    _write_wav(tmp_path / "high.wav", 0.3 * np.sin(2 * np.pi * 1760 * t), RATE)
    script = write_script(tmp_path, "title: t\ndate: 2026-11-30\nvoice: {engine: fake}\nmusic: low.wav\nitems:\n"
                          "  - text: 各位村民请注意。\n  - pause: 4\n  - text: 明天上午八点到十二点停电。\n    music: {file: high.wav, level_db: -10}\n")
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet", "--profile", "web")
    assert code == 0, err
    doc = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    x = decode_file(tmp_path / "out" / "programme.mp3", RATE)
    def band(seconds, lo, hi):  # noqa: E306
        piece = x[int(seconds[0] * RATE) : int(seconds[1] * RATE)]
        spectrum, hz = np.abs(np.fft.rfft(piece)), np.fft.rfftfreq(len(piece), 1 / RATE)
        return spectrum[(hz > lo) & (hz < hi)].max()
    pause, item = doc["items"][1], doc["items"][2]
    assert doc["items"][2]["music"]["file"].endswith("high.wav")
    in_pause = (pause["start_s"] + 1, pause["start_s"] + 3)
    in_item = (item["start_s"] + 1, item["start_s"] + item["duration_s"] - 1)
    assert band(in_pause, 100, 120) > 10 * band(in_pause, 1700, 1800)  # the programme's bed in the pause
    assert band(in_item, 1700, 1800) > 10 * band(in_item, 100, 120)  # the item's own bed under the item


def test_unknown_builtin_in_load_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="holds no sound|cannot decode"):
        path = tmp_path / "empty.mp3"
        path.write_bytes(b"")
        load_audio_file(path, RATE, 60, "jingle file")
