"""Urgent notices (紧急插播) beside the render queue: one warm worker process of their own.

A render can take minutes and holds the queue's worker; a typhoon warning
cannot wait for it. So urgent jobs (kind `urgent` in the same SQLite queue,
where the queue page lists them) are never claimed by `LocalRunner`: this
runner's thread claims them and hands each to one long-lived worker process
(`python -m broadcaster.web.urgent_worker DATA ENGINE:VOICE`) that loaded the
offline model once and keeps it. A notice then costs its own synthesis and
mixing, not the imports and the model load.

The worker is a process, not a thread of the server: the model needs its own
memory (the server never loads numpy), and a worker that dies or is killed
is simply started again. Its life:

- started when the server starts (`start(warm=True)`), or when staff open
  the 紧急插播 page, or at the latest by the next notice;
- let go (its memory returned to the machine) after
  BROADCASTER_URGENT_IDLE_MIN minutes without a notice or a visit;
- started afresh when it dies while it is wanted, and after a notice that
  left it larger than BROADCASTER_URGENT_MAX_MB (it leaves by itself, see
  `urgent_worker`), so its memory stays bounded;
- a notice whose worker died under it is tried once more on a new one.

The wire between them is a pipe of lines: the runner writes a job number,
the worker answers `ready` once warm and `done N` after each job (it writes
the outcome into the queue itself, as `web/job.py` does).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from broadcaster.web.store import Store

KIND = "urgent"
PRIORITY = 100
ONLINE_ENGINES = ("edge",)  # not offered on the page (the worker would speak offline anyway)
POLL_S = 0.5


class UrgentRunner:
    def __init__(self, data_dir: Path, store: Store, warm_voice: str, *, command: Sequence[str] | None = None,
                 idle_s: float = 1800.0):
        self.data_dir = Path(data_dir)
        self.store = store
        self.warm_voice = warm_voice  # "engine:voice" the worker loads and speaks a first word with
        self.command = list(command or [sys.executable, "-m", "broadcaster.web.urgent_worker"])
        self.idle_s = idle_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._started = False
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()  # guards _thread
        self._worker: subprocess.Popen | None = None
        self._lock = threading.Lock()  # guards _worker
        self._wanted_until = 0.0  # keep a worker running until then (monotonic)
        self.started_workers = 0  # how many worker processes this runner has started

    # -- what the pages use -----------------------------------------------------
    def submit(self, text: str, voice: str, profile: str, title: str) -> int:
        job_id = self.store.add_job(KIND, {"text": text, "voice": voice, "profile": profile, "title": title}, PRIORITY)
        self.warm()
        return job_id

    def warm(self) -> None:
        """Someone is about to need the worker: have it running (and keep it for the idle time from now)."""
        self._wanted_until = time.monotonic() + self.idle_s
        self._ensure_thread()
        self._wake.set()

    def worker_pid(self) -> int | None:
        with self._lock:
            worker = self._worker
        return worker.pid if worker is not None and worker.poll() is None else None

    # -- running ---------------------------------------------------------------
    def start(self, warm: bool = False) -> None:
        """Take urgent jobs from now on; `warm`: start the worker at once."""
        for job in self.store.running():  # left by a server that stopped: the notice is still wanted
            if job["kind"] == KIND:
                self.store.requeue(job["id"])
        self._started = True
        if warm:
            self.warm()
        else:
            self._ensure_thread()  # for notices queued before a restart; it ends when there is nothing to do

    def stop(self) -> None:
        """Stop at once: a notice being made is killed and queued again for the next start."""
        self._stop.set()
        self._wake.set()
        self._release(kill=True)
        with self._thread_lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout=10)

    def _ensure_thread(self) -> None:
        with self._thread_lock:
            if self._thread is None and self._started and not self._stop.is_set():
                self._thread = threading.Thread(target=self._loop, name="urgent-runner", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        """Claim and run urgent jobs; tend the worker; end (no thread left) once it is let go and nothing waits."""
        while not self._stop.is_set():
            self._wake.clear()  # before looking, so that a notice submitted meanwhile is never missed
            job = self.store.claim_next(kind=KIND)
            if job is not None:
                self._run(job)
                continue
            if time.monotonic() < self._wanted_until:
                if self.worker_pid() is None:
                    self._start_worker()  # not yet started, killed, or left to stay small
                self._wake.wait(timeout=POLL_S)
                continue
            self._release()
            with self._thread_lock:  # `warm` starts a new thread once this one has said it ends
                if time.monotonic() >= self._wanted_until and (job := self.store.claim_next(kind=KIND)) is None:
                    self._thread = None
                    return
            if job is not None:
                self._run(job)
        self._release(kill=True)

    def _run(self, job: dict[str, Any]) -> None:
        self.warm()
        for attempt in (1, 2):
            worker = self._start_worker()  # the running one, or a new one
            self.store.set_pid(job["id"], worker.pid)
            if self._send(worker, job["id"]):
                break
            if self._stop.is_set():
                return  # stop() requeues nothing: start() does, on the next server
            if attempt == 2:
                self.store.finish(job["id"], "failed", "紧急插播进程意外退出，请重试；如果一直出错，请把 logs 文件夹发给技术人员。")
        self.warm()  # the idle time counts from the end of the last notice

    def _send(self, worker: subprocess.Popen, job_id: int) -> bool:
        """Hand the job over and wait for `done`; False when the worker died first."""
        try:
            worker.stdin.write(f"{job_id}\n")
            worker.stdin.flush()
            for line in worker.stdout:  # `ready` (the first time), then `done N`
                if line.strip() == f"done {job_id}":
                    return True
        except (BrokenPipeError, OSError, ValueError):
            pass
        return False

    def _start_worker(self) -> subprocess.Popen:
        with self._lock:
            if self._worker is not None:
                if self._worker.poll() is None:
                    return self._worker
                for pipe in (self._worker.stdin, self._worker.stdout):  # a worker that left or was killed
                    try:
                        pipe.close()
                    except OSError:
                        pass
            (self.data_dir / "logs").mkdir(exist_ok=True)
            with open(self.data_dir / "logs" / "urgent-worker.log", "ab") as log:
                self._worker = subprocess.Popen([*self.command, str(self.data_dir), self.warm_voice], stdin=subprocess.PIPE,
                                                stdout=subprocess.PIPE, stderr=log, text=True, encoding="utf-8",
                                                start_new_session=True)
            self.started_workers += 1
            return self._worker

    def _release(self, kill: bool = False) -> None:
        """Let the worker go: end of input asks it to leave (it is killed if it
        has not within 10 s); `kill` does not ask."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is None:
            return
        if kill:
            _kill(worker)
        try:
            worker.stdin.close()
        except OSError:
            pass
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _kill(worker)
            worker.wait()
        if not kill:  # (when killed, the loop's thread may still be reading it: it sees the end and closes nothing)
            worker.stdout.close()


def _kill(worker: subprocess.Popen) -> None:
    """The worker and anything it started (ffmpeg): it has a session of its own."""
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
