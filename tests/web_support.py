"""Helpers for the web tests: an app on a temporary data folder whose jobs use the fake engine."""
from __future__ import annotations

import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from broadcaster.web.app import create_app

HERE = Path(__file__).parent
FAKE_JOB = [sys.executable, str(HERE / "fake_web_job.py")]
FAKE_URGENT = [sys.executable, str(HERE / "fake_urgent_worker.py")]
VOICES = [("fake", "v1", "测试女声"), ("fake", "v2", "测试男声")]
OPTIONS = {"voice": "fake:v1", "rate": "+0%", "jingles": "1", "profile": "loudspeaker"}
NOTICE = "停水通知\n各位村民：因管道检修，12月1日8:00-12:00停水，请提前储水。"


def make_app(data_dir: Path, **kwargs):
    return create_app(data_dir, **{"job_command": FAKE_JOB, "voices": VOICES, "urgent_command": FAKE_URGENT, **kwargs})


@contextmanager
def running_app(data_dir: Path, **kwargs):
    """`make_app`, its job runner stopped afterwards (for a fixture to yield)."""
    app = make_app(data_dir, **kwargs)
    try:
        yield app
    finally:
        app.extensions["broadcaster"]["urgent"].stop()
        app.extensions["broadcaster"]["runner"].stop()


def csrf(client, path: str = "/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def wait_job(client, job_id: int, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}.json").json
        if job["finished"]:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")
