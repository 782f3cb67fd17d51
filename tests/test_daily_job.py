"""`run-daily` on fixed dates with the fake engine: the dated folder, the
atomic `latest`, the no-op second run, retention, failures, and (with real
processes) the lock and a render killed in the middle."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import FakeEngine, write_script

from broadcaster.daily.job import JobFailed, run_daily
from broadcaster.daily.latest import current_latest
from broadcaster.synthesise.engines import base

DAY = dt.date(2026, 11, 30)
FAKE_CLI = Path(__file__).parent / "fake_cli.py"
ARTICLE = "防火通知\n\n冬季天气干燥，请注意防火。\n\n不要在田间焚烧秸秆。\n"
SCRIPT = ("title: '{station}{date}广播'\nstation: 湖东村广播站\nvoice: {engine: fake}\nfallback: [backup]\n"
          "items:\n  - jingle: chime\n  - text: 今天是{date}，{weekday}。\n  - articles_from: inbox/\n    max_items: 5\n"
          "  - text: 广播完毕。\n")


@pytest.fixture
def station(tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "2026-11-30-防火.txt").write_text(ARTICLE, encoding="utf-8")
    return write_script(tmp_path, SCRIPT, "daily.yaml")


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _titles(folder: Path) -> list[str]:
    return [item["title"] for item in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["items"]]


def test_second_run_the_same_day_is_a_no_op(station, fake_engine, backup_engine):
    root = station.parent / "audio_out" / "daily"
    first = run_daily(station, day=DAY)
    assert (first.status, first.latest, first.cached) == ("ok", "2026-11-30", 0)
    assert os.readlink(root / "latest") == "2026-11-30"
    assert _titles(root / "latest") == ["chime", "今天是11月30日，星期一", "防火通知", "广播完毕"]
    assert not (station.parent / "inbox" / "2026-11-30-防火.txt").exists()
    assert (station.parent / "inbox" / "done" / "2026-11-30" / "2026-11-30-防火.txt").is_file()
    made = list(fake_engine.calls)
    before = _hashes(root / "2026-11-30")

    second = run_daily(station, day=DAY)
    assert (second.status, second.synthesised, second.latest) == ("unchanged", 0, "2026-11-30")
    assert fake_engine.calls == made  # no engine was asked anything
    assert _hashes(root / "2026-11-30") == before  # byte for byte, run.json included
    log = (root / "runs.log").read_text(encoding="utf-8").splitlines()
    assert [line.split(" status=")[1].split()[0] for line in log] == ["ok", "unchanged"]
    assert json.loads((root / "run.json").read_text(encoding="utf-8"))["status"] == "unchanged"


def test_a_changed_article_re_renders_only_what_changed(station, fake_engine, backup_engine):
    run_daily(station, day=DAY)
    fake_engine.calls.clear()
    (station.parent / "inbox" / "2026-11-30-防火.txt").write_text(ARTICLE.replace("秸秆", "垃圾"), encoding="utf-8")
    report = run_daily(station, day=DAY)
    assert report.status == "ok"
    assert fake_engine.calls == ["不要在田间焚烧垃圾。"]
    assert report.synthesised == 1 and report.cached >= 3


def test_empty_inbox_still_gives_the_fixed_part(station, fake_engine, backup_engine):
    report = run_daily(station, day=DAY + dt.timedelta(days=1))
    assert report.status == "ok" and report.latest == "2026-12-01"
    assert _titles(station.parent / "audio_out" / "daily" / "latest") == ["chime", "今天是12月1日，星期二", "广播完毕"]


def test_an_unreadable_article_is_skipped_with_a_warning(station, fake_engine, backup_engine):
    broken = station.parent / "inbox" / "2026-11-30-损坏.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    report = run_daily(station, day=DAY)
    assert report.status == "ok" and len(report.warnings) == 1
    assert report.warnings[0].startswith(f"{broken}: skipped: ")
    assert _titles(station.parent / "audio_out" / "daily" / "latest")[2] == "防火通知"
    assert broken.is_file()  # never broadcast, so not done: staff can see it is still there
    saved = json.loads((station.parent / "audio_out" / "daily" / "run.json").read_text(encoding="utf-8"))
    assert saved["warnings"] == report.warnings


def test_a_failing_network_engine_falls_back(station, backup_engine):
    base.register_engine("fake", lambda: FakeEngine(fail_when=lambda text: True), replace=True)
    try:
        report = run_daily(station, day=DAY)
    finally:
        base.unregister_engine("fake")
    assert report.status == "ok" and len(report.fallbacks) == 3
    assert report.fallbacks[0]["from"] == "fake"
    saved = json.loads((station.parent / "audio_out" / "daily" / "2026-11-30" / "run.json").read_text(encoding="utf-8"))
    assert saved["fallbacks"] == report.fallbacks


def test_when_everything_fails_latest_keeps_the_last_good_programme(station, fake_engine, backup_engine, run_cli):
    root = station.parent / "audio_out" / "daily"
    run_daily(station, day=DAY)
    good = _hashes(root / "latest")
    fake_engine.fail_when = backup_engine.fail_when = lambda text: True
    with pytest.raises(JobFailed):
        run_daily(station, day=DAY + dt.timedelta(days=1))
    code, _, err = run_cli("run-daily", str(station), "--date", "2026-12-01", "-q")
    assert code == 1 and len(err.splitlines()) == 1
    assert err.startswith("broadcaster: error: run-daily 2026-12-01: ") and err.endswith("; latest still plays 2026-11-30\n")
    assert current_latest(root) == "2026-11-30" and _hashes(root / "latest") == good
    assert not (root / "2026-12-01").exists()
    assert json.loads((root / "run.json").read_text(encoding="utf-8"))["status"] == "failed"
    assert (root / "runs.log").read_text(encoding="utf-8").count("status=failed") == 2


def test_retention_keeps_the_newest_days(station, fake_engine, backup_engine):
    root = station.parent / "audio_out" / "daily"
    for n in range(4):
        report = run_daily(station, day=DAY + dt.timedelta(days=n), keep_days=2)
    assert report.removed == ["2026-12-01"]
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == [
        "2026-12-02", "2026-12-03", "latest", "run.json", "runs.log"]
    # Rendering an earlier day again never removes the one just made.
    assert run_daily(station, day=DAY, keep_days=1).latest == "2026-11-30"
    assert (root / "2026-11-30").is_dir() and not (root / "2026-12-02").exists()


def test_copy_mode_pointer_file_and_folder(station, fake_engine, backup_engine):
    root = station.parent / "audio_out" / "daily"
    run_daily(station, day=DAY, latest_mode="copy")
    assert (root / "latest.txt").read_text(encoding="utf-8") == "2026-11-30\n"
    assert not (root / "latest").is_symlink() and _hashes(root / "latest") == _hashes(root / "2026-11-30")
    run_daily(station, day=DAY + dt.timedelta(days=1), latest_mode="copy")
    assert current_latest(root) == "2026-12-01" and _hashes(root / "latest") == _hashes(root / "2026-12-01")
    assert not [p for p in root.iterdir() if p.name.startswith(".latest")]  # no staging left behind
    run_daily(station, day=DAY + dt.timedelta(days=2))  # and back to a link
    assert os.readlink(root / "latest") == "2026-12-02" and not (root / "latest.txt").exists()


def _cli(station: Path, cache: Path, *args: str, delay_s: str = "0") -> subprocess.Popen:
    env = dict(os.environ, BROADCASTER_CACHE_DIR=str(cache), FAKE_DELAY_S=delay_s)
    return subprocess.Popen([sys.executable, str(FAKE_CLI), "run-daily", str(station), "-q", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(proc: subprocess.Popen, marker: str) -> None:
    for line in proc.stderr:
        if line.strip() == marker:
            return
    raise AssertionError(f"{marker!r} never came; exit {proc.wait()}")


def _slow_station(station: Path) -> None:
    many = "".join(f"  - text: 第{n}条通知，请大家注意。\n" for n in range(1, 9))
    station.write_text(SCRIPT.replace("fallback: [backup]\n", "").replace("  - text: 广播完毕。\n", many), encoding="utf-8")


def test_a_second_overlapping_run_waits_then_gives_up(station, private_cache):
    _slow_station(station)
    first = _cli(station, private_cache, "--date", "2026-11-30", delay_s="0.3")
    try:
        _wait_for(first, "fake: made 1")
        second = _cli(station, private_cache, "--date", "2026-11-30", "--wait", "0.5")
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1
        root = station.parent / "audio_out" / "daily"
        assert err.startswith(f"broadcaster: error: another run-daily is working in {root} (pid {first.pid}, started ")
        assert err.endswith("); gave up after waiting 0.5 s\n") and len(err.splitlines()) == 1
    finally:
        rest = first.communicate(timeout=120)
    assert first.returncode == 0, rest[1]
    assert current_latest(station.parent / "audio_out" / "daily") == "2026-11-30"


def test_a_run_killed_mid_render_leaves_latest_on_the_last_good_programme(station, private_cache):
    _slow_station(station)
    root = station.parent / "audio_out" / "daily"
    proc = _cli(station, private_cache, "--date", "2026-11-30")
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    good = _hashes(root / "latest")
    (station.parent / "inbox" / "2026-12-01-新通知.txt").write_text(ARTICLE.replace("防火", "防冻"), encoding="utf-8")

    proc = _cli(station, private_cache, "--date", "2026-12-01", delay_s="0.2")
    _wait_for(proc, "fake: made 2")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert current_latest(root) == "2026-11-30" and _hashes(root / "latest") == good
    assert not (root / "2026-12-01").exists()
    assert (station.parent / "inbox" / "2026-12-01-新通知.txt").is_file()  # not done: it was never broadcast

    proc = _cli(station, private_cache, "--date", "2026-12-01")  # the lock died with the killed job
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert current_latest(root) == "2026-12-01" and "防冻通知" in _titles(root / "latest")
