"""One daily job at a time per output folder: a lock file held for the run.

The lock is the operating system's (fcntl.flock on Linux, msvcrt.locking on
Windows), so it is released when the process ends however it ends: a job
killed by a power cut or SIGKILL never leaves a stale lock behind. The file
also holds the holder's pid and start time, for the message the second job
prints.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

from broadcaster.errors import BroadcasterError

LOCK_NAME = ".run-daily.lock"
POLL_S = 0.2


class JobBusy(BroadcasterError):
    """Another run-daily holds the lock and did not let go in time: exit 1."""


def _try_lock(fd: int) -> bool:
    if os.name == "nt":
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def job_lock(folder: Path, wait_s: float) -> Iterator[None]:
    """Hold the folder's lock; wait up to `wait_s` for another job, then JobBusy."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                try:
                    holder = path.read_text(encoding="utf-8", errors="replace").strip() or "another process"
                except OSError:  # Windows refuses to read a locked region
                    holder = "another process"
                raise JobBusy(f"another run-daily is working in {folder} ({holder}); gave up after waiting {wait_s:g} s")
            time.sleep(POLL_S)
        # Who holds it, for the next job's message. Written past byte 0 on
        # Windows would be cleaner; one short line is fine for both.
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        started = dt.datetime.now().replace(microsecond=0).isoformat()
        os.write(fd, f"pid {os.getpid()}, started {started}\n".encode())
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
