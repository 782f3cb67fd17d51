"""Write a whole output folder or nothing.

Everything is written into a hidden temporary folder beside the target, and
only when all files are complete is it renamed into place. A failed or
interrupted render leaves any earlier output untouched. A render killed
outright (SIGKILL, a power cut) cannot clean up after itself: its folder is
named with its process id, and the next render into the same place removes
it once that process is gone.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from broadcaster.durable import is_abandoned, temp_prefix
from broadcaster.errors import BroadcasterError


@contextlib.contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    final = final.resolve()
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _sweep_abandoned(final)
        stage = Path(tempfile.mkdtemp(prefix=temp_prefix(final), suffix=".tmp", dir=final.parent))
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
            old = Path(tempfile.mkdtemp(prefix=temp_prefix(final), suffix=".old", dir=final.parent))
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


def _sweep_abandoned(final: Path) -> None:
    """Clean up after renders into `final` that were killed outright.

    A staging folder of a dead render is removed. A render killed between
    moving the earlier output aside and moving the new one in leaves the
    earlier output in its ".old" folder: it is put back first, never removed.
    """
    with contextlib.suppress(OSError):
        abandoned = [Path(e.path) for e in os.scandir(final.parent) if e.name.startswith(f".{final.name}.") and is_abandoned(e)]
        for folder in sorted(abandoned, key=lambda p: not p.name.endswith(".old")):
            previous = folder / "previous"
            if folder.name.endswith(".old") and previous.is_dir() and not final.exists():
                os.replace(previous, final)
            shutil.rmtree(folder, ignore_errors=True)
