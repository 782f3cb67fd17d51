"""Files that survive a power cut: written whole or not at all, checked when read.

A village office loses power, a disk fills up, a render is killed: a file
being written at that moment may be empty, cut short or (on some file
systems, after a crash) full of zeros. So files that later runs rely on
(cached speech, remembered file names, the rewritten model) are

- written to a temporary name that carries the writer's process id, flushed
  to the disk (fsync), then renamed over the real name (atomic on POSIX and
  Windows), and the folder entry is flushed too;
- stored with a SHA-256 of their content at the end, so that a reader can
  tell a whole file from a damaged one, whatever the damage:

    >>> write_checked(Path("entry"), b"payload")      # doctest: +SKIP
    >>> read_checked(Path("entry"))                   # doctest: +SKIP
    b'payload'

A damaged file raises `Damaged`; the caller deletes it and makes it again.
Temporary files left by a process that was killed are removed later by
`sweep_temporaries`, once that process is gone.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

_DIGEST_BYTES = 32
# ".<name>.<pid>.<random>.tmp": the pid tells a later run whether the writer is still alive.
_TEMP = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]+\.(?:tmp|old)$")
# Where a process id cannot be checked (Windows), a temporary this old is abandoned.
_ABANDONED_AFTER_S = 6 * 3600


class Damaged(Exception):
    """The file is there but is not what was written (cut short, overwritten, wrong format)."""


def temp_prefix(path: Path) -> str:
    """The prefix of this process's temporaries for `path`."""
    return f".{path.name}.{os.getpid()}."


def _fsync_folder(folder: Path) -> None:
    # The rename itself must reach the disk, or a power cut can undo it. Not possible on Windows.
    if os.name == "posix":
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def write_atomic(path: Path, data: bytes | memoryview, *, durable: bool = True) -> None:
    """Write `data` to `path` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_folder(path.parent)


def write_checked(path: Path, payload: bytes) -> None:
    """`write_atomic` with the payload's SHA-256 after it, for `read_checked`."""
    write_atomic(path, payload + hashlib.sha256(payload).digest())


def read_checked(path: Path) -> bytes | None:
    """The payload written by `write_checked`; None when there is no file.

    Raises Damaged when the file is shorter than a digest or its content does
    not match the digest at its end (empty, truncated, random bytes, a file
    of another format)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    payload, digest = data[:-_DIGEST_BYTES], data[-_DIGEST_BYTES:]
    if len(data) < _DIGEST_BYTES or hashlib.sha256(payload).digest() != digest:
        raise Damaged(f"{path.name}: {len(data)} bytes that do not match their checksum")
    return payload


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _process_alive(pid: int) -> bool | None:
    """True/False where it can be known (POSIX); None elsewhere."""
    if os.name != "posix":
        return None  # os.kill(pid, 0) would *terminate* the process on Windows
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def is_abandoned(entry: os.DirEntry | Path) -> bool:
    """True for a temporary (see `temp_prefix`) whose writing process is gone."""
    match = _TEMP.match(entry.name)
    if not match:
        return False
    alive = _process_alive(int(match.group(1)))
    if alive is None:
        with contextlib.suppress(OSError):
            return time.time() - entry.stat().st_mtime > _ABANDONED_AFTER_S
        return False
    return not alive


def sweep_temporaries(folder: Path) -> int:
    """Delete the abandoned temporaries (files or folders) directly in `folder`; how many."""
    removed = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if is_abandoned(entry):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    remove_quietly(Path(entry.path))
                removed += 1
    return removed


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
