"""Write a whole output folder or nothing.

Everything is written into a hidden temporary folder beside the target, and
only when all files are complete is it renamed into place. A failed or
interrupted render leaves any earlier output untouched.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from broadcaster.errors import BroadcasterError


@contextlib.contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    final = final.resolve()
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
        stage.chmod(0o755)  # mkdtemp makes it private; the output is for others to read
    except OSError as exc:
        raise BroadcasterError(f"cannot create output folder {final}: {exc.strerror}") from None
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = None
    try:
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=final.parent))
            os.replace(final, old / "previous")
        os.replace(stage, final)
    except OSError as exc:
        if old is not None and not final.exists():
            os.replace(old / "previous", final)  # put the earlier output back
        shutil.rmtree(stage, ignore_errors=True)
        raise BroadcasterError(f"cannot move output into {final}: {exc.strerror}") from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """For single files outside a staged folder (e.g. `broadcaster say -o`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
