"""`county render` and `county status` on the embedded path (no broker), with the fake engine:
everything checked before any work, each distinct segment made once, every
village's programme byte for byte what its own run-daily makes, the report."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from broadcaster.daily.job import run_daily
from broadcaster.synthesise.cache import SegmentCache
from broadcaster.synthesise.engines import base
from county_support import VILLAGES, make_county, village_script
from support import FakeEngine

DAY = dt.date(2026, 12, 7)
FAKE_CLI = Path(__file__).parent / "fake_cli.py"
REPO = Path(__file__).resolve().parents[1]


def _single(tmp_path: Path, county: Path, stem: str) -> bytes:
    """The village's programme as its own run-daily makes it, with a cache of its own."""
    report = run_daily(county.parent / "villages" / f"{stem}.yaml", day=DAY, root=tmp_path / "single" / stem,
                       cache=SegmentCache(tmp_path / "single-cache"))
    return (Path(report.folder) / "programme.mp3").read_bytes()


def test_each_distinct_segment_is_made_once_and_every_village_matches_its_own_render(tmp_path, fake_engine, run_cli):
    county = make_county(tmp_path / "county")
    code, out, err = run_cli("county", "render", str(county), "--date", DAY.isoformat(), "--concurrency", "1")
    assert code == 0, err
    # 3 villages × 6 segments (opening, 2 + 2 shared article segments? see below), said once each.
    assert len(fake_engine.calls) == len(set(fake_engine.calls))
    report = json.loads((county.parent / "out" / "county-2026-12-07.json").read_text(encoding="utf-8"))
    assert report["distinct"] == len(fake_engine.calls) == report["made"]
    assert report["made_again"] == 0 and report["cached_before"] == 0
    shared_segments = {row["shared"] for row in report["villages"]}
    assert len(shared_segments) == 1 and shared_segments.pop() > 0
    assert [(v["name"], v["status"], v["late"], v["fallbacks"]) for v in report["villages"]] == \
        [("hudong", "done", False, 0), ("liuwan", "done", False, 0), ("shiqiao", "done", False, 0)]
    # The first village in order makes the shared segments; the others only their own.
    made = {v["name"]: v["made"] for v in report["villages"]}
    own = {v["name"]: v["segments"] - v["shared"] for v in report["villages"]}
    assert made["hudong"] == report["villages"][0]["segments"] and made["liuwan"] == own["liuwan"]
    assert sum(made.values()) == report["distinct"]
    assert out.splitlines()[0].split() == ["village", "status", "late", "fallbacks", "cpu_s", "segments", "shared", "made"]
    for stem in VILLAGES:
        village_root = county.parent / "out" / stem
        assert os.readlink(village_root / "latest") == DAY.isoformat()
        run = json.loads((village_root / "run.json").read_text(encoding="utf-8"))
        assert run["status"] == "ok" and run["synthesised"] == 0  # assembled wholly from the county's segments
        assert (village_root / DAY.isoformat() / "programme.mp3").read_bytes() == _single(tmp_path, county, stem), stem


def test_a_second_run_makes_nothing_and_leaves_the_programmes_as_they_were(tmp_path, fake_engine, run_cli):
    county = make_county(tmp_path / "county")
    assert run_cli("county", "render", str(county), "--date", DAY.isoformat(), "--concurrency", "1")[0] == 0
    before = {stem: (county.parent / "out" / stem / DAY.isoformat() / "programme.mp3").read_bytes() for stem in VILLAGES}
    fake_engine.calls.clear()
    code, out, _ = run_cli("county", "render", str(county), "--date", DAY.isoformat(), "--concurrency", "1", "-q")
    assert code == 0 and fake_engine.calls == []
    report = json.loads((county.parent / "out" / "county-2026-12-07.json").read_text(encoding="utf-8"))
    assert report["cached_before"] == report["distinct"] and report["made"] == 0
    for stem in VILLAGES:
        assert json.loads((county.parent / "out" / stem / "run.json").read_text(encoding="utf-8"))["status"] == "unchanged"
        assert (county.parent / "out" / stem / DAY.isoformat() / "programme.mp3").read_bytes() == before[stem]


@pytest.mark.parametrize("case, expected", [
    ("missing", "county.yaml:4: villages[1]: village script not found: villages/nowhere.yaml"),
    ("duplicate", "county.yaml:2: village liuwan: station '湖东村广播站' is also hudong's; each village needs its own station name"),
    ("template", "villages/liuwan.yaml:7: text: unknown placeholder {village}; allowed: {date}, {weekday}, {lunar}, {station}"),
    ("key", "county.yaml:6: villagez: unknown key; allowed: county, villages, shared, root, cache, keep_days, deadline, offline, online_concurrency"),
])
def test_a_bad_county_is_refused_before_anything_is_made(tmp_path, fake_engine, run_cli, case, expected):
    county = make_county(tmp_path / "county")
    villages = county.parent / "villages"
    if case == "missing":
        county.write_text("county: 青山县\nvillages:\n  - villages/hudong.yaml\n  - villages/nowhere.yaml\nroot: out\n", encoding="utf-8")
    elif case == "duplicate":
        (villages / "liuwan.yaml").write_text(village_script("湖东村"), encoding="utf-8")
    elif case == "template":
        (villages / "liuwan.yaml").write_text(village_script("柳湾村").replace("今天是{date}", "今天是{village}"), encoding="utf-8")
    else:
        county.write_text(county.read_text(encoding="utf-8") + "villagez: 1\n", encoding="utf-8")
    code, out, err = run_cli("county", "render", str(county), "--date", DAY.isoformat(), "--concurrency", "1")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("broadcaster: error: ") and err.rstrip().endswith(expected), err
    assert fake_engine.calls == [] and not (county.parent / "out").exists()


