"""Float32 mono samples kept in a file on disk, written and read a block at a time.

A programme of an hour at 44.1 kHz is 635 MB of float32: held in memory it
was most of a render's peak (with the int16 copy the encoder took, over
1 GB). The mix writes the programme here as it makes it, and the packagers
read it back a block at a time, so memory stays flat whatever the length:

    >>> with PcmFile(10) as pcm:
    ...     pcm.write(4, np.ones(3, dtype=np.float32))
    ...     pcm.read(3, 8).tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]

The file is anonymous (`tempfile.TemporaryFile`: unlinked at once on POSIX,
deleted on close on Windows), so a render that is killed leaves nothing
behind. It is made in `directory`, which the render points at the output's
parent folder: on disk, where there is room for the programme anyway, and
not /tmp, which is often memory (tmpfs) on current Linux systems.
"""
from __future__ import annotations

import errno
import os
import tempfile
import threading
from pathlib import Path
from typing import Iterator

import numpy as np

from broadcaster.errors import AudioError

BLOCK = 1 << 18  # samples per block read or written (1 MB): small enough to stay in the CPU's cache
_ITEM = 4  # bytes per float32 sample


class PcmFile:
    """`n_samples` float32 samples, all zero until written."""

    def __init__(self, n_samples: int, directory: Path | None = None):
        self.n_samples = int(n_samples)
        self._lock = threading.Lock()  # the encoders read on two threads: a seek and its read go together
        where = directory or tempfile.gettempdir()
        try:
            if directory is not None:
                Path(directory).mkdir(parents=True, exist_ok=True)
            self._file = tempfile.TemporaryFile(prefix=".broadcaster-mix-", suffix=".f32", dir=directory)
        except OSError as exc:
            raise AudioError(f"cannot make the programme's scratch file in {where}: {exc.strerror or exc}") from None
        try:
            self._reserve(self.n_samples * _ITEM)
        except OSError as exc:
            self._file.close()
            if exc.errno == errno.ENOSPC:
                raise AudioError(f"no room in {where} for the programme's scratch file "
                                 f"({self.n_samples * _ITEM / 2**20:.0f} MB)") from None
            raise

    def _reserve(self, size: int) -> None:
        """Claim the disk space now: a full disk is found before any work, and
        writing into reserved space is several times faster than growing a file."""
        if size and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(self._file.fileno(), 0, size)
                return
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise
                # Not supported by this file system: a plain (sparse) file does.
        self._file.truncate(size)

    def __len__(self) -> int:
        return self.n_samples

    def write(self, start: int, samples: np.ndarray) -> None:
        if start < 0 or start + len(samples) > self.n_samples:
            raise ValueError(f"write of {len(samples)} samples at {start} outside 0..{self.n_samples}")
        with self._lock:
            self._file.seek(start * _ITEM)
            self._file.write(np.ascontiguousarray(samples, dtype="<f4").data)

    def read(self, start: int, stop: int, *, after: np.ndarray | None = None) -> np.ndarray:
        """Samples [start, stop), clipped to the file, in a new array; with
        `after`, the new array holds `after` first and then the samples (one
        copy fewer than joining them)."""
        start, stop = max(0, start), min(self.n_samples, stop)
        lead = 0 if after is None else len(after)
        whole = np.empty(lead + max(0, stop - start), dtype="<f4")
        if lead:
            whole[:lead] = after
        out = whole[lead:]
        if len(out):
            with self._lock:
                self._file.seek(start * _ITEM)
                got = self._file.readinto(out.data.cast("B"))
            if got != out.nbytes:
                raise OSError(f"short read from the programme's scratch file ({got} of {out.nbytes} bytes)")
        return whole

    def blocks(self, start: int = 0, stop: int | None = None, size: int = BLOCK) -> Iterator[np.ndarray]:
        """[start, stop) in blocks of `size` samples, in order."""
        stop = self.n_samples if stop is None else min(stop, self.n_samples)
        for at in range(max(0, start), stop, size):
            yield self.read(at, min(stop, at + size))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "PcmFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @classmethod
    def from_samples(cls, samples: np.ndarray, directory: Path | None = None) -> "PcmFile":
        """A file holding `samples` (for tests and small callers)."""
        pcm = cls(len(samples), directory)
        for at in range(0, len(samples), BLOCK):
            pcm.write(at, samples[at : at + BLOCK])
        return pcm


def scratch_dir_for(out_dir: Path) -> Path:
    """Where a render's scratch file goes: beside the output folder (same disk,
    where the staging folder is made too), or the output folder's nearest
    existing ancestor."""
    parent = Path(out_dir).resolve().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent if os.access(parent, os.W_OK) else Path(tempfile.gettempdir())
