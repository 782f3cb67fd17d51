"""The programme sheet (issue 11): programme.png and a self-contained programme.html.

The HTML is opened in a real headless browser (Debian's chromium): no
console message at all (the page logs nothing when it works), and a
screenshot is kept in test-artefacts/ (git-ignored) for a person to look at.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support import REPO, write_script

from broadcaster.codec import decode_file
from broadcaster.package.sheet import COLUMNS, envelope
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
  - pause: 3
  - text: 今年冬季农田水利建设动员会于十一月二十八日在村委会召开，请各户相互转告。
"""
ARTEFACTS = REPO / "test-artefacts"


@pytest.fixture
def rendered(tmp_path, fake_engine):
    out = tmp_path / "out"
    result = render_programme(load_script(write_script(tmp_path, SCRIPT)), out)
    return out, result


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    return found


def _open_in_browser(page: Path, screenshot: Path) -> list[str]:
    """Load `page` headless, save a screenshot; return the console lines it logged."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
         f"--user-data-dir={screenshot.parent / '.chromium-profile'}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--window-size=1400,1100",
         f"--screenshot={screenshot}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert screenshot.exists(), proc.stderr[-2000:]
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def test_every_render_writes_the_sheet(rendered):
    out, _ = rendered
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"programme.png", "programme.html"} <= set(manifest["files"])
    assert not (out / "programme.mp4").exists()  # video only when asked for
    with Image.open(out / "programme.png") as png:
        assert png.format == "PNG" and png.width == 1600 and png.height > 600
        pixels = np.asarray(png.convert("RGB"))
    # The timeline's speech blocks are drawn in their colour over the right stretch of time.
    speech = [i for i in manifest["items"] if i["kind"] == "text"][1]
    x = int(140 + (speech["start_s"] + speech["duration_s"] / 2) / manifest["duration_s"] * COLUMNS)
    assert tuple(pixels[150 + 50, x]) == (0x2E, 0x86, 0xDE)
    pause = next(i for i in manifest["items"] if i["kind"] == "pause")
    x = int(140 + (pause["start_s"] + pause["duration_s"] / 2) / manifest["duration_s"] * COLUMNS)
    assert tuple(pixels[150 + 50, x]) == (0xB0, 0xB0, 0xB0)


def test_html_is_self_contained_and_lists_the_items(rendered):
    out, _ = rendered
    page = (out / "programme.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # No network: nothing loaded from anywhere but programme.mp3 beside it.
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources == ["programme.mp3"]
    assert "<link" not in page and "@import" not in page
    assert [u[:20] for u in re.findall(r"url\(([^)]*)\)", page)] == ["data:font/otf;base64"]  # the embedded font
    for item in manifest["items"]:
        assert f"<td>{item['title']}</td>" in page
        assert f"{item['duration_s']:.1f} s" in page
    assert f"{manifest['loudness']['integrated_lufs']:.1f} LUFS (target -16)" in page
    # The waveform path has one stroke per column, from the master's envelope.
    assert page.count("M") - page.count("MP") >= COLUMNS


def test_short_term_loudness_sits_on_the_target_during_speech(rendered):
    out, _ = rendered
    from broadcaster.meter import LoudnessMeter

    samples = decode_file(out / "programme.mp3", 44100)
    meter = LoudnessMeter(44100, true_peak=False)
    meter.feed(samples)
    short = meter.short_term_lufs()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    speech = [i for i in manifest["items"] if i["kind"] == "text"][1]
    # 3 s into a long steady item, the 3 s window holds speech only.
    inside = short[int((speech["start_s"] + 3.2) * 10): int((speech["start_s"] + speech["duration_s"]) * 10)]
    assert len(inside) > 10 and np.all(np.abs(inside - (-16.0)) < 3.0)
    pause = next(i for i in manifest["items"] if i["kind"] == "pause")
    assert short[int((pause["start_s"] + pause["duration_s"]) * 10) - 1] < np.median(inside)  # quieter after a pause


def test_envelope_holds_every_peak():
    samples = np.zeros(100_000, dtype=np.float32)
    samples[12_345], samples[99_999] = 0.9, -0.7
    env = envelope(samples, 100)
    assert env[:, 1].max() == pytest.approx(0.9) and env[:, 0].min() == pytest.approx(-0.7)
    assert env[12_345 * 100 // 100_000, 1] == pytest.approx(0.9)


def test_html_opens_in_a_headless_browser_without_console_errors(rendered, tmp_path):
    out, _ = rendered
    # The check can fail: a page that logs an error is caught.
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><script>console.error('marker'); missingFunction();</script>", encoding="utf-8")
    caught = _open_in_browser(broken, tmp_path / "broken.png")
    assert any("marker" in line for line in caught) and any("missingFunction" in line for line in caught)

    shot = ARTEFACTS / "programme-sheet.png"
    console = _open_in_browser(out / "programme.html", shot)
    assert console == []
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"))
    # The page drew the speech colour of the timeline and the dashed target line.
    assert np.any(np.all(pixels == (0x2E, 0x86, 0xDE), axis=2))
    assert np.any(np.all(pixels == (0xE7, 0x4C, 0x3C), axis=2))
    print(f"screenshot: {shot}")
