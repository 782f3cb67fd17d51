"""Content-addressed cache of synthesised segments.

Key: sha256 over engine, model id, voice (name, rate, volume, pitch), the
spoken text and its lexicon pronunciations. An unchanged script renders again
without synthesising anything. Location: BROADCASTER_CACHE_DIR, else
$XDG_CACHE_HOME/broadcaster, else ~/.cache/broadcaster.

Entries are written to a temporary name and renamed, so a render killed
mid-write never leaves a corrupt entry; an unreadable entry counts as a miss.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from broadcaster.tts.base import SentenceMark, Speech, SpeechRequest

_FORMAT = 2  # bump when the stored layout changes (2: stored at the programme rate)


def user_cache_dir() -> Path:
    """$XDG_CACHE_HOME/broadcaster, else ~/.cache/broadcaster."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "broadcaster"


def cache_dir() -> Path:
    explicit = os.environ.get("BROADCASTER_CACHE_DIR")
    return Path(explicit) if explicit else user_cache_dir()


def cache_key(engine: str, model_id: str, request: SpeechRequest) -> str:
    v = request.voice
    payload = {
        "format": _FORMAT, "engine": engine, "model": model_id,
        "voice": [v.name, v.rate, v.volume, v.pitch],
        "text": request.text, "pinyin": [list(span) for span in request.pinyin],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class SegmentCache:
    def __init__(self, root: Path | None = None):
        base = root or cache_dir()
        self.root = base / "segments"
        self.names_root = base / "names"  # slugs of item titles (package/names.py)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def get(self, key: str) -> Speech | None:
        path = self._path(key)
        try:
            with np.load(path) as data:
                samples = data["pcm"].astype(np.float32) / 32767.0
                rate_hz = int(data["rate_hz"])
                marks = [SentenceMark(*m) for m in json.loads(str(data["marks"]))]
        except (OSError, KeyError, ValueError, TypeError):
            return None
        return Speech(samples, rate_hz, marks)

    def put(self, key: str, speech: Speech) -> Speech:
        """Store `speech`; returns it as stored (16-bit), so that a first render
        and a cached re-render produce the same bytes."""
        from broadcaster.audio.codec import to_pcm16

        path = self._path(key)
        pcm = to_pcm16(speech.samples)
        stored = Speech(pcm.astype(np.float32) / 32767.0, speech.rate_hz, list(speech.marks))
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            marks = json.dumps([[m.offset_s, m.duration_s, m.text] for m in speech.marks], ensure_ascii=False)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.savez(f, pcm=pcm, rate_hz=np.int64(speech.rate_hz), marks=np.array(marks))
            os.replace(tmp, path)
        except OSError:
            # A full or read-only cache must not fail the broadcast; it only costs speed.
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        return stored
