"""Audio file I/O through ffmpeg (the binary imageio-ffmpeg installs from pip).

ffmpeg is found lazily, on first use, never at import:
BROADCASTER_FFMPEG, else the binary imageio-ffmpeg ships, else one on PATH.
Decoding asks ffmpeg for raw float samples and encoding pipes 16-bit PCM
into it, both a piece at a time, so that no programme is held whole.
"""
from __future__ import annotations

import queue
import shutil
import subprocess
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from broadcaster import settings
from broadcaster.errors import AudioError, InputError

RATE_HZ = 44100  # the programme's sample rate: what MP3 players and loudspeaker boxes expect


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    explicit = settings.read("BROADCASTER_FFMPEG")
    if explicit:
        return explicit
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # the package is a dependency, but a broken install should still explain itself
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise AudioError("ffmpeg not found: reinstall broadcaster (it brings imageio-ffmpeg) or set BROADCASTER_FFMPEG")


def _decode_command(path: Path, rate_hz: int, max_s: float | None = None, channels: int = 1) -> list[str]:
    limit = ["-t", f"{max_s:.3f}"] if max_s is not None else []
    return [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-ac", str(channels), "-ar", str(rate_hz),
            *limit, "-f", "f32le", "-"]


def _decode_failed(path: Path, stderr: bytes) -> InputError:
    reason = stderr.decode("utf-8", "replace").strip().splitlines()
    return InputError(f"cannot decode audio: {reason[-1] if reason else 'ffmpeg failed'}", where=str(path))


def decode_file(path: Path, rate_hz: int = RATE_HZ, max_s: float | None = None) -> np.ndarray:
    """Any audio file → mono float32 samples at `rate_hz` (channels averaged),
    at most its first `max_s` seconds (a 3-hour file is not decoded whole)."""
    proc = subprocess.run(_decode_command(path, rate_hz, max_s), capture_output=True)
    if proc.returncode != 0:
        raise _decode_failed(path, proc.stderr)
    samples = np.frombuffer(proc.stdout, dtype=np.float32)  # read-only view, no copy
    if samples.size == 0:
        raise InputError("audio file holds no sound", where=str(path))
    return samples


