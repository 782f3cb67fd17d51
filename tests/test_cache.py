"""The segment cache: entries checked when read, damaged ones healed, size bounded."""
from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from broadcaster.durable import Damaged, read_checked, write_checked
from broadcaster.render import render_programme
from broadcaster.script import load_script
from broadcaster.model import SentenceMark, Speech
from broadcaster.synthesise.cache import SegmentCache, decode_entry, encode_entry
from support import write_script

SCRIPT = """\
title: 停电通知
date: 2026-11-30
voice: {engine: fake}
items:
  - text: 各位村民请注意。
  - text: 明天上午八点到十二点停电。
  - text: 请大家提前做好准备。
"""


def _speech(n: int = 2400, rate_hz: int = 24000) -> Speech:
    t = np.arange(n) / rate_hz
    return Speech((0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate_hz, [SentenceMark(0.0, 0.1, "好。")])


def test_entry_reads_back_as_it_was_stored(tmp_path):
    cache = SegmentCache(tmp_path)
    stored = cache.put("ab" * 32, _speech())
    back = cache.get("ab" * 32)
    assert back.rate_hz == 24000 and back.marks == stored.marks
    assert np.array_equal(back.samples, stored.samples)
    assert np.max(np.abs(back.samples - _speech().samples)) <= 0.5 / 32767 + 1e-7  # 16-bit, rounded


def _wrong_shape(entry: bytes) -> bytes:
    """A well-formed, correctly checksummed file whose header promises more
    samples than it holds."""
    import hashlib
    import json

    payload = entry[:-32]
    size = struct.unpack_from("<I", payload, 7)[0]
    header = json.loads(payload[11:11 + size])
    header["samples"] += 1
    raw = json.dumps(header).encode()
    bad = payload[:7] + struct.pack("<I", len(raw)) + raw + payload[11 + size:]
    return bad + hashlib.sha256(bad).digest()


DAMAGE = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "last-byte": lambda data: data[:-1],
    "random": lambda data: os.urandom(len(data)),
    "zeros": lambda data: bytes(len(data)),
    "flipped-sample": lambda data: data[:200] + bytes([data[200] ^ 1]) + data[201:],
    "wrong-shape": _wrong_shape,
    "old-format": lambda data: b"PK\x03\x04" + data[4:],
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_entry_is_a_miss_and_is_removed(tmp_path, damage):
    cache = SegmentCache(tmp_path)
    cache.put("cd" * 32, _speech())
    [path] = (tmp_path / "segments").rglob("*.seg")
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    assert cache.get("cd" * 32) is None
    assert cache.damaged == 1 and not path.exists()


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_render_heals_a_damaged_cache(tmp_path, fake_engine, damage, run_cli):
    script = write_script(tmp_path, SCRIPT)
    code, first, err = run_cli("render", str(script), "--out", str(tmp_path / "a"), "--quiet")
    assert code == 0, err
    entries = sorted((Path(os.environ["BROADCASTER_CACHE_DIR"]) / "segments").rglob("*.seg"))
    assert len(entries) == 3
    entries[1].write_bytes(DAMAGE[damage](entries[1].read_bytes()))
    code, out, err = run_cli("render", str(script), "--out", str(tmp_path / "b"), "--quiet")
    assert code == 0, err
    assert "(1 synthesised, 2 from cache)" in out
    assert "warning: 1 damaged cache entry was removed and synthesised again" in out
    assert (tmp_path / "a" / "programme.mp3").read_bytes() == (tmp_path / "b" / "programme.mp3").read_bytes()
    code, out, _ = run_cli("render", str(script), "--out", str(tmp_path / "c"), "--quiet")
    assert "(0 synthesised, 3 from cache)" in out and "warning" not in out  # healed for good


def test_checked_file_round_trip_and_damage(tmp_path):
    path = tmp_path / "x"
    assert read_checked(path) is None
    write_checked(path, b"payload")
    assert read_checked(path) == b"payload"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(Damaged):
        read_checked(path)
    with pytest.raises(Damaged):
        decode_entry(b"not a segment")
    assert decode_entry(encode_entry(_speech())[0]).rate_hz == 24000


def test_cache_stays_within_its_limit_least_recently_used_first(tmp_path):
    cache = SegmentCache(tmp_path)
    keys = [f"{i:02x}" * 32 for i in range(6)]
    for n, key in enumerate(keys):
        cache.put(key, _speech())
        path = cache._path(key)
        os.utime(path, (1000 + n, 1000 + n))  # put in order: 0 is the least recently used
    entry_bytes = cache._path(keys[0]).stat().st_size
    cache.get(keys[0])  # used now: the most recent

    later = SegmentCache(tmp_path)  # another render, which used keys[1]
    later.get(keys[1])
    removed = later.evict(max_bytes=3 * entry_bytes)
    assert removed == 3
    left = {p.stem for p in (tmp_path / "segments").rglob("*.seg")}
    # keys[1] was used by the evicting render, keys[0] recently; the oldest others went.
    assert left == {keys[0], keys[1], keys[5]}


def test_eviction_never_removes_what_the_running_render_uses(tmp_path):
    cache = SegmentCache(tmp_path)
    for i in range(3):
        cache.put(f"{i:02x}" * 32, _speech())
    assert cache.evict(max_bytes=0) == 0  # all three are this render's own
    assert len(list((tmp_path / "segments").rglob("*.seg"))) == 3


def test_render_evicts_beyond_the_limit(tmp_path, fake_engine, monkeypatch):
    script = write_script(tmp_path, SCRIPT)
    render_programme(load_script(script), tmp_path / "a")
    other = write_script(tmp_path, SCRIPT.replace("请大家提前做好准备。", "请大家互相转告。"), "other.yaml")
    monkeypatch.setenv("BROADCASTER_CACHE_MAX_MB", "0")
    result = render_programme(load_script(other), tmp_path / "b")
    assert result.stats.synthesised == 1
    # Only the second render's three segments are left.
    assert len(list((Path(os.environ["BROADCASTER_CACHE_DIR"]) / "segments").rglob("*.seg"))) == 3


def test_bad_cache_limit_is_bad_input(tmp_path, fake_engine, run_cli, monkeypatch):
    script = write_script(tmp_path, SCRIPT)
    monkeypatch.setenv("BROADCASTER_CACHE_MAX_MB", "lots")
    code, out, err = run_cli("render", str(script), "--out", str(tmp_path / "a"))
    assert code == 2
    assert err == "broadcaster: error: BROADCASTER_CACHE_MAX_MB='lots': must be a number from 0 to 1e+07\n"
    assert not fake_engine.calls


def test_cache_info_and_clear(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, SCRIPT)
    assert run_cli("render", str(script), "--out", str(tmp_path / "a"), "--quiet")[0] == 0
    code, out, _ = run_cli("cache", "info")
    lines = dict(line.split("\t") for line in out.splitlines())
    assert code == 0 and lines["location"] == os.environ["BROADCASTER_CACHE_DIR"]
    assert lines["segments"].startswith("3 (") and lines["names"] == "3"
    assert lines["limit"] == "2048 MB (BROADCASTER_CACHE_MAX_MB)"
    code, out, _ = run_cli("cache", "clear")
    assert code == 0 and out.startswith("removed 3 segments (")
    code, out, _ = run_cli("cache", "info")
    assert "segments\t0 (0.0 MB)" in out


@pytest.mark.parametrize(
    "name, value, line",
    [
        ("BROADCASTER_THREADS", "two", "BROADCASTER_THREADS='two': must be a whole number from 1 to 64"),
        ("BROADCASTER_KOKORO_MAX_PHONEMES", "5", "BROADCASTER_KOKORO_MAX_PHONEMES='5': must be a whole number from 20 to 510"),
        ("BROADCASTER_KOKORO_GRAPH", "fast", "BROADCASTER_KOKORO_GRAPH='fast': must be one of auto, original, im2col, float"),
        ("BROADCASTER_EDGE_ATTEMPTS", "0", "BROADCASTER_EDGE_ATTEMPTS='0': must be a whole number from 1 to 20"),
        ("BROADCASTER_FETCH_MAX_AGE_S", "a day", "BROADCASTER_FETCH_MAX_AGE_S='a day': must be a number from 0 to 1e+09"),
    ],
)
def test_every_bad_setting_is_bad_input_before_any_work(tmp_path, fake_engine, run_cli, monkeypatch, name, value, line):
    """One policy for every BROADCASTER_* variable, checked when a render starts,
    even for settings of an engine this script does not use."""
    script = write_script(tmp_path, SCRIPT)
    monkeypatch.setenv(name, value)
    code, out, err = run_cli("render", str(script), "--out", str(tmp_path / "a"), "--quiet")
    assert (code, err) == (2, f"broadcaster: error: {line}\n")
    assert not fake_engine.calls and not (tmp_path / "a").exists()


def test_a_clip_beyond_full_scale_is_scaled_not_clipped(tmp_path):
    loud = _speech()
    loud = Speech(loud.samples * np.float32(1.5 / 0.4), loud.rate_hz, loud.marks)  # peaks at 1.5
    stored = SegmentCache(tmp_path).put("ef" * 32, loud)
    assert np.max(np.abs(stored.samples)) == pytest.approx(1.0, abs=1e-4)
    # The same waveform, only quieter (clipped, its crests would be flat at 1.0).
    assert np.allclose(stored.samples, loud.samples / 1.5, atol=1e-4)


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="process ids are checked on POSIX only")
def test_temporaries_of_killed_writers_are_swept_but_not_a_live_ones(tmp_path):
    from broadcaster.durable import sweep_temporaries

    cache = SegmentCache(tmp_path)
    cache.put("ab" * 32, _speech())
    shard = next((tmp_path / "segments").iterdir())
    (tmp_path / "names").mkdir()
    dead, alive = _dead_pid(), os.getpid()
    left = [shard / f".x.seg.{dead}.abc123.tmp", tmp_path / "names" / f".y.slug.{dead}.k9_z.tmp"]
    kept = [shard / f".x.seg.{alive}.abc123.tmp", tmp_path / "names" / "ordinary.txt"]
    for path in left + kept:
        path.write_bytes(b"partial")
    cache.evict()
    assert [p.exists() for p in left] == [False, False]
    assert [p.exists() for p in kept] == [True, True]
    models = tmp_path / "models"
    models.mkdir()
    (models / f".m.onnx.{dead}.q1.tmp").write_bytes(b"half a model")
    assert sweep_temporaries(models) == 1 and not list(models.iterdir())
