"""Renders as a user runs them, many times in a row, in fresh processes.

A failure that comes and goes is still a failure: short renders once failed
about one run in seven with `KeyError: 'scipy'` (two threads importing the
same package, and modules being dropped from sys.modules), and every test
that rendered once passed. These run the real command and the real offline
voice on very short text, so that each run is quick.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

SCRIPT = """\
title: 停电通知
items:
  - jingle: chime
  - text: 请注意，明天停电。
  - jingle: chime-end
"""


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "broadcaster", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def user_env(tmp_path):
    # The rewritten model (in the user's cache, or BROADCASTER_MODEL_DIR) is
    # made by the first run and shared by the rest: it is not what is tested here.
    return dict(os.environ)


def test_twenty_short_renders_alternating_cold_and_warm(tmp_path, user_env):
    (tmp_path / "notice.yaml").write_text(SCRIPT, encoding="utf-8")
    digests, failures = set(), []
    for run in range(20):
        cold = run % 2 == 0
        cache = tmp_path / f"cache-{run // 2}"  # a new, empty cache for every cold run; the warm run after it reuses it
        env = dict(user_env, BROADCASTER_CACHE_DIR=str(cache))
        proc = _run(["render", "notice.yaml", "--out", f"out{run}", "--quiet"], env, tmp_path)
        if proc.returncode != 0:
            failures.append(f"run {run} ({'cold' if cold else 'warm'}): rc {proc.returncode}: {proc.stderr.strip()}")
            continue
        assert ("1 synthesised, 0 from cache" if cold else "0 synthesised, 1 from cache") in proc.stdout
        digests.add(_sha(tmp_path / f"out{run}" / "programme.mp3"))
    assert not failures, "\n".join(failures)
    assert len(digests) == 1  # identical audio for identical input, cold or warm


def test_ten_say_runs(tmp_path, user_env):
    env = dict(user_env, BROADCASTER_CACHE_DIR=str(tmp_path / "cache"))
    digests, failures = set(), []
    for run in range(10):
        out = tmp_path / f"say{run}.mp3"
        proc = _run(["say", "今天我们学习糖这个字的读音。", "-o", str(out), "--offline"], env, tmp_path)
        if proc.returncode != 0:
            failures.append(f"run {run}: rc {proc.returncode}: {proc.stderr.strip()}")
            continue
        digests.add(_sha(out))
    assert not failures, "\n".join(failures)
    assert len(digests) == 1