def decode_chunks(path: Path, rate_hz: int = RATE_HZ, chunk_s: float = 10.0, channels: int = 1) -> Iterator[np.ndarray]:
    """The samples of `path` as `decode_file` gives them, a piece at a time,
    for measuring a long file without holding it (or twice it) in memory.

    A reader thread keeps ffmpeg's pipe drained, a few pieces ahead: read
    only between pieces, ffmpeg would stall on the full 64 KB pipe while the
    caller works, and decoding and measuring would take turns instead of
    running side by side (0.8 s saved on an 8-minute programme here).
    """
    frame_bytes = 4 * channels
    chunk_bytes = int(chunk_s * rate_hz) * frame_bytes
    ahead: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
    with tempfile.TemporaryFile() as errors:  # a file, so a chatty ffmpeg never blocks on a full pipe
        proc = subprocess.Popen(_decode_command(path, rate_hz, channels=channels), stdout=subprocess.PIPE, stderr=errors)
        assert proc.stdout is not None

        def read() -> None:
            try:
                while data := proc.stdout.read(chunk_bytes):
                    ahead.put(data)
            finally:
                ahead.put(None)

        reader = threading.Thread(target=read, name="decode-reader", daemon=True)
        reader.start()
        try:
            while (data := ahead.get()) is not None:
                piece = np.frombuffer(data[: len(data) // frame_bytes * frame_bytes], dtype=np.float32)
                yield piece if channels == 1 else piece.reshape(-1, channels)
        finally:
            if proc.poll() is None and reader.is_alive():  # the caller stopped early
                proc.kill()
            while reader.is_alive():  # let a reader blocked on a full queue finish
                try:
                    ahead.get(timeout=0.1)
                except queue.Empty:
                    pass
            proc.stdout.close()
            proc.wait()
        if proc.returncode != 0:
            errors.seek(0)
            raise _decode_failed(path, errors.read())


def to_pcm16(samples: np.ndarray, block: int = 1 << 18) -> np.ndarray:
    """Float samples → little-endian 16-bit PCM.

    Rounded, not truncated, and clipped (the limiter keeps true peaks at
    -1 dBTP, so clipping only guards against float noise). Converted block by
    block into one int16 buffer: a programme is tens of millions of samples.
    """
    pcm = np.empty(len(samples), dtype="<i2")
    for start in range(0, len(samples), block):
        chunk = np.multiply(samples[start : start + block], np.float32(32767.0), dtype=np.float32)
        np.rint(chunk, out=chunk)
        np.clip(chunk, -32768, 32767, out=chunk)
        pcm[start : start + len(chunk)] = chunk
    return pcm


@lru_cache(maxsize=4)
def codec_gain_db(bitrate: str = "128k", rate_hz: int = RATE_HZ, channels: int = 1) -> float:
    """The level change the MP3 encoder + decoder pair makes, measured on a tone,
    on each channel (with `channels=2` the tone is on both).

    LAME at 128 kbps mono returns audio about 0.45 dB quieter than it was
    given (0.26 dB at 192 kbps); loudness targets must hold for the file
    the listener gets, so the master is pre-compensated by this figure.
    """
    t = np.arange(2 * rate_hz) / rate_hz
    tone = (0.25 * np.sin(2 * np.pi * 997 * t)).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="broadcaster-cal-") as tmp:
        path = Path(tmp) / "tone.mp3"
        encode_mp3(tone, path, {}, rate_hz, bitrate, channels=channels)
        back = np.concatenate(list(decode_chunks(path, rate_hz, channels=channels)))
    back = back if channels == 1 else back[:, 0]  # one channel, not a downmix of two (which reads 3 dB hotter)
    middle = slice(rate_hz // 2, -rate_hz // 2)  # away from encoder delay and padding
    return float(20 * np.log10(np.sqrt(np.mean(back[middle] ** 2)) / np.sqrt(np.mean(tone[middle] ** 2))))


def encode_mp3(source: np.ndarray | Iterable[np.ndarray], path: Path, tags: dict[str, str], rate_hz: int = RATE_HZ,
               bitrate: str = "128k", *, channels: int = 1, xing: bool = True) -> None:
    """CBR MP3 with ID3v2.3 tags (what cheap players and loudspeaker boxes read):
    mono, or with `channels=2` the mono samples on both channels.
    `xing=False` leaves out the Xing/LAME info frame, which some cheap decoder
    chips play as a short burst of noise.

    `source` is the samples, or their blocks in order: they are converted to
    16-bit PCM a block at a time and piped into ffmpeg as they come, so an
    hour's programme is never in memory whole (pydub, which this replaced,
    took it as one bytes object and wrote it to a WAV file in /tmp first).
    """
    blocks = (source[at : at + (1 << 18)] for at in range(0, len(source), 1 << 18)) \
        if isinstance(source, np.ndarray) else source
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "s16le", "-ar", str(rate_hz), "-ac", "1", "-i", "pipe:0",
               "-b:a", bitrate, "-ar", str(rate_hz), "-ac", str(channels),
               # LAME quality 7 ("fast, ok quality") encodes about 3x faster than the
               # default; at 128 kbps mono, speech for horn loudspeakers loses nothing audible.
               "-compression_level", "7", *([] if xing else ["-write_xing", "0"])]
    for key, value in tags.items():
        if value:
            command += ["-metadata", f"{key}={value}"]
    command += ["-id3v2_version", "3", "-f", "mp3", str(path)]
    with tempfile.TemporaryFile() as errors:  # a file, so a chatty ffmpeg never blocks on a full pipe
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        assert proc.stdin is not None
        try:
            for block in blocks:
                proc.stdin.write(memoryview(to_pcm16(block)).cast("B"))
            proc.stdin.close()
        except BrokenPipeError:  # ffmpeg stopped early: its own message says why
            pass
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.wait() != 0:
            errors.seek(0)
            reason = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise AudioError(f"MP3 encoding failed for {path.name}: {reason[0] if reason else 'ffmpeg failed'}")
