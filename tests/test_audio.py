"""Jingles, loudness, limiter, timeline arithmetic, playlists and captions."""
from __future__ import annotations

import numpy as np
import pytest

from broadcaster.mix.jingles import builtin_jingle
from broadcaster.meter import integrated_lufs
from broadcaster.true_peak import true_peak_dbtp
from broadcaster.mix.loudness import limit, normalise
from broadcaster.resample import resample
from broadcaster.package.captions import srt, srt_time
from broadcaster.package.names import remembered_slug, slug
from broadcaster.package.playlist import m3u8

RATE = 44100


def test_chime_is_two_decaying_strikes():
    chime = builtin_jingle("chime", RATE)
    assert abs(len(chime) / RATE - 1.9) < 0.01
    assert abs(20 * np.log10(np.max(np.abs(chime))) - (-6.0)) < 0.1
    frame = RATE // 100
    env = np.sqrt((chime[: len(chime) // frame * frame].reshape(-1, frame) ** 2).mean(axis=1))
    assert env[0] > 0.1  # the first strike starts at once
    assert env[46] > 1.5 * env[43]  # the second strike lands at 0.45 s
    assert env[-1] < env[50] / 5  # and both decay


def test_chime_end_rises():
    spectrum = lambda x: np.argmax(np.abs(np.fft.rfft(x[: RATE // 4])))  # noqa: E731
    start, end = builtin_jingle("chime", RATE), builtin_jingle("chime-end", RATE)
    assert spectrum(start) > spectrum(end)  # chime opens on the high note, chime-end on the low one


def _speechlike(seconds: float, level: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    env = (np.sin(2 * np.pi * 3 * t) > 0).astype(np.float32)  # bursts and gaps
    return (level * env * rng.standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize("level", [0.01, 0.1, 0.5])
def test_normalise_reaches_target_with_ceiling(level):
    out, report = normalise(_speechlike(20, level), RATE)
    assert abs(integrated_lufs(out, RATE) - (-16.0)) <= 0.2
    assert true_peak_dbtp(out) <= -1.0
    assert abs(report.integrated_lufs - integrated_lufs(out, RATE)) < 1e-6


def test_limiter_never_exceeds_ceiling_and_leaves_quiet_parts_alone():
    x = _speechlike(5, 0.05)
    x[RATE : RATE + 200] = 0.99  # a spike
    y = limit(x, RATE, ceiling_dbtp=-1.0)
    assert true_peak_dbtp(y) <= -1.0 + 1e-3
    far = slice(3 * RATE, 4 * RATE)
    assert np.allclose(x[far], y[far])


def test_silence_is_left_alone():
    out, report = normalise(np.zeros(RATE * 2, dtype=np.float32), RATE)
    assert not np.any(out)
    assert report.gain_db == 0.0


def test_resample_24k_to_44k1_keeps_duration_and_pitch():
    t = np.arange(24000) / 24000
    x = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    y = resample(x, 24000, RATE)
    assert len(y) == RATE
    assert abs(np.argmax(np.abs(np.fft.rfft(y))) - 440) <= 1


def test_playlist_golden():
    text = m3u8([("items/01-gewei.mp3", 3.456, "各位村民"), ("items/02-shuili.mp3", 95.2, "冬季  农田\n水利")])
    assert text == "#EXTM3U\n#EXTINF:3.46,各位村民\nitems/01-gewei.mp3\n#EXTINF:95.20,冬季 农田 水利\nitems/02-shuili.mp3\n"


def test_captions_golden():
    text = srt([(0.3, 2.5, "各位村民请注意。"), (3723.5, 3725.0004, "第二句\n换行")])
    assert text == (
        "1\n00:00:00,300 --> 00:00:02,500\n各位村民请注意。\n\n"
        "2\n01:02:03,500 --> 01:02:05,000\n第二句 换行\n"
    )
    assert srt_time(-1) == "00:00:00,000"


def test_item_file_names_are_ascii_pinyin():
    assert slug("冬季农田水利建设") == "dongji-nongtianshuili-jianshe"
    assert slug("Notice 2026: 水利") == "notice-2026-shuili"
    assert slug("！！！") == "item"
    assert len(slug("关于开展二零二六年冬季农田水利建设的通知和安排")) <= 32


@pytest.mark.parametrize("rate_hz", [24000, 44100, 48000])
@pytest.mark.parametrize("seconds", [0.3, 1.0, 7.77, 42.0])
def test_blockwise_loudness_matches_pyloudnorm(rate_hz, seconds):
    import pyloudnorm

    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    x = (0.1 * rng.standard_normal(len(t)) * (np.sin(2 * np.pi * 2 * t) > 0)).astype(np.float32)
    padded = np.pad(x, (0, max(0, int(0.4 * rate_hz) - len(x)))).astype(np.float64)
    assert abs(integrated_lufs(x, rate_hz) - pyloudnorm.Meter(rate_hz).integrated_loudness(padded)) < 0.01


def test_limiter_blocks_join_exactly(monkeypatch):
    import broadcaster.mix.loudness as loudness

    x = _speechlike(12, 0.4, seed=3)
    small_blocks = limit(x, RATE, -1.0)
    monkeypatch.setattr(loudness, "_BLOCK", 1 << 24)  # one block for the whole signal
    assert np.array_equal(small_blocks, limit(x, RATE, -1.0))


def test_limiter_in_place_gives_the_same_result():
    x = _speechlike(12, 0.4, seed=5)
    copy = limit(x, RATE, -1.0)
    y = x.copy()
    assert limit(y, RATE, -1.0, in_place=True) is y
    assert np.array_equal(copy, y)
    assert not np.array_equal(x, y)


def test_normalise_in_place_gives_the_same_result():
    x = _speechlike(10, 0.05, seed=6)
    a, _ = normalise(x, RATE)
    y = x.copy()
    b, _ = normalise(y, RATE, in_place=True)
    assert np.array_equal(a, b) and b is y


def _swelling_tone(seconds: float, rate_hz: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)  # syllable-rate swells
    return (0.4 * envelope * np.sin(2 * np.pi * 180 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize(
    ("piece", "seconds"),
    [(1, 0.25), (13, 2.0)] + [(piece, s) for piece in (997, 4410, 44100 * 3 + 7, 10**9) for s in (0.25, 2.0, 31.3)],
)
def test_meter_fed_in_pieces_measures_what_whole_measurement_does(piece, seconds):
    from broadcaster.meter import LoudnessMeter

    audio = _swelling_tone(seconds, RATE, seed=int(seconds * 10))
    meter = LoudnessMeter(RATE)
    for start in range(0, len(audio), piece):
        meter.feed(audio[start : start + piece])
    assert meter.samples_seen == len(audio)
    assert meter.integrated_lufs() == pytest.approx(integrated_lufs(audio, RATE), abs=1e-9)
    assert meter.true_peak_dbtp() == pytest.approx(true_peak_dbtp(audio), abs=1e-6)


@pytest.mark.parametrize("piece", [4410, 10**9])
def test_stereo_meter_adds_the_channels_energies_and_takes_the_highest_peak(piece):
    import pyloudnorm

    from broadcaster.meter import LoudnessMeter, duplicated_channels_db

    left = _swelling_tone(6.0, RATE, seed=1)
    right = 0.5 * _swelling_tone(6.0, RATE, seed=2)
    both = np.stack([left, right], axis=1)
    meter = LoudnessMeter(RATE, channels=2)
    for start in range(0, len(both), piece):
        meter.feed(both[start : start + piece])
    # BS.1770 for two channels, as pyloudnorm measures it (weights 1.0, energies added before gating)
    assert meter.integrated_lufs() == pytest.approx(pyloudnorm.Meter(RATE).integrated_loudness(both.astype(np.float64)), abs=0.01)
    assert meter.true_peak_dbtp() == pytest.approx(max(true_peak_dbtp(left), true_peak_dbtp(right)), abs=1e-6)
    # The same signal on both channels: 3.01 dB louder, the same peak.
    twin = LoudnessMeter(RATE, channels=2)
    twin.feed(np.stack([left, left], axis=1))
    assert twin.integrated_lufs() - integrated_lufs(left, RATE) == pytest.approx(duplicated_channels_db(2), abs=1e-6)
    assert twin.true_peak_dbtp() == pytest.approx(true_peak_dbtp(left), abs=1e-6)
    short = LoudnessMeter(RATE, channels=2)  # shorter than one gating block: padded with silence on both channels
    short.feed(np.stack([left[: RATE // 4]] * 2, axis=1))
    assert short.integrated_lufs() - integrated_lufs(left[: RATE // 4], RATE) == pytest.approx(duplicated_channels_db(2), abs=1e-6)


def test_decoded_chunks_are_the_decoded_file(tmp_path):
    from broadcaster.codec import decode_chunks, decode_file, encode_mp3

    path = tmp_path / "tone.mp3"
    encode_mp3(_swelling_tone(12.0, RATE, seed=3), path, {"title": "测试"})
    pieces = list(decode_chunks(path, RATE, chunk_s=5.0))
    assert [len(p) for p in pieces[:2]] == [5 * RATE, 5 * RATE]
    np.testing.assert_array_equal(np.concatenate(pieces), decode_file(path, RATE))


def test_decoded_chunks_of_a_broken_file_name_it(tmp_path):
    from broadcaster.codec import decode_chunks
    from broadcaster.errors import InputError

    path = tmp_path / "broken.mp3"
    path.write_bytes(b"ID3 this is not audio at all" * 10)
    with pytest.raises(InputError) as caught:
        list(decode_chunks(path, RATE))
    assert str(path) in str(caught.value) or caught.value.where == str(path)


@pytest.mark.parametrize("level", [0.0, 0.2, 0.5, 0.9])
def test_oversampling_only_where_it_can_matter_gives_the_exact_values_there(level):
    from broadcaster.true_peak import _oversampled_abs, _oversampled_abs_above

    audio = _swelling_tone(9.0, RATE, seed=5)
    audio[RATE * 3 : RATE * 3 + 50] = np.float32(0.95) * np.sign(np.sin(np.arange(50)))  # a burst of near-clipping
    full = _oversampled_abs(audio)
    above = _oversampled_abs_above(audio, level)
    over = full > level
    assert over.any()
    np.testing.assert_array_equal(above[over], full[over])
    assert np.all((above == full) | (above == 0))


def test_true_peak_equals_the_brute_force_maximum():
    from broadcaster.true_peak import _oversampled_abs

    for seed in range(4):
        audio = _swelling_tone(5.0, RATE, seed=seed) * np.float32(0.3 + 0.5 * seed / 3)
        assert true_peak_dbtp(audio) == pytest.approx(20 * np.log10(float(_oversampled_abs(audio).max())), abs=1e-9)


def test_slugs_are_remembered_and_worked_out_again_when_the_words_change(tmp_path, monkeypatch):
    from broadcaster.package import names

    memo = tmp_path / "names"
    assert remembered_slug("湖东村冬季水利建设", memo) == slug("湖东村冬季水利建设")
    assert len(list(memo.glob("*.slug"))) == 1 and not list(memo.glob("*.tmp"))

    def no_dictionary(title, max_chars=32):
        raise AssertionError("the slug should have come from the memo")

    monkeypatch.setattr(names, "slug", no_dictionary)
    assert remembered_slug("湖东村冬季水利建设", memo) == "hudong-cun-dongji-shuilijianshe"

    # A lexicon word in the title changes where it is cut, so the memo no longer applies.
    monkeypatch.setattr(names, "slug", lambda title, max_chars=32, words=frozenset(): "worked-out-again")
    assert remembered_slug("湖东村冬季水利建设", memo, frozenset({"东村冬季", "溱潼"})) == "worked-out-again"
    # ... and a lexicon word that is not in the title does not.
    monkeypatch.setattr(names, "slug", no_dictionary)
    assert remembered_slug("湖东村冬季水利建设", memo, frozenset({"溱潼"})) == "hudong-cun-dongji-shuilijianshe"


def test_lexicon_words_shape_slugs_only_where_given():
    assert slug("溱潼镇党员冬训", words=frozenset({"溱潼"})).startswith("qintong-")
    assert not slug("溱潼镇党员冬训").startswith("qintong-")  # another render's lexicon left nothing behind


@pytest.mark.parametrize("damage", ["empty", "cut", "other-text", "random"])
def test_a_damaged_slug_memo_is_removed_and_worked_out_again(tmp_path, damage):
    import os

    memo = tmp_path / "names"
    first = remembered_slug("水利建设", memo)
    [entry] = memo.glob("*.slug")
    data = entry.read_bytes()
    entry.write_bytes({"empty": b"", "cut": data[:3], "other-text": b"shui", "random": os.urandom(len(data))}[damage])
    assert remembered_slug("水利建设", memo) == first
    assert entry.read_bytes() == data  # written again, whole
