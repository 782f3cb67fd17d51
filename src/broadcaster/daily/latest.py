"""`latest`: where the loudspeaker system (or the person with the USB stick)
takes today's programme, switched to a new dated folder in one step.

Two ways, chosen by the platform (or `mode=` for tests and odd file systems):

- ``symlink`` (Linux, macOS): `latest` is a symbolic link to ``2026-11-30``.
  A new link is made under a temporary name and renamed over the old one;
  a rename is atomic, so a reader sees the old programme or the new one,
  never a mix and never nothing.
- ``copy`` (Windows, where symbolic links need privileges, and FAT/exFAT
  disks, which have none): `latest.txt` names the dated folder and is
  replaced by rename (atomic), and `latest/` is a full copy made beside it
  under a temporary name and swapped in by two renames (the old one aside,
  the new one in). Between those two renames `latest/` is briefly absent,
  never half-written; `latest.txt` is the exact pointer.

Rendering the same day again replaces ``2026-11-30/`` itself (the staged
folder is renamed in, package/output.py); `latest` then points at the new
folder, and only between that folder's two renames (old aside, new in, a few
microseconds) does the link lead nowhere: never to half a programme.

    >>> current_latest(Path("audio_out/daily"))   # doctest: +SKIP
    '2026-11-30'
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from broadcaster.durable import temp_prefix, write_atomic

LATEST = "latest"
POINTER = "latest.txt"


def default_mode() -> str:
    return "copy" if os.name == "nt" else "symlink"


def current_latest(root: Path) -> str | None:
    """The name of the dated folder `latest` shows now, or None."""
    link = root / LATEST
    if link.is_symlink():
        return Path(os.readlink(link)).name
    pointer = root / POINTER
    if pointer.is_file():
        return pointer.read_text(encoding="utf-8").strip() or None
    return None


def switch_latest(root: Path, name: str, mode: str | None = None) -> None:
    """Make `root/latest` show `root/name` (a dated folder), atomically."""
    mode = mode or default_mode()
    link = root / LATEST
    if mode == "symlink":
        if link.is_dir() and not link.is_symlink():  # left by copy mode: a rename cannot replace a folder
            shutil.rmtree(link)
        tmp = root / f"{temp_prefix(link)}link"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(name, tmp, target_is_directory=True)  # relative: the folder can be moved or mounted elsewhere
        os.replace(tmp, link)
        (root / POINTER).unlink(missing_ok=True)
        return
    if mode != "copy":
        raise ValueError(f"unknown latest mode {mode!r}")
    staged = Path(tempfile.mkdtemp(prefix=temp_prefix(link), suffix=".tmp", dir=root))
    try:
        shutil.copytree(root / name, staged / "copy")
        if link.is_symlink():
            link.unlink()
        aside = None
        if link.exists():
            aside = Path(tempfile.mkdtemp(prefix=temp_prefix(link), suffix=".old", dir=root))
            os.replace(link, aside / "previous")
        os.replace(staged / "copy", link)
        write_atomic(root / POINTER, f"{name}\n".encode())
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