def test_a_failing_village_is_reported_failed_and_late_and_the_others_are_done(tmp_path, fake_engine, run_cli):
    base.register_engine("broken", lambda: FakeEngine("broken", fail_when=lambda text: "柳湾" in text), replace=True)
    try:
        county = make_county(tmp_path / "county", extra="deadline: \"05:00\"\n")
        (county.parent / "villages" / "liuwan.yaml").write_text(village_script("柳湾村", engine="broken"), encoding="utf-8")
        code, out, err = run_cli("county", "render", str(county), "--date", "2026-12-01", "--concurrency", "1")
    finally:
        base.unregister_engine("broken")
    assert code == 1
    assert err.splitlines()[-1] == ("broadcaster: error: county render 2026-12-01: 1 of 3 villages failed (liuwan); "
                           "their latest still plays the last good programme")
    rows = {line.split()[0]: line.split()[1:3] for line in out.splitlines()[1:-1]}
    assert rows == {"hudong": ["done", "late"], "liuwan": ["failed", "late"], "shiqiao": ["done", "late"]}  # 12-01 05:00 is past
    code, out, _ = run_cli("county", "status", str(county), "--date", "2026-12-01")
    lines = out.splitlines()
    assert code == 0 and [line.split()[:3] for line in lines[1:-1]] == [
        ["hudong", "done", "late"], ["liuwan", "failed", "late"], ["shiqiao", "done", "late"]]
    assert lines[-1] == "青山县 2026-12-01: 2 done, 1 failed, 3 late; segment tasks done 4/4"


def test_status_before_any_run_says_waiting(tmp_path, run_cli):
    county = make_county(tmp_path / "county")
    code, out, _ = run_cli("county", "status", str(county), "--date", "2099-01-01")
    assert code == 0
    assert out.splitlines() == ["village  state     late  where", "hudong   waiting   -", "liuwan   waiting   -",
                                "shiqiao  waiting   -", "青山县 2099-01-01: 3 waiting"]


@pytest.mark.parametrize("attempt", range(2))
def test_the_local_pool_gives_the_same_programmes_as_one_process(tmp_path, attempt):
    """Two processes at once (forked, the fake engine registered by fake_cli.py), in a subprocess each time."""
    county = make_county(tmp_path / "county")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "BROADCASTER_CACHE_DIR": str(tmp_path / "unused")}
    proc = subprocess.run([sys.executable, str(FAKE_CLI), "county", "render", str(county), "--date", DAY.isoformat(),
                           "--concurrency", "2", "-q"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    base.register_engine("fake", FakeEngine, replace=True)
    try:
        for stem in VILLAGES:
            assert (county.parent / "out" / stem / DAY.isoformat() / "programme.mp3").read_bytes() == _single(tmp_path, county, stem)
    finally:
        base.unregister_engine("fake")
    report = json.loads((county.parent / "out" / "county-2026-12-07.json").read_text(encoding="utf-8"))
    assert report["workers"] == 2 and report["made"] == report["distinct"] and report["made_again"] == 0


def test_a_worker_needs_a_redis_broker(tmp_path, run_cli, monkeypatch):
    monkeypatch.delenv("BROADCASTER_BROKER", raising=False)
    assert run_cli("worker") == (2, "", "broadcaster: error: worker: --broker (or BROADCASTER_BROKER) is required, "
                                        "e.g. redis://192.168.1.10:6379/0\n")
    county = make_county(tmp_path / "county")
    code, out, err = run_cli("county", "render", str(county), "--broker", "amqp://127.0.0.1/")
    assert (code, out) == (2, "") and err == ("broadcaster: error: --broker: 'amqp://127.0.0.1/' is not a Redis address "
                                              "like redis://127.0.0.1:6379/0\n")
    assert not (county.parent / "out").exists()


def test_when_the_online_voice_fails_villages_fall_back_and_the_report_counts_it(tmp_path, fake_engine, run_cli):
    class Online(FakeEngine):
        needs_network = True

    online = Online("online", fail_when=lambda text: "柳湾" in text)  # fails one village's own items only
    base.register_engine("online", lambda: online, replace=True)
    try:
        county = make_county(tmp_path / "county")
        script = county.parent / "villages" / "liuwan.yaml"
        script.write_text(village_script("柳湾村", engine="online").replace("fallback: [online]", "fallback: [fake]"),
                          encoding="utf-8")
        code, out, err = run_cli("county", "render", str(county), "--date", DAY.isoformat(), "--concurrency", "1")
    finally:
        base.unregister_engine("online")
    assert code == 0, err
    report = json.loads((county.parent / "out" / "county-2026-12-07.json").read_text(encoding="utf-8"))
    rows = {v["name"]: (v["status"], v["fallbacks"]) for v in report["villages"]}
    assert rows == {"hudong": ("done", 0), "liuwan": ("done", 2), "shiqiao": ("done", 0)}
    run = json.loads((county.parent / "out" / "liuwan" / "run.json").read_text(encoding="utf-8"))
    assert [f["from"] for f in run["fallbacks"]] == ["online", "online"]
    assert report["failed_segments"] == 2  # the segment task could not make them; the village's render fell back
