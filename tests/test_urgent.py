"""`broadcaster say --urgent`: the alert tone, then the text spoken twice, offline;
the profile's `urgent:` setting; plain `say` as it was. With the fake engine
(0.2 s of a 220 Hz tone per character), so every duration is known."""
from __future__ import annotations

import socket
import threading

import numpy as np
import pytest

from broadcaster.codec import decode_file
from broadcaster.mix.jingles import BUILTIN_JINGLES, builtin_jingle
from broadcaster.prepare.pipeline import prepare
from broadcaster.profiles import LOUDSPEAKER, URGENT_TONES, UrgentStyle, profile_from
from support import FAKE_S_PER_CHAR, write_script

RATE = 44100
FRAME_S = 0.05
TEXT = "今晚有大风请关好门窗。"


def _speech_s(text: str = TEXT) -> float:
    """What the fake engine makes of `text`: one segment, 0.2 s a character."""
    segments = prepare(text)
    assert len(segments) == 1
    return len(segments[0].spoken) * FAKE_S_PER_CHAR


def _frames(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dominant frequency, level in dB under the loudest frame) of each 50 ms frame."""
    n = int(FRAME_S * RATE)
    frames = x[: len(x) // n * n].reshape(-1, n)
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(n), axis=1))
    rms = np.sqrt((frames ** 2).mean(axis=1))
    return np.fft.rfftfreq(n, 1 / RATE)[spectrum.argmax(axis=1)], 20 * np.log10(rms / rms.max() + 1e-12)


def _regions(x: np.ndarray, min_gap_s: float = 0.5) -> list[tuple[float, float]]:
    """(start, end) in seconds of the stretches with sound, split where at least `min_gap_s` is silent (-40 dB)."""
    _, level = _frames(x)
    loud = np.flatnonzero(level > -40)
    out = []
    for n in loud:
        if out and (n - out[-1][1]) * FRAME_S < min_gap_s:
            out[-1][1] = n + 1
        else:
            out.append([n, n + 1])
    return [(a * FRAME_S, b * FRAME_S) for a, b in out]


# -- the tone --------------------------------------------------------------------------

def test_alert_is_a_built_in_jingle_and_every_urgent_tone_is_one():
    assert "alert" in BUILTIN_JINGLES and set(URGENT_TONES) <= set(BUILTIN_JINGLES)
    from broadcaster.script.items import BUILTIN_JINGLES as SCRIPT_NAMES

    assert set(SCRIPT_NAMES) == set(BUILTIN_JINGLES)


def test_the_alert_tone_is_clearly_unlike_the_chime():
    alert, chime = builtin_jingle("alert", RATE), builtin_jingle("chime", RATE)
    assert len(alert) / RATE == pytest.approx(3.0, abs=0.01) and len(chime) / RATE == pytest.approx(1.9, abs=0.01)
    for x in (alert, chime):
        assert float(np.max(np.abs(x))) == pytest.approx(0.5, abs=1e-3)  # both peak at -6 dBFS
    a_freq, a_level = _frames(alert)
    c_freq, c_level = _frames(chime)
    a_on, c_on = a_level > -20, c_level > -20
    # The chime rings at two fixed pitches (C6, E6); the alert sweeps an octave, 650-1300 Hz, three times.
    assert set(np.round(c_freq[c_on], -1)) <= {1040.0, 1050.0, 1320.0}
    assert np.percentile(a_freq[a_on], 5) < 750 and np.percentile(a_freq[a_on], 95) > 1150
    assert len(set(np.round(a_freq[a_on], -1))) >= 8
    rising = np.diff(a_freq[:int(0.45 / FRAME_S)])
    assert np.all(rising >= 0) and rising.sum() > 400  # the first glide goes up
    # The chime's strikes decay; the alert holds its level while it sounds.
    assert np.percentile(a_level[a_on], 10) > -3.0
    assert np.percentile(c_level[c_on], 10) < -6.0
    # Three cycles, each with a short silence: the gaps are where they should be.
    silent = np.flatnonzero(a_level < -40) * FRAME_S
    assert [round(t, 2) for t in silent] == [0.9, 0.95, 1.9, 1.95, 2.9, 2.95]


# -- say --urgent ----------------------------------------------------------------------

def test_say_urgent_is_tone_then_the_text_twice(tmp_path, fake_engine, run_cli):
    out = tmp_path / "notice.mp3"
    code, stdout, err = run_cli("say", "--urgent", TEXT, "--engine", "fake", "-o", str(out))
    assert (code, err) == (0, "")
    assert "urgent: alert, spoken 2×" in stdout
    assert fake_engine.calls == [prepare(TEXT)[0].spoken]  # made once, spoken twice
    x = decode_file(out)
    speech_s, style = _speech_s(), UrgentStyle()
    lead_s, tone_s = LOUDSPEAKER.lead_in_s, 3.0
    expected = lead_s + tone_s + 2 * (style.pause_s + speech_s) + LOUDSPEAKER.tail_s
    assert len(x) / RATE == pytest.approx(expected, abs=0.06)
    tone, first, second = _regions(x)
    assert tone[0] == pytest.approx(lead_s, abs=0.06) and tone[1] == pytest.approx(lead_s + tone_s - 0.1, abs=0.06)
    first_start = lead_s + tone_s + style.pause_s
    assert first[0] == pytest.approx(first_start, abs=0.06)
    assert first[1] - first[0] == pytest.approx(speech_s, abs=0.06)
    assert second[0] == pytest.approx(first_start + speech_s + style.pause_s, abs=0.06)
    assert second[1] - second[0] == pytest.approx(speech_s, abs=0.06)
    freq, level = _frames(x)
    in_tone = [f for n, f in enumerate(freq) if tone[0] <= n * FRAME_S < tone[1] - FRAME_S and level[n] > -20]
    in_speech = [f for n, f in enumerate(freq) if first[0] <= n * FRAME_S < first[1] - FRAME_S]
    assert min(in_tone) >= 600 and np.median(in_speech) == pytest.approx(220, abs=25)
    # The same speech both times, sample for sample up to the codec.
    a = x[int(first[0] * RATE): int(first[0] * RATE) + int(speech_s * RATE * 0.9)]
    b = x[int(second[0] * RATE): int(second[0] * RATE) + len(a)]
    assert np.corrcoef(a, b)[0, 1] > 0.99


def test_plain_say_is_unchanged_the_text_once_and_nothing_added(tmp_path, fake_engine, run_cli):
    out = tmp_path / "plain.mp3"
    code, stdout, err = run_cli("say", TEXT, "--engine", "fake", "-o", str(out))
    assert (code, err) == (0, "") and "urgent" not in stdout
    x = decode_file(out)
    speech_s = _speech_s()
    assert len(x) / RATE == pytest.approx(LOUDSPEAKER.lead_in_s + speech_s + LOUDSPEAKER.tail_s, abs=0.06)
    [(start, end)] = _regions(x)
    assert start == pytest.approx(LOUDSPEAKER.lead_in_s, abs=0.06) and end - start == pytest.approx(speech_s, abs=0.06)
    freq, level = _frames(x)
    assert np.all(freq[level > -20] < 400) and np.median(freq[level > -20]) == 220  # speech only: no tone anywhere
    assert fake_engine.calls == [prepare(TEXT)[0].spoken]


def test_a_station_sets_its_urgent_tone_repeats_and_pause_in_its_profile(tmp_path, fake_engine, run_cli):
    profile = tmp_path / "station.yaml"
    profile.write_text("base: loudspeaker\nurgent:\n  tone: chime\n  repeat: 3\n  pause_s: 0.8\n", encoding="utf-8")
    out = tmp_path / "notice.mp3"
    code, stdout, err = run_cli("say", "--urgent", TEXT, "--engine", "fake", "--profile", str(profile), "-o", str(out))
    assert (code, err) == (0, "") and "urgent: chime, spoken 3×" in stdout
    x = decode_file(out)
    speech_s, chime_s, pause_s, lead_s = _speech_s(), 1.9, 0.8, LOUDSPEAKER.lead_in_s
    assert len(x) / RATE == pytest.approx(lead_s + chime_s + 3 * (pause_s + speech_s) + LOUDSPEAKER.tail_s, abs=0.06)
    freq, level = _frames(x)
    speech = [r for r in _regions(x, min_gap_s=0.3)
              if np.median(freq[int(r[0] / FRAME_S): int(r[1] / FRAME_S)]) < 400]
    assert len(speech) == 3
    for k, (start, end) in enumerate(speech):
        assert start == pytest.approx(lead_s + chime_s + pause_s + k * (speech_s + pause_s), abs=0.06)
        assert end - start == pytest.approx(speech_s, abs=0.06)
    chime = builtin_jingle("chime", RATE)
    assert freq[int((lead_s + 0.1) / FRAME_S)] == pytest.approx(1318.5, abs=25)  # it opens with the chime's E6
    assert len(chime) / RATE == chime_s


@pytest.mark.parametrize("body, message", [
    ("urgent:\n  repeat: 0\n", "station.yaml:2: urgent.repeat: must be a whole number from 1 to 5"),
    ("urgent:\n  tone: siren\n", "station.yaml:2: urgent.tone: must be one of alert, attention, chime, start"),
    ("base: loudspeaker\nurgent:\n  repeat: 2\n  pause_s: 30\n", "station.yaml:4: urgent.pause_s: must be a number of seconds from 0 to 10"),
    ("urgent:\n  twice: yes\n", "station.yaml:2: urgent.twice: unknown key; allowed: tone, repeat, pause_s"),
    ("urgent: twice\n", "station.yaml:1: urgent: must be a mapping like {tone: alert, repeat: 2, pause_s: 1.5}"),
])
def test_a_bad_urgent_setting_is_one_line_naming_the_key(tmp_path, fake_engine, run_cli, body, message):
    (tmp_path / "station.yaml").write_text(body, encoding="utf-8")
    out = tmp_path / "notice.mp3"
    code, stdout, err = run_cli("say", "--urgent", TEXT, "--engine", "fake", "--profile", str(tmp_path / "station.yaml"), "-o", str(out))
    assert (code, stdout, err) == (2, "", f"broadcaster: error: {tmp_path / message}\n")
    assert not out.exists() and fake_engine.calls == []


def test_the_urgent_setting_in_a_script_is_checked_with_its_line(tmp_path, fake_engine, run_cli):
    script = write_script(tmp_path, "title: t\nprofile:\n  base: loudspeaker\n  urgent:\n    tone: alert\n    repeat: 7\nitems:\n  - text: 你好\n")
    code, _, err = run_cli("check", str(script))
    assert (code, err) == (2, f"broadcaster: error: {script}:6: profile.urgent.repeat: must be a whole number from 1 to 5\n")
    good = write_script(tmp_path, "title: t\nprofile:\n  urgent: {repeat: 3}\nitems:\n  - text: 你好\n", "good.yaml")
    from broadcaster.script import load_script

    assert load_script(good).profile.urgent == UrgentStyle(tone="alert", repeat=3, pause_s=1.5)
    assert profile_from({"base": "web", "urgent": {"tone": "start"}}).urgent == UrgentStyle(tone="start")


# -- never the network -----------------------------------------------------------------

class _Listener:
    """A local port that counts the connections made to it (none, we hope)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.mark.engine
def test_an_urgent_notice_asked_in_an_online_voice_is_spoken_offline(tmp_path, run_cli, monkeypatch):
    """Real offline voice: `--engine edge` is replaced by kokoro, said on stderr, and the edge service is never called."""
    service = _Listener()
    try:
        port = service.sock.getsockname()[1]
        monkeypatch.setenv("BROADCASTER_EDGE_WSS_URL", f"ws://127.0.0.1:{port}/tts")
        monkeypatch.setenv("BROADCASTER_EDGE_VOICES_URL", f"http://127.0.0.1:{port}/voices")
        out = tmp_path / "notice.mp3"
        code, stdout, err = run_cli("say", "--urgent", "请注意。", "--engine", "edge", "-o", str(out))
    finally:
        service.close()
    assert code == 0, err
    assert err.startswith("note: an urgent notice never waits on the network: speaking with the offline voice kokoro:")
    assert service.connections == 0
    tone, first, second = _regions(decode_file(out))
    assert tone[1] - tone[0] == pytest.approx(2.9, abs=0.06)
    assert first[1] - first[0] == pytest.approx(second[1] - second[0], abs=0.06) and first[1] - first[0] > 0.3
