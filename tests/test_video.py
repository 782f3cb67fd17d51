"""programme.mp4 and programme.ticker.txt (issue 11), rendered with the fake engine.

The MP4 is probed with the bundled ffmpeg (imageio-ffmpeg ships no ffprobe):
stream parameters from its stream lines, the video's length from its packets
(framecrc), the audio's by decoding it. Frames are pulled out as grey pixels
and compared with where `screen_layout` says the text goes.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import write_script

from broadcaster.codec import decode_file, ffmpeg_exe
from broadcaster.errors import InputError
from broadcaster.package.fonts import font_info, missing_characters
from broadcaster.package.screen_layout import (
    NO_LINE_START,
    ScreenLayout,
    text_ink,
    text_width,
    wrap_text,
)
from broadcaster.package.screen_options import with_video
from broadcaster.package.video import Caption, parse_size
from broadcaster.profiles import get_profile
from broadcaster.render import render_programme
from broadcaster.script import load_script

SCRIPT = """\
title: 湖东村早间广播
date: 2026-11-30
station: 湖东村广播站
voice: {engine: fake, name: v1}
items:
  - jingle: chime
  - text: 各位村民请注意，现在开始广播。
  - pause: 2
  - text: 今年冬季农田水利建设动员会于十一月二十八日在村委会召开，请各户相互转告，积极报名参加。
