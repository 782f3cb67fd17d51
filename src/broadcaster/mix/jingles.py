"""Jingles: built-in signals generated in code (no asset file needed), and audio files.

`chime` is a two-tone 叮咚 (a major third falling, E6 → C6) on bell-like
partials with exponential decay, the sound villagers know from public
address systems; `chime-end` is the same pair rising, for sign-off.
`start` is a three-note rising signal (C6 E6 G6) that opens a broadcast,
`end` the same three falling; `attention` is three short, bright beeps.
`alert` is the urgent notice's tone (`say --urgent`, the web's 紧急插播): a
siren-like sweep up and down between two pitches an octave apart, three
times (3 s), sustained and harmonically rich, so that nobody mistakes it
for the chime's decaying bell strikes at two fixed pitches.

A jingle file may be any format, rate and channel count (ffmpeg resamples
and downmixes it), up to a minute long; one that starts or stops abruptly
is faded there, so it never clicks.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from broadcaster.codec import decode_file
from broadcaster.errors import InputError
from broadcaster.model import ItemPlan, JingleItem

MAX_JINGLE_S = 60.0
_SILENT = 10 ** (-70 / 20)  # a file whose loudest sample is under -70 dBFS holds no sound worth playing

# Partials of a small bell: ratio to the fundamental, relative amplitude, decay time (s).
_BELL = ((1.0, 1.0, 0.9), (2.0, 0.45, 0.5), (3.01, 0.2, 0.3), (4.2, 0.08, 0.2))


def _strike(freq_hz: float, duration_s: float, rate_hz: int) -> np.ndarray:
    t = np.arange(int(duration_s * rate_hz)) / rate_hz
    tone = np.zeros_like(t)
    for ratio, amp, decay_s in _BELL:
        tone += amp * np.sin(2 * np.pi * freq_hz * ratio * t) * np.exp(-t / decay_s)
    attack = np.minimum(1.0, t / 0.004)  # 4 ms attack avoids a click
    return (tone * attack).astype(np.float32)


def chime(rate_hz: int, rising: bool = False) -> np.ndarray:
    """About 1.9 s: two strikes 0.45 s apart, peak-normalised to -6 dBFS."""
    high, low = 1318.5, 1046.5  # E6, C6
    first, second = (low, high) if rising else (high, low)
    out = np.zeros(int(1.9 * rate_hz), dtype=np.float32)
    a = _strike(first, 1.4, rate_hz)
    b = _strike(second, 1.45, rate_hz)
    out[: len(a)] += a
    start = int(0.45 * rate_hz)
    out[start : start + len(b)] += b[: len(out) - start]
    return out * (0.5 / np.max(np.abs(out)))


def signal(notes_hz: tuple[float, ...], rate_hz: int, spacing_s: float = 0.32) -> np.ndarray:
    """Bell strikes `spacing_s` apart, the last left to ring; peak -6 dBFS."""
    ring_s = 1.3
    out = np.zeros(int((spacing_s * (len(notes_hz) - 1) + ring_s) * rate_hz), dtype=np.float32)
    for n, freq in enumerate(notes_hz):
        start = int(n * spacing_s * rate_hz)
        strike = _strike(freq, ring_s, rate_hz)
        out[start : start + len(strike)] += strike[: len(out) - start]
    return out * (0.5 / np.max(np.abs(out)))


def attention(rate_hz: int) -> np.ndarray:
    """Three 0.18 s beeps of 1 kHz + 2 kHz, 0.12 s apart (0.78 s), peak -6 dBFS.
    Each beep has 10 ms raised-cosine edges: a bright tone, but no click."""
    beep = int(0.18 * rate_hz)
    t = np.arange(beep) / rate_hz
    edge = int(0.01 * rate_hz)
    env = np.ones(beep)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(edge) / edge)
    env[:edge], env[-edge:] = ramp, ramp[::-1]
    tone = env * (np.sin(2 * np.pi * 1000 * t) + 0.3 * np.sin(2 * np.pi * 2000 * t))
    period = beep + int(0.12 * rate_hz)
    out = np.zeros(2 * period + beep, dtype=np.float32)
    for n in range(3):
        out[n * period : n * period + beep] = tone
    return out * np.float32(0.5 / np.max(np.abs(out)))


ALERT_LOW_HZ, ALERT_HIGH_HZ = 650.0, 1300.0  # inside a horn loudspeaker's best band (about 400 Hz-4 kHz)
ALERT_CYCLES = 3
ALERT_CYCLE_S = 1.0


def alert(rate_hz: int) -> np.ndarray:
    """The urgent notice's tone: `ALERT_CYCLES` cycles of `ALERT_CYCLE_S`, each
    a 0.45 s glide up from `ALERT_LOW_HZ` to `ALERT_HIGH_HZ`, 0.45 s back
    down, and 0.1 s of silence; peak -6 dBFS.

    Public-warning tones work this way: a pitch that keeps moving and a
    level that does not fall away, unlike a chime, whose two struck notes
    decay. The glide is exponential (equal musical steps per second), and
    the phase is the running sum of the frequency, so the sweep never
    clicks. Odd harmonics (a softened square wave) carry it through small
    horns and over wind. Each cycle has 15 ms raised-cosine edges.

        >>> len(alert(8000)) / 8000
        3.0
    """
    sweep_s = 0.45
    half = int(sweep_s * rate_hz)
    up = ALERT_LOW_HZ * (ALERT_HIGH_HZ / ALERT_LOW_HZ) ** (np.arange(half) / half)
    freq_hz = np.concatenate([up, up[::-1]])
    phase = 2 * np.pi * np.cumsum(freq_hz) / rate_hz
    tone = np.sin(phase) + np.sin(3 * phase) / 6 + np.sin(5 * phase) / 15
    edge = int(0.015 * rate_hz)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(edge) / edge)
    tone[:edge] *= ramp
    tone[-edge:] *= ramp[::-1]
    cycle = np.zeros(int(ALERT_CYCLE_S * rate_hz))
    cycle[: len(tone)] = tone
    out = np.tile(cycle, ALERT_CYCLES).astype(np.float32)
    return out * np.float32(0.5 / np.max(np.abs(out)))


_C6, _E6, _G6 = 1046.5, 1318.5, 1568.0
BUILTIN_JINGLES = {
    "chime": lambda rate_hz: chime(rate_hz),
    "chime-end": lambda rate_hz: chime(rate_hz, rising=True),
    "start": lambda rate_hz: signal((_C6, _E6, _G6), rate_hz),
    "end": lambda rate_hz: signal((_G6, _E6, _C6), rate_hz),
    "attention": attention,
    "alert": alert,
}


def builtin_jingle(name: str, rate_hz: int) -> np.ndarray:
    return BUILTIN_JINGLES[name](rate_hz)


def fade_edges(samples: np.ndarray, rate_hz: int, fade_in_s: float = 0.02, fade_out_s: float = 0.05) -> np.ndarray:
    """Fade in and out with raised-cosine ramps, where the sound starts or
    stops abruptly (its first or last 5 ms louder than -40 dB under its
    peak); a file that already rises from and falls to silence is left as it is."""
    out = np.array(samples, dtype=np.float32)  # our own, writable copy
    peak = float(np.max(np.abs(out)))
    probe = max(1, int(0.005 * rate_hz))
    for fade_s, at_start in ((fade_in_s, True), (fade_out_s, False)):
        edge = out[:probe] if at_start else out[-probe:]
        if np.max(np.abs(edge)) <= peak * 0.01:
            continue
        n = min(len(out) // 2, max(1, int(fade_s * rate_hz)))
        ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)).astype(np.float32)
        if at_start:
            out[:n] *= ramp
        else:
            out[-n:] *= ramp[::-1]
    return out


def load_audio_file(path: Path, rate_hz: int, max_s: float, what: str, *, trim: bool = False) -> np.ndarray:
    """An audio file as mono samples at `rate_hz`, checked: not silent, and at
    most `max_s` seconds (longer is an error, or with `trim` cut there).
    Only the first `max_s` seconds are ever decoded."""
    samples = decode_file(path, rate_hz, max_s=max_s + 0.5)
    if len(samples) > max_s * rate_hz:
        if not trim:
            raise InputError(f"{what} is longer than {max_s:g} s", where=str(path))
        samples = samples[: int(max_s * rate_hz)]
    if float(np.max(np.abs(samples))) < _SILENT:
        raise InputError(f"{what} is silent", where=str(path))
    return samples


def load_jingles(plans: list[ItemPlan], rate_hz: int) -> dict[int, np.ndarray]:
    """Item index → samples at `rate_hz` for every jingle item: built-in ones
    made, files decoded. Done before synthesis, so that a bad jingle file is
    reported before minutes of work."""
    out = {}
    for plan in plans:
        item = plan.item
        if isinstance(item, JingleItem):
            if item.builtin:
                out[item.index] = builtin_jingle(item.builtin, rate_hz)
            else:
                out[item.index] = fade_edges(load_audio_file(item.path, rate_hz, MAX_JINGLE_S, "jingle file"), rate_hz)
    return out
