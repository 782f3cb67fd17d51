"""The station's music beds: files staff upload, kept in the data folder's `music/`.

A bed is stored under a name of our own (`<32 hex>.<ext>`); the name staff
gave it is only shown (kept in `music/beds.json`), never used as a path.
Before it is kept, the upload is decoded with the project's codec (the same
ffmpeg a render uses): a file with an audio suffix that is really a picture,
a document or silence is refused at upload, not minutes later in a render.

    >>> bed_label("春节 喜庆.mp3")
    '春节 喜庆'
"""
from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from broadcaster.durable import write_atomic
from broadcaster.errors import InputError

BED_SUFFIXES = (".mp3", ".wav", ".ogg", ".flac")
MAX_BED_BYTES = 20 * 2**20  # the app's upload cap; a five-minute bed as MP3 is a few MB
CHECK_S = 30.0  # decoding the first half minute proves it is audio without decoding a long file whole
CHECK_TIMEOUT_S = 30
MAX_LABEL_CHARS = 40
_ID = re.compile(r"[0-9a-f]{32}")
_INDEX = "beds.json"
# One upload or removal at a time rewrites the index (waitress serves requests on several threads).
_lock = threading.Lock()


@dataclass(frozen=True)
class Bed:
    id: str
    label: str
    file: str  # the stored name inside music/
    uploaded: str  # ISO date


def bed_label(filename: str) -> str:
    """What the form shows: the uploaded file's name without its folder or suffix."""
    stem = Path(filename.replace("\\", "/")).stem.strip()
    return (stem or "背景音乐")[:MAX_LABEL_CHARS]


class MusicLibrary:
    def __init__(self, folder: Path):
        self.folder = folder

    def _read(self) -> list[Bed]:
        path = self.folder / _INDEX
        if not path.exists():
            return []
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            return [Bed(**row) for row in rows if _ID.fullmatch(row.get("id", ""))]
        except (ValueError, TypeError):
            # A hand-damaged index loses the labels, never the files: they are listed by their stored names.
            return [Bed(p.stem, p.stem, p.name, "") for p in sorted(self.folder.iterdir())
                    if _ID.fullmatch(p.stem) and p.suffix in BED_SUFFIXES]

    def _write(self, beds: list[Bed]) -> None:
        write_atomic(self.folder / _INDEX, json.dumps([asdict(b) for b in beds], ensure_ascii=False, indent=1).encode("utf-8"))

    def beds(self) -> list[Bed]:
        return [b for b in self._read() if (self.folder / b.file).is_file()]

    def path(self, bed_id: str) -> Path:
        """The stored file of a bed, or InputError (an id is looked up, never joined as given)."""
        for bed in self.beds():
            if bed.id == bed_id:
                return self.folder / bed.file
        raise InputError("没有这个背景音乐", where="bed")

    def add(self, filename: str, body: bytes) -> Bed:
        suffix = Path(filename).suffix.lower()
        if suffix not in BED_SUFFIXES:
            raise InputError(f"背景音乐只能是 {'、'.join(s[1:] for s in BED_SUFFIXES)} 文件", where=filename)
        if not body:
            raise InputError("文件是空的", where=filename)
        if len(body) > MAX_BED_BYTES:
            raise InputError(f"文件太大（上限 {MAX_BED_BYTES // 2**20} MB，可以先转成 MP3）", where=filename)
        check_audio(body, suffix)
        bed_id = secrets.token_hex(16)
        bed = Bed(bed_id, bed_label(filename), bed_id + suffix, dt.date.today().isoformat())
        self.folder.mkdir(parents=True, exist_ok=True)
        with _lock:
            write_atomic(self.folder / bed.file, body)
            self._write([*self._read(), bed])
        return bed

    def remove(self, bed_id: str) -> None:
        """Forget a bed. Broadcasts already rendered keep their audio; a re-render of one that used it plays without it."""
        with _lock:
            beds = self._read()
            kept = [b for b in beds if b.id != bed_id]
            for gone in (b for b in beds if b.id == bed_id):
                (self.folder / gone.file).unlink(missing_ok=True)
            self._write(kept)


def check_audio(body: bytes, suffix: str) -> None:
    """Decode the upload's first seconds with the render's codec, in a child process (the
    server's own process never loads numpy, and a file ffmpeg chews on for long is stopped):
    refused in Chinese unless it is audible sound."""
    with tempfile.TemporaryDirectory(prefix="broadcaster-bed-") as tmp:
        probe = Path(tmp) / f"upload{suffix}"
        probe.write_bytes(body)
        try:
            proc = subprocess.run([sys.executable, "-m", "broadcaster.web.music", str(probe)], capture_output=True,
                                  timeout=CHECK_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise InputError("这个文件读取太久，无法确认是音频，请换一个 MP3 文件") from None
    if proc.returncode != 0:
        said = proc.stdout.decode("utf-8", "replace").strip()
        raise InputError(said if proc.returncode == 3 and said else "检查音频时出错，请换一个 MP3 或 WAV 文件")


def _probe(path: Path) -> str | None:
    """What is wrong with `path` as a bed, in Chinese, or None."""
    import numpy as np

    from broadcaster.codec import decode_file

    try:
        samples = decode_file(path, 16000, max_s=CHECK_S)
    except InputError:  # ffmpeg could not read it (a missing ffmpeg is an AudioError, and fails the check otherwise)
        return "这个文件不是能播放的音频（无法解码），请换一个 MP3 或 WAV 文件"
    if len(samples) < 16000:
        return "音频太短（不到 1 秒），做不了背景音乐"
    if float(np.max(np.abs(samples))) < 10 ** (-70 / 20):
        return "这个音频文件没有声音（全是静音）"
    return None


if __name__ == "__main__":
    problem = _probe(Path(sys.argv[1]))
    if problem:
        print(problem)
        raise SystemExit(3)