"""
BRIGHT = 128  # grey level counted as text: the background is black, the text white or yellow


@pytest.fixture
def script(tmp_path):
    return write_script(tmp_path, SCRIPT)


def _render(script: Path, out: Path, **video):
    programme = load_script(script)
    profile = with_video(get_profile("screen"), **video) if video else get_profile("screen")
    result = render_programme(programme, out, profile=profile)
    return programme, result


def _probe(path: Path) -> dict:
    """Stream lines of `ffmpeg -i`, the video's packet count and end, the audio's decoded length."""
    info = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False).stderr
    video = re.search(r"Stream #0:\d.*?: Video: (\w+).*?, (\w+)\(.*?, (\d+)x(\d+).*?, ([\d.]+) fps", info)
    audio = re.search(r"Stream #0:\d.*?: Audio: (\w+).*?, (\d+) Hz", info)
    crc = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"],
                         capture_output=True, text=True, check=True).stdout
    packets = [line.split(",") for line in crc.splitlines() if line and not line.startswith("#")]
    timebase = re.search(r"#tb 0: (\d+)/(\d+)", crc)
    tb = int(timebase.group(1)) / int(timebase.group(2))
    ends = [(int(p[1]) + int(p[3])) * tb for p in packets]  # pts + duration, in the stream's time base
    samples = decode_file(path, 48000)
    return {
        "vcodec": video.group(1), "pix_fmt": video.group(2), "size": (int(video.group(3)), int(video.group(4))),
        "fps": float(video.group(5)), "acodec": audio.group(1), "rate": int(audio.group(2)),
        "frames": len(packets), "video_s": max(ends), "audio_s": len(samples) / 48000,
    }


def _frame(path: Path, t: float, size: tuple[int, int]) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(size[1], size[0])


def _ink(frame: np.ndarray, top: int = 0, bottom: int | None = None):
    """Bounding box (x0, y0, x1, y1) of the bright pixels between rows top and bottom, or None."""
    rows = frame[top:bottom]
    ys, xs = np.nonzero(rows > BRIGHT)
    if len(xs) == 0:
        return None
    return xs.min(), ys.min() + top, xs.max() + 1, ys.max() + 1 + top


def _frame_time(t: float) -> float:
    """The time of the frame shown at t: frames are 1/25 s apart."""
    return round(t * 25) / 25


def _check_stacked_caption(mp4: Path, master_caption, layout: ScreenLayout):
    mid = _frame_time((master_caption.start_s + master_caption.end_s) / 2)
    frame = _frame(mp4, mid, (layout.width, layout.height))
    em, lines = layout.fit_caption(master_caption.text)
    box = layout.caption_box(em, lines)
    area = layout.caption_area
    ink = _ink(frame, int(area.y), int(area.bottom))
    assert ink is not None, "no caption drawn at the caption's midpoint"
    x0, y0, x1, y1 = ink
    # Each line is centred by its advance width; its ink starts and ends where the font draws it.
    lefts, rights = zip(*(((layout.width - text_width(line, em)) / 2 + text_ink(line, em)[0],
                           (layout.width - text_width(line, em)) / 2 + text_ink(line, em)[1]) for line in lines))
    assert abs(x0 - min(lefts)) <= 0.1 * em and abs(x1 - max(rights)) <= 0.1 * em, (ink, lefts, rights)
    slack = 0.3 * em  # the ink inside each line's slot
    assert box.y - slack <= y0 and y1 <= box.bottom + slack, (ink, box)
    assert y1 - y0 >= (len(lines) - 1) * em, "fewer lines drawn than laid out"
    return frame


def test_screen_profile_writes_a_playable_mp4_that_agrees_with_the_mp3(script, tmp_path, fake_engine):
    out = tmp_path / "out"
    _render(script, out)
    mp4 = out / "programme.mp4"
    probe = _probe(mp4)
    assert (probe["vcodec"], probe["pix_fmt"], probe["size"], probe["fps"]) == ("h264", "yuv420p", (1920, 1080), 25.0)
    assert (probe["acodec"], probe["rate"]) == ("aac", 48000)
    mp3_s = len(decode_file(out / "programme.mp3", 48000)) / 48000
    assert abs(probe["video_s"] - mp3_s) < 0.1 and abs(probe["audio_s"] - mp3_s) < 0.1, (probe, mp3_s)
    assert probe["frames"] == pytest.approx(probe["video_s"] * 25, abs=1)  # constant 25 fps, no dropped frames
    head = mp4.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < mp4.read_bytes().find(b"mdat")  # faststart
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) >= {"programme.mp4", "programme.ticker.txt"}
    assert manifest["profile"]["video"] is True and manifest["profile"]["video_size"] == "1920x1080"
    # The ticker text is the SRT's text, caption by caption.
    srt_texts = [block.splitlines()[2] for block in (out / "programme.srt").read_text(encoding="utf-8").strip().split("\n\n")]
    assert (out / "programme.ticker.txt").read_text(encoding="utf-8").splitlines() == srt_texts


def test_caption_frame_shows_the_caption_where_the_layout_puts_it(script, tmp_path, fake_engine):
    out = tmp_path / "out"
    render_programme(load_script(script), out, profile=get_profile("screen"))
    mp4 = out / "programme.mp4"
    layout = ScreenLayout.for_size(1920, 1080)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    pause = next(i for i in manifest["items"] if i["kind"] == "pause")
    in_pause = _frame(mp4, _frame_time(pause["start_s"] + pause["duration_s"] / 2), (1920, 1080))
    area = layout.caption_area
    assert _ink(in_pause, int(area.y), int(area.bottom)) is None, "a caption is shown during the pause"
    captions = captions_of_srt(out)  # the captions in the video are the SRT's, at the SRT's times
    for caption in captions:
        frame = _check_stacked_caption(mp4, caption, layout)
        differs = np.mean(np.abs(frame.astype(np.int16) - in_pause.astype(np.int16)) > 64)
        assert differs > 0.005, "the caption frame looks like the pause frame"
    # The header (programme title) sits in its box during the captions; the title card before them is centred.
    header = layout.header_box
    ink = _ink(frame, 0, int(area.y))
    assert ink is not None and header.y - 10 <= ink[1] and ink[3] <= header.bottom + 10
    card = _frame(mp4, 0.2, (1920, 1080))
    card_ink = _ink(card)
    assert card_ink is not None and abs((card_ink[0] + card_ink[2]) / 2 - 960) < 30


def test_odd_led_size(script, tmp_path, fake_engine):
    out = tmp_path / "out"
    _render(script, out, size="768x384")
    mp4 = out / "programme.mp4"
    probe = _probe(mp4)
    assert probe["size"] == (768, 384) and probe["pix_fmt"] == "yuv420p"
    layout = ScreenLayout.for_size(768, 384)
    assert layout.mode == "stacked"
    long = captions_of_srt(out)[-1]  # the long caption: wrapped over several lines, none cut off
    _, lines = layout.fit_caption(long.text)
    assert len(lines) >= 2 and "".join(lines) == long.text
    _check_stacked_caption(mp4, long, layout)


def captions_of_srt(out: Path) -> list[Caption]:
    caps = []
    for block in (out / "programme.srt").read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        start, end = (sum(float(x) * f for x, f in zip(s.replace(",", ".").split(":"), (3600, 60, 1)))
                      for s in lines[1].split(" --> "))
        caps.append(Caption(start, end, lines[2]))
    return caps


def test_strip_screen_gets_a_scrolling_ticker(script, tmp_path, fake_engine):
    out = tmp_path / "out"
    _render(script, out, size="1280x256")
    mp4 = out / "programme.mp4"
    assert _probe(mp4)["size"] == (1280, 256)
    layout = ScreenLayout.for_size(1280, 256)
    assert layout.mode == "ticker"
    caption = captions_of_srt(out)[0]
    lefts = []
    for fraction in (0.25, 0.6):
        t = _frame_time(caption.start_s + fraction * (caption.end_s - caption.start_s))
        exact = (t - caption.start_s) / (caption.end_s - caption.start_s)
        frame = _frame(mp4, t, (1280, 256))
        box = layout.ticker_box(caption.text, exact)
        ink = _ink(frame)
        assert ink is not None
        x0, y0, x1, y1 = ink
        em = layout.caption_em
        slack = 0.3 * em
        # One line, vertically centred, its ink where the scroll has brought it (cut by the screen's edges).
        assert box.y - slack <= y0 and y1 <= box.bottom + slack and y1 - y0 < 1.3 * em
        left, right = (box.x + edge for edge in text_ink(caption.text, em))
        assert abs(x0 - max(0.0, left)) <= 0.1 * em and abs(x1 - min(1280.0, right)) <= 0.1 * em, (ink, left, right)
        lefts.append(x0)
    assert lefts[1] < lefts[0]  # it moved left


def test_vertical_from_the_cli(script, tmp_path, fake_engine, run_cli):
    out = tmp_path / "out"
    code, stdout, err = run_cli("render", str(script), "--out", str(out), "--vertical", "-q")
    assert code == 0, err
    assert _probe(out / "programme.mp4")["size"] == (1080, 1920)
    assert f"{out / 'programme.mp4'}" in stdout and f"{out / 'programme.html'}" in stdout


@pytest.mark.parametrize("size, message", [("1281x256", "must be even"), ("big", "not a size"), ("32x32", "between")])
def test_bad_size_is_exit_2(script, tmp_path, fake_engine, run_cli, size, message):
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "o"), "--size", size, "-q")
    assert code == 2 and message in err and "Traceback" not in err
    assert fake_engine.calls == []


def test_missing_character_is_named_before_synthesis(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, SCRIPT.replace("召开", "召开𪚥"))
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "o"), "--profile", "screen", "-q")
    assert code == 2, err
    assert "𪚥 (U+2A6A5" in err and "Noto Sans SC" in err and str(script) in err
    assert fake_engine.calls == []  # said before any speech was made
    # Without video there is nothing to draw, so nothing to refuse.
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "o"), "-q")
    assert code == 0, err


def test_font_comes_from_pip_under_the_ofl():
    info = font_info()
    assert "site-packages" in str(info.path) or "dist-packages" in str(info.path)
    assert info.licence.startswith("This Font Software is licensed under the SIL Open Font License, Version 1.1")
    assert missing_characters("湖东村早间广播，溱潼镇廣播站。2026-11-30 ℃％（）《》“”") == ""
    assert missing_characters("召开𪚥") == "𪚥"


def test_wrap_keeps_every_character_and_the_line_rules():
    text = ("各位村民请注意：根据《东台市冬季农田水利建设实施方案》，工程定于12月1日开工，沟渠总长约4.2km，"
            "咨询电话0515-85212345，请相互转告。")
    for width in range(260, 1000, 37):
        lines = wrap_text(text, 30, width)
        assert "".join(lines) == text
        assert all(text_width(line, 30) <= width for line in lines)
        assert not any(line[0] in NO_LINE_START for line in lines[1:])
        assert not any(line[-1] in "《（" for line in lines)
        # Numbers, units and phone numbers are not split over two lines.
        assert any("4.2km" in line for line in lines) and any("0515-85212345" in line for line in lines)


def test_parse_size():
    assert parse_size("960x320") == (960, 320) and parse_size("1280×256") == (1280, 256)
    with pytest.raises(InputError):
        parse_size("961x320")


def test_profile_file_with_video_settings(script, tmp_path, fake_engine, run_cli):
    bad = tmp_path / "led.yaml"
    bad.write_text("base: loudspeaker\nvideo: true\nvideo_size: 961x320\n", encoding="utf-8")
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "o"), "--profile", str(bad), "-q")
    assert code == 2 and "led.yaml" in err and "video_size" in err and "even" in err
    good = tmp_path / "led-wall.yaml"
    good.write_text("base: loudspeaker\nvideo: true\nvideo_size: 960x320\n", encoding="utf-8")
    code, _, err = run_cli("render", str(script), "--out", str(tmp_path / "o"), "--profile", str(good), "-q")
    assert code == 0, err
    assert _probe(tmp_path / "o" / "programme.mp4")["size"] == (960, 320)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"]["name"] == "led-wall" and manifest["profile"]["video_size"] == "960x320"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="村民请注意广播水利建设，。、：；！？（）《》“”0123456789.-km%", min_size=1, max_size=80),
       st.integers(min_value=40, max_value=900))
def test_wrap_never_loses_or_overflows(text, width):
    lines = wrap_text(text, 30, width)
    assert "".join(lines) == text
    assert all(text_width(line, 30) <= width for line in lines)
