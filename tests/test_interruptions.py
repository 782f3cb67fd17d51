"""Power cuts and interruptions, with real processes as a user runs them.

A render killed at any moment (during synthesis, mixing or encoding) leaves
the earlier output as it was, and the next render synthesises only what was
missing and writes byte-identical audio. Renders sharing one cache at the
same time both succeed.
"""
from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import write_script

FAKE_CLI = Path(__file__).parent / "fake_cli.py"
SENTENCES = [
    "各位村民请注意今天下午开会。", "明天上午村里统一打扫卫生。", "冬季防火要注意用电安全。",
    "请大家按时缴纳医疗保险费。", "村卫生室明天免费测量血压。", "农田水利建设需要大家出力。",
    "请外出务工人员及时报平安。", "村道两旁不要堆放柴草杂物。", "小学放学时段请注意交通。",
    "老年人体检报名今天截止。", "广场舞活动改到晚上七点。", "村委会收到上级新的通知。",
]


def _script(folder: Path, sentences: list[str], name: str = "notice.yaml") -> Path:
    items = "\n".join(f"  - text: {s}" for s in sentences)
    return write_script(folder, f"title: 村务通知\ndate: 2026-11-30\nvoice: {{engine: fake}}\nitems:\n  - jingle: chime\n{items}\n", name)


def _env(cache: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, BROADCASTER_CACHE_DIR=str(cache), **extra)


def _render(script: Path, out: Path, cache: Path, **extra: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(FAKE_CLI), "render", str(script), "--out", str(out)],
                          env=_env(cache, **extra), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def _counts(summary: str) -> tuple[int, int]:
    synthesised, cached = re.search(r"\((\d+) synthesised, (\d+) from cache\)", summary).groups()
    return int(synthesised), int(cached)


def _audio(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*.mp3"))}


def _everything(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _segments(cache: Path) -> list[Path]:
    return list((cache / "segments").rglob("*.seg"))


def _kill_when(script: Path, out: Path, cache: Path, marker: str, extra_delay_s: float) -> bool:
    """Start a render, SIGKILL it `extra_delay_s` after `marker` shows on its
    stderr; True if it was killed, False if it had already finished."""
    proc = subprocess.Popen([sys.executable, str(FAKE_CLI), "render", str(script), "--out", str(out)],
                            env=_env(cache, FAKE_DELAY_S="0.05"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:
            if line.strip() == marker:
                time.sleep(extra_delay_s)
                break
        killed = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        return killed
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The programme rendered once, uninterrupted, with an empty cache."""
    folder = tmp_path_factory.mktemp("reference")
    script = _script(folder, SENTENCES)
    _render(script, folder / "out", folder / "cache")
    return _audio(folder / "out")


POINTS = [("synthesis", "fake: made 5"), ("mixing", "broadcaster: mixing"), ("encoding", "broadcaster: encoding")]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("repeat", range(3))
@pytest.mark.parametrize("point, marker", POINTS, ids=[p for p, _ in POINTS])
def test_killed_render_resumes_with_only_the_missing_segments(tmp_path, reference, point, marker, repeat):
    earlier_script = _script(tmp_path, SENTENCES[:3], "earlier.yaml")
    script = _script(tmp_path, SENTENCES)
    out, cache = tmp_path / "out", tmp_path / "cache"
    _render(earlier_script, out, tmp_path / "earlier-cache")
    earlier = _everything(out)

    killed = _kill_when(script, out, cache, marker, random.Random(repeat).uniform(0, 0.15))
    if killed:
        assert _everything(out) == earlier  # the earlier output, untouched
    kept = len(_segments(cache))
    if point == "synthesis" and killed:
        assert 5 <= kept < len(SENTENCES)
    elif killed:
        assert kept == len(SENTENCES)  # synthesis was over: every segment was kept

    synthesised, cached = _counts(_render(script, out, cache).stdout)
    assert (synthesised, cached) == (len(SENTENCES) - kept, kept)
    assert _audio(out) == reference  # byte-identical to a render never interrupted
    # Nothing temporary is left: not beside the output, not in the cache.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert [p for p in cache.rglob("*") if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("repeat", range(4))
def test_two_renders_sharing_a_cache_at_once_both_succeed(tmp_path, repeat):
    """Two villages on one office machine: overlapping scripts, one cache,
    started together; one cache limit of 0 MB makes each evict what the
    other may be about to read."""
    cache = tmp_path / "cache"
    scripts = [_script(tmp_path, SENTENCES[:8], "a.yaml"), _script(tmp_path, SENTENCES[4:], "b.yaml")]
    procs = [subprocess.Popen([sys.executable, str(FAKE_CLI), "render", str(s), "--out", str(tmp_path / s.stem), "--quiet"],
                              env=_env(cache, FAKE_DELAY_S="0.02", BROADCASTER_CACHE_MAX_MB="0" if repeat % 2 else "100"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in scripts]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [rc for _, _, rc in results] == [0, 0], [err for _, err, _ in results]
    # Each is what it would be alone.
    for s in scripts:
        _render(s, tmp_path / f"{s.stem}-alone", tmp_path / f"cache-{s.stem}")
        assert _audio(tmp_path / s.stem) == _audio(tmp_path / f"{s.stem}-alone")


@pytest.mark.engine
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_offline_render_keeps_what_the_real_voice_made(tmp_path):
    """The same with the real offline voice, whose segments are made on two
    worker threads and stored from there as each is finished."""
    sentences = ["请注意。", "明天停电。", "后天通水。", "按时开会。", "注意防火。", "谢谢大家。"]
    script = write_script(tmp_path, "title: 通知\ndate: 2026-11-30\nitems:\n" + "".join(f"  - text: {s}\n" for s in sentences))
    reference, out, cache = tmp_path / "reference", tmp_path / "out", tmp_path / "cache"
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "render", str(script), "--out", str(reference), "--quiet"],
                          env=_env(tmp_path / "reference-cache"), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr

    proc = subprocess.Popen([sys.executable, "-m", "broadcaster", "render", str(script), "--out", str(out), "--quiet"],
                            env=_env(cache), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while len(_segments(cache)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()
    proc.wait(timeout=30)
    kept = len(_segments(cache))
    assert kept >= 2

    resumed = subprocess.run([sys.executable, "-m", "broadcaster", "render", str(script), "--out", str(out)],
                             env=_env(cache), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert _counts(resumed.stdout) == (len(sentences) - kept, kept)
    assert _audio(out) == _audio(reference)
