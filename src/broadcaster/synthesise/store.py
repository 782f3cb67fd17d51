"""Where cache entries live: a small interface, and a folder that several machines can share.

`SegmentCache` (cache.py) decides *what* is stored (keys, the entry format,
eviction); a `SegmentStore` only keeps bytes under a key. The interface is
small so that another store (an S3-compatible bucket) can follow:

- `read(key)`: the bytes written for `key`, verified (a checksum written with
  them), or None; raises `durable.Damaged` when they do not match;
  `exists(key)` without reading them;
- `create(key, data)`: store `data` under `key` *unless an entry is already
  there*; True when this call made it. Keys are content addresses, so the
  entry a second writer finds is as good as its own;
- `remove(key)`, `touch(key)` (last used, for eviction), `entries()` (key,
  size, last used) and `clear()`.

`FolderStore` keeps one file per key, ``<root>/<key[:2]>/<key>.seg``, on a
local disk or a shared mount (NFS, SMB). Each entry is written to a
temporary name that carries the writer's host and process id, flushed, and
then *linked* to its name: a hard link fails when the name exists, so two
workers that make the same segment at once never replace each other's file,
and a reader sees a whole entry or none. Where hard links are not offered
(SMB without Unix extensions, FAT) a rename takes its place, after a check
that the name is still free; the rename is atomic, so a reader still never
sees half an entry, and both writers' bytes are the same segment.

    >>> store = FolderStore(Path("/srv/county/cache/segments"))   # doctest: +SKIP
    >>> store.create("ab12…", b"…")                               # doctest: +SKIP
    True
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

from broadcaster.durable import Damaged, _fsync_folder, is_abandoned, read_checked, remove_quietly

SUFFIX = ".seg"
# errno values meaning "this file system has no hard links": fall back to rename.
# Another machine's temporary this old was abandoned (a writer takes seconds).
_FOREIGN_ABANDONED_S = 6 * 3600
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV, errno.ENOSYS}


@dataclass(frozen=True)
class StoredEntry:
    key: str
    size_bytes: int
    used_at: float  # seconds since the epoch: when it was last read or written


class SegmentStore(Protocol):
    """Bytes under content keys; see the module's docstring."""

    def read(self, key: str) -> bytes | None: ...
    def exists(self, key: str) -> bool: ...
    def create(self, key: str, data: bytes) -> bool: ...
    def remove(self, key: str) -> None: ...
    def touch(self, key: str) -> None: ...
    def entries(self) -> Iterator[StoredEntry]: ...
    def _own_abandoned(self, entry: os.DirEntry) -> bool:
        # A pid means something only on the machine that wrote it: another
        # machine's temporary is left to that machine (or to age, below).
        if "@" in entry.name and f"@{self._host}." not in entry.name:
            return is_abandoned(entry) and time.time() - _mtime(entry) > _FOREIGN_ABANDONED_S
        return is_abandoned(entry)

    def clear(self) -> None: ...


class FolderStore:
    """A `SegmentStore` in a folder, local or shared by several machines."""

    def __init__(self, root: Path):
        self.root = Path(root)
        # Part of temporary names: two machines on one share can have the same pid.
        self._host = "".join(c for c in socket.gethostname() if c.isalnum())[:16] or "host"

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{SUFFIX}"

    def read(self, key: str) -> bytes | None:
        return read_checked(self.path(key))

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def create(self, key: str, data: bytes) -> bool:
        path = self.path(key)
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = data + hashlib.sha256(data).digest()  # what durable.read_checked verifies
        # ".<name>@<host>.<pid>.<random>.tmp": durable.is_abandoned recognises it by the pid.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}@{self._host}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
                made = True
            except FileExistsError:
                made = False  # another worker made it meanwhile: theirs stays
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
                made = not path.exists()
                if made:
                    os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if made:
            _fsync_folder(path.parent)
        return made

    def remove(self, key: str) -> None:
        remove_quietly(self.path(key))

    def touch(self, key: str) -> None:
        with contextlib.suppress(OSError):
            os.utime(self.path(key))

    def entries(self) -> Iterator[StoredEntry]:
        """Every entry; also removes the temporaries of writers that are gone."""
        try:
            shards = [e for e in os.scandir(self.root) if e.is_dir()]
        except OSError:
            return
        for shard in shards:
            try:
                found = list(os.scandir(shard.path))
            except OSError:
                continue
            for entry in found:
                if entry.name.endswith(SUFFIX):
                    try:
                        stat = entry.stat()
                    except OSError:
                        continue
                    yield StoredEntry(entry.name[: -len(SUFFIX)], stat.st_size, stat.st_mtime)
                elif self._own_abandoned(entry):
                    remove_quietly(Path(entry.path))

    def _own_abandoned(self, entry: os.DirEntry) -> bool:
        # A pid means something only on the machine that wrote it: another
        # machine's temporary is left to that machine (or to age, below).
        if "@" in entry.name and f"@{self._host}." not in entry.name:
            return is_abandoned(entry) and time.time() - _mtime(entry) > _FOREIGN_ABANDONED_S
        return is_abandoned(entry)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _mtime(entry: os.DirEntry) -> float:
    try:
        return entry.stat().st_mtime
    except OSError:
        return time.time()


__all__ = ["Damaged", "FolderStore", "SegmentStore", "StoredEntry", "SUFFIX"]
