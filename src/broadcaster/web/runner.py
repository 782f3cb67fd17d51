"""The render queue's runner: the one interface the pages use to run work.

`JobRunner` is all a page knows: submit, cancel, look up. `LocalRunner`
runs each job in a child process of its own (`python -m broadcaster.web.job
DATA JOB`), one at a time by default, because the offline voice wants every
core; the web server's threads only read and write the SQLite queue, so a
page answers at once while a render runs. A distributed task queue can take
its place later by implementing the same four methods.

Why a process per job rather than threads: cancel must stop a render at once
(a model call cannot be interrupted from another thread), and the server's
own memory stays small (the model, numpy and the mixer live in the child).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Protocol, Sequence

from broadcaster.web.store import Store

POLL_S = 0.2
RENDER_NICE = 10


class JobRunner(Protocol):
    def submit(self, kind: str, params: dict[str, Any], priority: int = 0) -> int: ...
    def cancel(self, job_id: int) -> bool: ...
    def job(self, job_id: int) -> dict[str, Any] | None: ...
    def jobs(self, limit: int = 100) -> list[dict[str, Any]]: ...


class LocalRunner:
    """Child processes on this machine, `workers` at a time, fed from the SQLite queue.

    At start, a job the store says is running belongs to a server that
    stopped: its child (if it still lives) is killed and the job queued again
    (the segment cache keeps what it had already spoken)."""

    def __init__(self, data_dir: Path, store: Store, command: Sequence[str] | None = None, workers: int = 1):
        self.data_dir = Path(data_dir)
        self.store = store
        self.command = list(command or [sys.executable, "-m", "broadcaster.web.job"])
        self.workers = workers
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._children: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()

    # -- the interface --------------------------------------------------------
    def submit(self, kind: str, params: dict[str, Any], priority: int = 0) -> int:
        job_id = self.store.add_job(kind, params, priority)
        self._wake.set()
        return job_id

    def cancel(self, job_id: int) -> bool:
        ok = self.store.request_cancel(job_id)
        self._wake.set()
        return ok

    def job(self, job_id: int) -> dict[str, Any] | None:
        return self.store.job(job_id)

    def jobs(self, limit: int = 100) -> list[dict[str, Any]]:
        """The queue page's list: renders, and urgent notices (run by web/urgent.py, beside this queue)."""
        return self.store.jobs(limit, ("render", "daily", "urgent"))

    # -- running ----------------------------------------------------------------
    def start(self) -> None:
        self.recover()
        for n in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"job-runner-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop taking jobs; a job still running is killed and queued again for the next start."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            children = dict(self._children)
        for job_id, child in children.items():
            _kill(child.pid)
            child.wait()
            self.store.requeue(job_id)
        for thread in self._threads:
            thread.join(timeout=5)

    def recover(self) -> None:
        for job in self.store.running():
            if job["pid"] and _is_our_child(job["pid"], job["id"]):
                _kill(job["pid"])
            self.store.requeue(job["id"])

    def _loop(self) -> None:
        while not self._stop.is_set():
            job = self.store.claim_next(skip="urgent")  # urgent notices have their own warm worker
            if job is None:
                self._wake.wait(timeout=1.0)
                self._wake.clear()
                continue
            self._run(job)

    def _run(self, job: dict[str, Any]) -> None:
        logs = self.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        with open(logs / f"job-{job['id']}.log", "wb") as log:
            # Its own session, so that cancel kills the render and any helper it started.
            child = subprocess.Popen([*self.command, str(self.data_dir), str(job["id"])], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _lower_priority(child.pid)
        with self._lock:
            self._children[job["id"]] = child
        self.store.set_pid(job["id"], child.pid)
        try:
            while child.poll() is None:
                if self._stop.is_set():
                    return  # stop() kills and requeues it
                current = self.store.job(job["id"])
                if current and current["cancel"]:
                    _kill(child.pid)
                    child.wait()
                    self.store.finish(job["id"], "cancelled", "已取消")
                    return
                self._wake.wait(timeout=POLL_S)
            if child.returncode != 0:
                # The child records its own failures; this is for one that died without a word.
                self.store.finish(job["id"], "failed", f"渲染进程意外退出（退出码 {child.returncode}），请查看日志 logs/job-{job['id']}.log")
        finally:
            with self._lock:
                self._children.pop(job["id"], None)


def _lower_priority(pid: int) -> None:
    """A render is batch work: at nice 10 its process group (and the ffmpeg it
    starts, which inherits it) leaves the cores to an urgent notice
    (web/urgent.py) and to the pages whenever they want them, and costs
    nothing when they do not. Where priorities cannot be set, it runs as it is."""
    try:
        os.setpriority(os.PRIO_PGRP, pid, RENDER_NICE)
    except (AttributeError, OSError):
        pass


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _is_our_child(pid: int, job_id: int) -> bool:
    """True when `pid` still runs the job's child (not some process that reused the number)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return str(job_id).encode() in argv and any(b"broadcaster" in a or b"job" in a for a in argv)
