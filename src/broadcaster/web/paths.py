"""Every file the web application reads or writes lives in one data folder.

User-given names never become paths: broadcasts are numbers, previews are
hex digests, and a file asked for inside a broadcast's output is resolved
and must stay inside that output folder.

    >>> DataDir(Path("/srv/b")).output_file(3, "../../secret")  # doctest: +SKIP
    Traceback (most recent call last):
    broadcaster.errors.InputError: no such file
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from broadcaster.errors import InputError

_KEY = re.compile(r"[0-9a-f]{16,64}")


class DataDir:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def create(self) -> "DataDir":
        for sub in ("broadcasts", "previews", "logs", "uploads", "music", "daily"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        if not self.lexicon_file.exists():
            self.lexicon_file.write_text("# 本站读音词典：词语: 读法（由网页管理）\n{}\n", encoding="utf-8")
        return self

    @property
    def lexicon_file(self) -> Path:
        return self.root / "lexicon.yaml"

    @property
    def music_dir(self) -> Path:
        """Music beds staff uploaded (web/music.py)."""
        return self.root / "music"

    @property
    def daily_dir(self) -> Path:
        """One folder per daily programme: `daily/<name>/daily.yaml` beside its inbox/ (web/daily.py)."""
        return self.root / "daily"

    def inside(self, path: Path) -> Path:
        """`path` resolved (links followed), or InputError when that leads out of the data folder."""
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self.root):
            raise InputError("outside the data folder", where=str(path))
        return resolved

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    def secret_key(self) -> bytes:
        """The key that signs session cookies: made once, readable by the owner only."""
        path = self.root / "secret_key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
        return path.read_bytes()

    def broadcast_dir(self, broadcast_id: int) -> Path:
        return self.root / "broadcasts" / str(int(broadcast_id))

    def output_dir(self, broadcast_id: int) -> Path:
        return self.broadcast_dir(broadcast_id) / "out"

    def output_file(self, broadcast_id: int, name: str) -> Path:
        """A file inside the broadcast's output folder, or InputError (no `..`, no absolute path, no link out)."""
        if "\0" in name:
            raise InputError("no such file", where=repr(name))
        base = self.output_dir(broadcast_id).resolve()
        path = (base / name).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            raise InputError("no such file", where=name)
        return path

    def preview_file(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise InputError("bad preview key", where=key)
        return self.root / "previews" / f"{key}.mp3"

    def urgent_file(self, job_id: int) -> Path:
        """The MP3 of an urgent notice (web/urgent.py): `urgent/<job>.mp3`."""
        return self.root / "urgent" / f"{int(job_id)}.mp3"
