"""The mix streams: the programme is made, levelled and encoded a block at a time
through a scratch file on disk (issue 10's memory target), and the blocks
join as if the programme had been processed whole."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from broadcaster.codec import decode_file, encode_mp3
from broadcaster.errors import AudioError
from broadcaster.meter import duplicated_channels_db, integrated_lufs
from broadcaster.true_peak import _oversampled_abs, _oversampled_abs_above, true_peak_dbtp
from broadcaster.mix import loudness as loudness_module
from broadcaster.mix import stage as stage_module
from broadcaster.mix.beds import load_beds
from broadcaster.mix.jingles import load_jingles
from broadcaster.mix.side_worker import SideWorker
from broadcaster.model import (Clip, Cue, ItemPlan, JingleItem, MusicBed, Programme, Segment, Speech, SpeechRequest,
                               SpokenItem, TextItem, Voice)
from broadcaster.pcm_file import PcmFile
from broadcaster.profiles import get_profile

RATE = 44100
BED = Path(__file__).resolve().parents[1] / "examples" / "music" / "bed.mp3"


def _programme(seconds: float, clip_rate: int = 24000, seed: int = 3):
    """Items of speech-like clips with a chime before each, under a music bed."""
    rng = np.random.default_rng(seed)
    voice = Voice("fake", "v1")
    items, plans, spoken, total_s, index = [], [], [], 0.0, 0
    while total_s < seconds:
        index += 1
        jingle = JingleItem(index=index, where="test", builtin="chime")
        plans.append(ItemPlan(jingle, "chime"))
        index += 1
        item = TextItem(index=index, where="test", text="各位村民请注意。", voice=voice)
        cues, clips = [], []
        for _ in range(3):
            n = int((1.5 + rng.random()) * clip_rate)
            t = np.arange(n) / clip_rate
            tone = np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2) + 0.2 * rng.standard_normal(n)
            segment = Segment("各位村民请注意。", "各位村民请注意。")
            cue = Cue(segment, SpeechRequest(segment.spoken, voice))
            cues.append(cue)
            clips.append(Clip(cue, Speech((0.1 * rng.uniform(0.3, 1) * tone).astype(np.float32), clip_rate), "fake", "v1", True))
            total_s += n / clip_rate + 0.45
        plan = ItemPlan(item, f"item {index}", tuple(cues))
        plans.append(plan)
        spoken.append(SpokenItem(plan, clips))
        items += [jingle, item]
        total_s += 3.0
    programme = Programme(title="t", date=dt.date(2026, 12, 1), source=Path("t.yaml"), items=tuple(items),
                          music=MusicBed(BED, -20.0, -12.0))
    return programme, plans, spoken


def _mix(profile_name: str, tmp_path: Path, seconds: float = 40.0):
    programme, plans, spoken = _programme(seconds)
    jingles = load_jingles(plans, RATE)
    beds = load_beds(programme, plans, RATE)
    master, report = stage_module.mix(plans, spoken, jingles, programme, get_profile(profile_name), lambda: -0.45,
                                      beds, tmp_path)
    with master:
        return master.read(), report


@pytest.mark.parametrize("profile", ["loudspeaker", "web"])
def test_blocks_join_as_if_the_programme_were_processed_whole(profile, tmp_path, monkeypatch):
    whole, _ = _mix(profile, tmp_path)
    # Blocks of 7 frames (3,087 samples, not a power of two): clips, jingles,
    # bed loops, filter states and limiter windows all cross block edges.
    monkeypatch.setattr(stage_module, "block_length", lambda rate: 7 * (rate // 100))
    monkeypatch.setattr(loudness_module, "block_length", lambda rate: 7 * (rate // 100))
    small, _ = _mix(profile, tmp_path)
    assert len(small) == len(whole)
    # The bed's gain curve is sampled on a grid that starts at each block, so
    # equal up to that interpolation; anything misplaced would differ by the signal.
    assert np.max(np.abs(small - whole)) < 1e-4
    assert np.max(np.abs(whole)) > 0.3


@pytest.mark.parametrize("profile", ["loudspeaker", "web"])
def test_levelling_lands_on_target_without_measuring_twice(profile, tmp_path):
    samples, report = _mix(profile, tmp_path)
    # the codec's -0.45 dB pre-compensated; a stereo profile's master 3 dB under,
    # as the same signal on both channels reads 3 dB louder
    aimed = get_profile(profile).target_lufs + 0.45 - duplicated_channels_db(get_profile(profile).channels)
    measured = integrated_lufs(samples, RATE)
    # The level is known from the first pass's frames and the limiter's losses,
    # not measured again: what it says must be what a meter finds.
    assert report.integrated_lufs == pytest.approx(measured, abs=0.05)
    assert measured == pytest.approx(aimed, abs=0.15)
    assert true_peak_dbtp(samples) <= get_profile(profile).ceiling_dbtp + 0.45 - 0.5 + 0.01


def test_a_failed_mix_leaves_no_scratch_file(tmp_path):
    programme, plans, spoken = _programme(10)

    def broken_codec_gain():
        raise RuntimeError("codec calibration failed")

    with pytest.raises(RuntimeError):
        stage_module.mix(plans, spoken, load_jingles(plans, RATE), programme, get_profile("web"), broken_codec_gain,
                         load_beds(programme, plans, RATE), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_scratch_file_is_never_visible_and_reads_back_what_was_written(tmp_path):
    with PcmFile(100_000, tmp_path) as pcm:
        if sys.platform != "win32":  # unlinked at once: a killed render leaves nothing behind
            assert list(tmp_path.iterdir()) == []
        x = np.random.default_rng(1).standard_normal(100_000).astype(np.float32)
        for at in range(0, 100_000, 30_000):
            pcm.write(at, x[at : at + 30_000])
        assert np.array_equal(pcm.read(0, 100_000), x)
        assert np.array_equal(np.concatenate(list(pcm.blocks(10, 99_990, size=4096))), x[10:99_990])
        assert len(pcm.read(99_990, 200_000)) == 10  # clipped to the file
        with pytest.raises(ValueError):
            pcm.write(99_999, x[:2])
    assert list(tmp_path.iterdir()) == []


def test_the_quick_true_peak_tiers_give_the_exact_values(tmp_path):
    from scipy.signal import upfirdn

    from broadcaster.true_peak import _interpolator

    rng = np.random.default_rng(11)
    for _ in range(25):
        n = int(rng.integers(1, 40_000))
        x = (rng.standard_normal(n) * rng.uniform(0.05, 0.5)).astype(np.float32)
        if rng.random() < 0.5:  # speech-like: smooth, with a few loud stretches
            x = np.convolve(x, np.ones(8) / 4, mode="same").astype(np.float32)
        exact = _oversampled_abs(x)
        # ... which is BS.1770's 4x interpolation, folded back per sample.
        up = np.abs(upfirdn(_interpolator(), x, 4))
        up = np.concatenate([up, np.zeros(8)])[23 : 23 + 4 * n].reshape(-1, 4).max(axis=1)
        assert np.allclose(exact, up, atol=1e-6)
        for level in (0.2, 0.5, 0.8, 1.1):
            above = _oversampled_abs_above(x, level)
            assert np.array_equal(above[exact > level], exact[exact > level])


def test_the_encoder_takes_blocks_and_says_why_it_failed(tmp_path):
    t = np.arange(3 * RATE) / RATE
    x = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    encode_mp3(x, tmp_path / "whole.mp3", {"title": "测试"})
    encode_mp3((x[a : a + 10_000] for a in range(0, len(x), 10_000)), tmp_path / "blocks.mp3", {"title": "测试"})
    assert (tmp_path / "whole.mp3").read_bytes() == (tmp_path / "blocks.mp3").read_bytes()
    back = decode_file(tmp_path / "blocks.mp3", RATE)
    assert abs(len(back) / RATE - 3.0) < 0.1
    with pytest.raises(AudioError) as caught:
        encode_mp3(x, tmp_path / "no-such-folder" / "x.mp3", {})
    assert "x.mp3" in str(caught.value) and "\n" not in str(caught.value)


def test_the_side_worker_keeps_order_bounds_the_queue_and_raises_errors():
    done: list[int] = []
    waiting = []

    def step(n: int) -> None:
        time.sleep(0.002 * (n % 3))
        waiting.append(threading.current_thread().name)
        done.append(n)

    with SideWorker(ahead=2) as side:
        for n in range(30):
            side.submit(step, n)
            assert n - len(done) <= 2  # never more than two blocks waiting
    assert done == list(range(30))
    assert set(waiting) == {next(iter(waiting))} and waiting[0] != threading.current_thread().name

    def failing(n: int) -> None:
        if n == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        with SideWorker() as side:
            for n in range(10):
                side.submit(failing, n)


def test_render_scratch_goes_beside_the_output(tmp_path):
    from broadcaster.pcm_file import scratch_dir_for

    assert scratch_dir_for(tmp_path / "out" / "today") == tmp_path  # the nearest existing folder above the output
    (tmp_path / "out").mkdir()
    assert scratch_dir_for(tmp_path / "out" / "today") == tmp_path / "out"
    assert os.access(scratch_dir_for(tmp_path / "out" / "today"), os.W_OK)


def test_a_full_disk_is_found_before_any_work(tmp_path, monkeypatch):
    import errno

    if not hasattr(os, "posix_fallocate"):
        pytest.skip("no posix_fallocate on this system: the space is not reserved ahead")

    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    with pytest.raises(AudioError) as caught:
        PcmFile(10 * RATE * 60, tmp_path)
    assert str(caught.value) == f"no room in {tmp_path} for the programme's scratch file (101 MB)"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("module", ["broadcaster.pcm_file", "broadcaster.filters", "broadcaster.mix.horn",
                                    "broadcaster.mix.beds", "broadcaster.meter", "broadcaster.resample",
                                    "broadcaster.package.sheet"])
def test_the_examples_in_the_docstrings_hold(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


_MIX_IN_A_PROCESS = """
import hashlib, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from test_streaming_mix import _programme, RATE
from broadcaster.mix.beds import load_beds
from broadcaster.mix.jingles import load_jingles
from broadcaster.mix.stage import mix
from broadcaster.profiles import get_profile
programme, plans, spoken = _programme(75)
master, _ = mix(plans, spoken, load_jingles(plans, RATE), programme, get_profile("loudspeaker"), lambda: -0.45,
                load_beds(programme, plans, RATE), Path(sys.argv[2]))
with master:
    print(hashlib.sha256(master.read().tobytes()).hexdigest(), len(master.audio))
"""


def test_the_threaded_mix_gives_the_same_programme_every_time(tmp_path):
    """Thirteen blocks on three threads, twenty fresh processes: one result."""
    digests, failures = set(), []
    for run in range(20):
        proc = subprocess.run([sys.executable, "-c", _MIX_IN_A_PROCESS, str(Path(__file__).parent), str(tmp_path)],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            failures.append(f"run {run}: rc {proc.returncode}: {proc.stderr.strip()[-500:]}")
            continue
        digest, n = proc.stdout.split()
        assert int(n) > 12 * 264_600  # more blocks than threads, so that they overtake each other
        digests.add(digest)
    assert not failures, "\n".join(failures)
    assert len(digests) == 1
    assert list(tmp_path.iterdir()) == []  # no scratch file left behind
