"""`county render --broker` on a real Redis (Debian's redis-server, started here on
127.0.0.1 on a free port) with two real `broadcaster worker` processes and a
shared cache folder, the fake engine registered by tests/fake_cli.py: a worker
killed with SIGKILL mid-task, Redis restarted mid-run, and every village's
programme.mp3 byte for byte what its own run-daily makes on one machine."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from broadcaster.daily.job import run_daily
from broadcaster.synthesise.cache import SegmentCache
from broadcaster.synthesise.engines import base
from county_support import VILLAGES, example_county, make_county
from support import FakeEngine

DAY = dt.date(2026, 12, 7)
REPO = Path(__file__).resolve().parents[1]
FAKE_CLI = Path(__file__).parent / "fake_cli.py"
REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (apt-get install redis-server; .ci/run does)")
HEARTBEAT_S = "3"  # a killed worker's task goes to the other one within seconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """One redis-server of our own, persisting every write (appendonly), as docs/county.md asks of a county's."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.proc = folder, _free_port(), None
        self.persist = True
        folder.mkdir()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen([REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                                      "--appendonly", "yes" if self.persist else "no", "--save", "", "--protected-mode", "yes"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + 30
        while True:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # redis writes its append-only file and exits
            self.proc.wait(timeout=30)


@pytest.fixture
def redis_server(tmp_path):
    server = Redis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def _env(tmp_path: Path, **extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "BROADCASTER_CACHE_DIR": str(tmp_path / "unused-cache"),
            "BROADCASTER_BROKER_HEARTBEAT_S": HEARTBEAT_S, **extra}


class Workers:
    """`broadcaster worker` processes (one task at a time each), each in a process group of its own."""

    def __init__(self, tmp_path: Path, url: str, count: int):
        self.logs = [tmp_path / f"worker{i}.log" for i in range(count)]
        self.procs = [subprocess.Popen([sys.executable, str(FAKE_CLI), "worker", "--broker", url, "--concurrency", "1"],
                                       stdout=subprocess.DEVNULL, stderr=open(log, "w"), env=_env(tmp_path, FAKE_DELAY_S="0.3"),
                                       start_new_session=True) for log in self.logs]
        for i in range(count):
            self.task_pid(i)  # ready

    def log(self, i: int) -> str:
        return self.logs[i].read_text(encoding="utf-8", errors="replace")

    def task_pid(self, i: int, timeout_s: float = 120) -> int:
        """The pid of worker i's process that runs tasks (Dramatiq's worker process)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = re.search(r"\[PID (\d+)\] \[MainThread\] \[dramatiq\.WorkerProcess\(0\)\] \[INFO\] Worker process is ready", self.log(i))
            if found:
                return int(found.group(1))
            assert self.procs[i].poll() is None, self.log(i)
            time.sleep(0.1)
        raise AssertionError(f"worker {i} did not start:\n{self.log(i)}")

    def made(self) -> int:
        return sum(log.count("fake: made") for log in map(lambda i: self.log(i), range(len(self.logs))))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def workers(tmp_path, redis_server):
    made = Workers(tmp_path, redis_server.url, 2)
    yield made
    made.stop()


def _render(tmp_path: Path, county: Path, url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(FAKE_CLI), "county", "render", str(county), "--date", DAY.isoformat(),
                             "--broker", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path))


def _wait_until(condition, what: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _check_every_village(tmp_path: Path, county: Path, render: subprocess.Popen, engine: str = "fake") -> dict:
    out, err = render.communicate(timeout=600)
    assert render.returncode == 0, err
    report = json.loads((county.parent / "out" / "county-2026-12-07.json").read_text(encoding="utf-8"))
    assert [(v["name"], v["status"]) for v in report["villages"]] == [(n, "done") for n in sorted(VILLAGES)]
    base.register_engine(engine, lambda: FakeEngine(engine), replace=True)
    try:
        for stem in VILLAGES:
            single = run_daily(county.parent / "villages" / f"{stem}.yaml", day=DAY, root=tmp_path / "single" / stem,
                               cache=SegmentCache(tmp_path / "single-cache"))
            mine = county.parent / "out" / stem / DAY.isoformat() / "programme.mp3"
            assert mine.read_bytes() == (Path(single.folder) / "programme.mp3").read_bytes(), stem
    finally:
        base.unregister_engine(engine)
    return report


def _segment_pids(county: Path) -> dict[str, int]:
    folder = county.parent / "out" / ".county" / DAY.isoformat()
    out = {}
    for path in folder.glob("segments-*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if record.get("state") == "running":
            out[path.stem] = record["pid"]
    return out


@pytest.mark.parametrize("attempt", range(2))
def test_a_worker_killed_mid_task_and_every_village_still_completes(tmp_path, redis_server, workers, attempt):
    county = example_county(tmp_path / "county")  # examples/county, with the fake voice
    render = _render(tmp_path, county, redis_server.url)
    victim_pid = workers.task_pid(0)
    # Kill worker 0's task process while it is in the middle of a segment task.
    _wait_until(lambda: victim_pid in _segment_pids(county).values() and "fake: made" in workers.log(0),
                "worker 0 to be making segments")
    os.kill(victim_pid, signal.SIGKILL)
    report = _check_every_village(tmp_path, county, render)
    distinct = report["distinct"]
    # Nothing made twice more than needed: at most the one segment being made when the worker died.
    assert distinct <= workers.made() <= distinct + 1
    assert report["made_again"] == 0
    assert "fake: made" in workers.log(1)


@pytest.mark.parametrize("persist", [True, False], ids=["append-only", "nothing-kept"])
def test_redis_restarted_mid_run_and_every_village_still_completes(tmp_path, redis_server, workers, persist):
    """With its append-only file Redis keeps the queue; without, the waiting `county render` sees
    its unfinished tasks' messages gone and sends them again."""
    county = make_county(tmp_path / "county")
    render = _render(tmp_path, county, redis_server.url)
    _wait_until(lambda: workers.made() >= 2, "the first segments")
    redis_server.stop()
    time.sleep(1.0)
    if not persist:
        shutil.rmtree(redis_server.folder)
        redis_server.folder.mkdir()
        redis_server.persist = False
    redis_server.start()
    report = _check_every_village(tmp_path, county, render)
    assert report["made_again"] == 0 and report["distinct"] <= workers.made() <= report["distinct"] + 2


def test_the_online_voice_is_rate_limited_county_wide_and_every_village_completes(tmp_path, redis_server, workers):
    """online_concurrency: 1 with two workers: one of them finds the slot taken, and its task is sent again."""
    county = make_county(tmp_path / "county", extra="online_concurrency: 1\n", engine="online")
    render = _render(tmp_path, county, redis_server.url)
    report = _check_every_village(tmp_path, county, render, engine="online")
    assert report["made"] == report["distinct"] and report["made_again"] == 0 and report["failed_segments"] == 0
    # The limiter turned tasks away while the other worker held the slot: Dramatiq sent them again later.
    assert "Retrying message" in workers.log(0) + workers.log(1)
