"""`broadcaster render` with the edge engine against the fake service.

The render runs in this process (so the fake fallback engine "backup" from
tests/conftest.py is registered), except one test that runs the real command in
a subprocess, pointed at the fake through BROADCASTER_EDGE_WSS_URL.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from broadcaster.synthesise.engines import base
from broadcaster.synthesise.engines.edge import EdgeEngine
from fake_service import FAST, FAULTS, every_nth

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """\
title: 边缘测试广播
date: 2026-11-30
station: 测试广播站
voice: {{engine: edge}}
fallback: [{fallback}]
items:
  - jingle: chime
  - text: 各位村民请注意，现在开始广播。今天天气晴。
    title: 开始
  - text: 明天上午八点到十二点停水，请大家提前储水。停水期间请关好水龙头。
    title: 停水通知
  - text: 近期天气干燥，上山不要带火种。严防森林火灾！
    title: 防火
  - pause: 0.5
  - text: 新农合缴费将于本月底截止。请尚未缴费的村民抓紧办理。
    title: 缴费
  - text: 以上是今天的广播，谢谢收听。
    title: 结束
  - jingle: chime-end
"""
SPOKEN_TITLES = ["开始", "停水通知", "防火", "缴费", "结束"]


@pytest.fixture
def edge_at(monkeypatch):
    """Register an "edge" engine pointed at a fake service (tiny backoffs)."""

    base.engine_names()  # load the built-ins first, or they would clash with the replacement

    def use(svc, **kwargs) -> EdgeEngine:
        engine = EdgeEngine(wss_url=svc.url, **{**FAST, **kwargs})
        base.register_engine("edge", lambda: engine, replace=True)
        return engine

    yield use
    base.register_engine("edge", base.builtin_factory("edge"), replace=True)


def script_at(folder: Path, fallback: str = "backup") -> Path:
    path = folder / "programme.yaml"
    path.write_text(SCRIPT.format(fallback=fallback), encoding="utf-8")
    return path


def render(run_cli, script: Path, out: Path, *extra: str):
    code, stdout, stderr = run_cli("render", str(script), "--out", str(out), "--quiet", *extra)
    manifest = json.loads((out / "manifest.json").read_text("utf-8")) if (out / "manifest.json").exists() else None
    return code, stdout, stderr, manifest


def spoken(manifest: dict) -> list[dict]:
    return [item for item in manifest["items"] if item.get("segments")]


def test_faults_on_a_third_of_requests_still_render_everything_with_edge(
    tmp_path, fake_edge, edge_at, run_cli, backup_engine, monkeypatch
):
    script = script_at(tmp_path)
    # a reference render without faults, with its own cache
    monkeypatch.setenv("BROADCASTER_CACHE_DIR", str(tmp_path / "cache-ref"))
    clean = fake_edge()
    edge_at(clean)
    code, out, err, ref = render(run_cli, script, tmp_path / "ref")
    assert code == 0, err

    monkeypatch.setenv("BROADCASTER_CACHE_DIR", str(tmp_path / "cache-faults"))
    faulty = fake_edge(faults=every_nth(FAULTS, 3), max_faults_per_text=1)
    engine = edge_at(faulty, receive_timeout_s=0.3)
    code, out, err, got = render(run_cli, script, tmp_path / "faults")
    assert code == 0, err
    assert "fell back" not in out
    assert backup_engine.calls == []

    assert faulty.fault_counts, "no faults were injected"
    assert engine.last_stats["retries"] >= 1 and engine.last_stats["failed"] == 0
    assert [i["title"] for i in spoken(got)] == SPOKEN_TITLES
    for ref_item, item in zip(spoken(ref), spoken(got)):
        assert item["engine"] == "edge" and item["fallback"] is None
        assert [s["engine"] for s in item["segments"]] == ["edge"] * len(item["segments"])
        # every segment at the length the undisturbed service gave it
        assert [s["duration_s"] for s in item["segments"]] == pytest.approx(
            [s["duration_s"] for s in ref_item["segments"]], abs=0.005
        )
        assert item["duration_s"] == pytest.approx(ref_item["duration_s"], abs=0.005)
    assert got["duration_s"] == pytest.approx(ref["duration_s"], abs=0.01)
    assert (tmp_path / "faults" / "programme.mp3").stat().st_size > 10_000


def test_every_request_failing_renders_with_the_fallback(tmp_path, fake_edge, edge_at, run_cli, backup_engine):
    svc = fake_edge(faults="503")
    edge_at(svc, attempts=2)
    code, out, err, manifest = render(run_cli, script_at(tmp_path), tmp_path / "out")
    assert code == 0, err
    items = spoken(manifest)
    assert [i["title"] for i in items] == SPOKEN_TITLES
    for item in items:
        assert item["engine"] == "backup"
        assert [s["engine"] for s in item["segments"]] == ["backup"] * len(item["segments"])
        assert item["fallback"]["from_engine"] == "edge"
        assert "503" in item["fallback"]["reason"] or "gave up" in item["fallback"]["reason"]
    assert f"{len(SPOKEN_TITLES)} item(s) fell back to another engine" in out
    assert len(backup_engine.calls) == sum(len(i["segments"]) for i in items)


def test_truncated_audio_on_every_request_falls_back_too(tmp_path, fake_edge, edge_at, run_cli, backup_engine):
    svc = fake_edge(faults="early_end")
    edge_at(svc, attempts=2)
    code, out, err, manifest = render(run_cli, script_at(tmp_path), tmp_path / "out")
    assert code == 0, err
    assert all(i["engine"] == "backup" for i in spoken(manifest))
    assert "truncated" in spoken(manifest)[0]["fallback"]["reason"]


def test_strict_fails_instead_of_falling_back(tmp_path, fake_edge, edge_at, run_cli, backup_engine):
    svc = fake_edge(faults="503")
    edge_at(svc, attempts=2)
    code, out, err, manifest = render(run_cli, script_at(tmp_path), tmp_path / "out", "--strict")
    assert code == 1
    assert "--strict" in err and "fell back from edge" in err
    assert manifest is None


def test_offline_never_connects(tmp_path, fake_edge, edge_at, run_cli, backup_engine):
    svc = fake_edge()
    edge_at(svc)
    code, out, err, manifest = render(run_cli, script_at(tmp_path), tmp_path / "out", "--offline")
    assert code == 0, err
    assert svc.stats()["connections"] == 0
    assert all(i["engine"] == "backup" for i in spoken(manifest))


def test_cli_subprocess_uses_the_service_from_the_environment(tmp_path, fake_edge):
    """The real command, in its own process, with the kokoro fallback configured
    (it is never needed: every fault is retried away)."""
    svc = fake_edge(faults=every_nth(FAULTS, 3), max_faults_per_text=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_EDGE_")}
    env.update(
        BROADCASTER_EDGE_WSS_URL=svc.url,
        BROADCASTER_EDGE_BACKOFF_S="0.01",
        BROADCASTER_EDGE_BACKOFF_CAP_S="0.05",
        BROADCASTER_EDGE_RECEIVE_TIMEOUT_S="0.5",
        BROADCASTER_EDGE_CONNECT_TIMEOUT_S="1",
        BROADCASTER_CACHE_DIR=str(tmp_path / "cache"),
        PYTHONPATH=str(REPO / "src"),
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "broadcaster", "render", str(script_at(tmp_path, "kokoro")), "--out", str(out), "--quiet"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    items = spoken(manifest)
    assert [i["title"] for i in items] == SPOKEN_TITLES
    assert all(i["engine"] == "edge" and i["fallback"] is None for i in items)
    assert svc.stats()["connections"] >= sum(len(i["segments"]) for i in items)
    assert svc.fault_counts


def test_dictionary_readings_reach_edge_as_text_and_the_manifest_says_how(tmp_path, fake_edge, edge_at, run_cli, monkeypatch):
    monkeypatch.setenv("BROADCASTER_CACHE_DIR", str(tmp_path / "cache"))
    script = tmp_path / "programme.yaml"
    script.write_text(
        "title: 词典读音\ndate: 2026-11-30\nvoice: {engine: edge}\nfallback: []\n"
        "lexicon:\n  溱潼: {pinyin: qin2 tong2}\n"
        "items:\n  - text: 溱潼镇的村民请注意。\n    title: 通知\n  - text: 今天天气晴。\n    title: 天气\n",
        encoding="utf-8",
    )
    svc = fake_edge()
    edge_at(svc)
    code, out, err, manifest = render(run_cli, script, tmp_path / "out")
    assert code == 0, err
    assert sorted(svc.stats()["texts"]) == ["今天天气晴。", "秦铜镇的村民请注意。"]
    notice, weather = spoken(manifest)
    assert notice["segments"][0]["spoken"] == "溱潼镇的村民请注意。"  # captions keep the word
    assert notice["segments"][0]["reading_notes"] == ["edge: 溱潼 (qin2 tong2) sent as 秦铜"]
    assert "reading_notes" not in weather["segments"][0]
