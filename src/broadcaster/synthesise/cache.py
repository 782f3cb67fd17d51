"""Content-addressed cache of synthesised segments.

Key: sha256 over engine, model id, voice (name, rate, volume, pitch), the
spoken text and its lexicon pronunciations. An unchanged script renders again
without synthesising anything. Location: BROADCASTER_CACHE_DIR, else
$XDG_CACHE_HOME/broadcaster, else ~/.cache/broadcaster.

What it guarantees:
- Each segment is stored as soon as the engine has made it (at the engine's
  rate; the render stores it again at the programme rate once resampled), so
  a render killed at any moment loses only the segments still being made.
- Entries are written durably (durable.py: temporary name, fsync, rename)
  and carry a checksum; one that is damaged anyway (a power cut, a full
  disk, a bad sector) is removed, counted in `damaged`, and made again.
- Readers never see a half-written entry, so renders sharing one cache at
  the same time never fail because of each other; an entry is created only
  where none is (store.py), so two workers of a county on one shared folder
  never replace each other's.
- It stays within BROADCASTER_CACHE_MAX_MB (default 2048): after a render,
  the least recently used entries go first, never one that render used.

Everything here is safe to call from engine worker threads (`put` is called
as each segment is finished): no imports happen below module level.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from broadcaster.codec import to_pcm16
from broadcaster.durable import Damaged, sweep_temporaries
from broadcaster import settings
from broadcaster.settings import cache_dir, user_cache_dir  # noqa: F401  (where the cache lives is a setting)
from broadcaster.model import SentenceMark, Speech, SpeechRequest
from broadcaster.synthesise.store import FolderStore, SegmentStore

_FORMAT = 3  # bump when the stored layout changes (3: own format with a checksum, any rate)
_MAGIC = b"BCSEG3\n"


def max_cache_bytes() -> int:
    """BROADCASTER_CACHE_MAX_MB in bytes (default 2048 MB)."""
    return int(settings.read("BROADCASTER_CACHE_MAX_MB") * (1 << 20))


def cache_key(engine: str, model_id: str, request: SpeechRequest) -> str:
    v = request.voice
    payload = {
        "format": _FORMAT, "engine": engine, "model": model_id,
        "voice": [v.name, v.rate, v.volume, v.pitch],
        "text": request.text, "pinyin": [list(span) for span in request.pinyin],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def encode_entry(speech: Speech) -> tuple[bytes, Speech]:
    """The stored bytes of `speech`, and `speech` as it will read back (16-bit).

    Layout: magic, header length (u32 LE), JSON header {rate_hz, samples,
    marks}, PCM as little-endian int16; the store adds the checksum (store.py).

    A clip that goes beyond full scale (the offline model's samples are not
    bounded: zm_yunyang peaks at ~1.06) is scaled down to full scale rather
    than clipped by the 16-bit quantiser; the render levels it afterwards anyway."""
    samples = speech.samples
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak > 1.0:
        samples = samples * np.float32(1.0 / peak)
    pcm = to_pcm16(samples)
    marks = [[m.offset_s, m.duration_s, m.text] for m in speech.marks]
    header = json.dumps({"rate_hz": speech.rate_hz, "samples": len(pcm), "marks": marks}, ensure_ascii=False).encode()
    stored = Speech(pcm.astype(np.float32) / np.float32(32767.0), speech.rate_hz, list(speech.marks))
    return _MAGIC + struct.pack("<I", len(header)) + header + pcm.tobytes(), stored


def decode_entry(payload: bytes) -> Speech:
    """The inverse of `encode_entry`; raises Damaged for anything else."""
    try:
        if not payload.startswith(_MAGIC):
            raise ValueError("not a segment")
        (size,) = struct.unpack_from("<I", payload, len(_MAGIC))
        start = len(_MAGIC) + 4
        header = json.loads(payload[start:start + size].decode("utf-8"))
        rate_hz, samples = int(header["rate_hz"]), int(header["samples"])
        pcm_bytes = payload[start + size:]
        if not 8000 <= rate_hz <= 192000 or samples <= 0 or len(pcm_bytes) != 2 * samples:
            raise ValueError("wrong shape")
        marks = [SentenceMark(float(a), float(b), str(c)) for a, b, c in header["marks"]]
    except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError) as exc:
        raise Damaged(f"unreadable segment: {exc}") from None
    pcm = np.frombuffer(pcm_bytes, dtype="<i2")
    return Speech(pcm.astype(np.float32) / np.float32(32767.0), rate_hz, marks)


@dataclass(frozen=True)
class CacheInfo:
    root: Path
    segments: int
    segment_bytes: int
    names: int
    max_bytes: int


class SegmentCache:
    """One render's view of the cache: it remembers which keys the render used
    (never evicted by it) and how many damaged entries it found."""

    def __init__(self, root: Path | None = None, max_bytes: int | None = None, store: SegmentStore | None = None):
        self.base = root or cache_dir()
        # Read (and checked: bad input) when the render starts, not when it ends.
        self.max_bytes = max_cache_bytes() if max_bytes is None else max_bytes
        self.root = self.base / "segments"
        self.store = store or FolderStore(self.root)  # a shared folder works as it is (store.py)
        self.names_root = self.base / "names"  # slugs of item titles (package/names.py)
        self._lock = threading.Lock()
        self._used: set[str] = set()
        self.damaged = 0

    def _path(self, key: str) -> Path:
        return self.store.path(key)

    def get(self, key: str) -> Speech | None:
        """The entry for `key`, or None. A damaged entry is removed and counts as a miss."""
        with self._lock:
            self._used.add(key)
        try:
            payload = self.store.read(key)
            if payload is None:
                return None
            speech = decode_entry(payload)
        except Damaged:
            self.store.remove(key)
            with self._lock:
                self.damaged += 1
            return None
        except OSError:  # unreadable (permissions, a vanished disk): only costs speed
            return None
        self.store.touch(key)  # "last used", for eviction
        return speech

    def put(self, key: str, speech: Speech) -> Speech:
        """Store `speech` unless an entry for `key` is there already (another
        render or worker made the same segment); returns it as stored
        (16-bit), so that a first render and a cached re-render produce the
        same bytes."""
        data, stored = encode_entry(speech)
        with self._lock:
            self._used.add(key)
        try:
            self.store.create(key, data)
        except OSError:
            pass  # a full or read-only cache must not fail the broadcast; it only costs speed
        return stored

    def discard(self, key: str) -> None:
        self.store.remove(key)

    # -- size ----------------------------------------------------------------
    def info(self) -> CacheInfo:
        sizes = [e.size_bytes for e in self.store.entries()]
        try:
            names = sum(1 for e in os.scandir(self.names_root) if e.name.endswith(".slug"))
        except OSError:
            names = 0
        return CacheInfo(self.base, len(sizes), sum(sizes), names, self.max_bytes)

    def evict(self, max_bytes: int | None = None) -> int:
        """Remove least recently used entries until the cache fits in
        `max_bytes`, never one this render used; also the temporaries of
        killed renders. Returns the number of entries removed."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        entries = list(self.store.entries())
        total = sum(e.size_bytes for e in entries)
        removed = 0
        with self._lock:
            used = set(self._used)
        for entry in sorted(entries, key=lambda e: e.used_at):
            if total <= limit:
                break
            if entry.key in used:
                continue
            self.store.remove(entry.key)
            total -= entry.size_bytes
            removed += 1
        sweep_temporaries(self.names_root)
        return removed

    def clear(self) -> tuple[int, int]:
        """Remove every segment and remembered name; (entries, bytes) removed."""
        info = self.info()
        self.store.clear()
        shutil.rmtree(self.names_root, ignore_errors=True)
        return info.segments, info.segment_bytes
