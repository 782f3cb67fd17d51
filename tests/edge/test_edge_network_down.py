"""Network down: one quick probe, then the fallback at once (issue 23).

A refused, unresolvable or black-holed service trips the breaker after the
probe, before any websocket attempt; a service that answers the probe keeps
the retries of test_edge_faults.py. No timing assertions: the times are in
scripts/bench_edge_down.py.
"""
from __future__ import annotations

import asyncio
import json
import socket

import pytest

from broadcaster.errors import SynthesisError
from broadcaster.model import SpeechRequest, Voice
from broadcaster.synthesise.engines import base
from broadcaster.synthesise.engines.edge import EdgeEngine
from broadcaster.synthesise.engines.edge_probe import NetworkDown, host_port, probe
from fake_service import FAST, AcceptsSilent, SynDropped, closed_port_url

TEXTS = [f"第{i}条。明天上午八点到十二点停水，请大家提前储水。" for i in range(6)]


def reqs(texts=TEXTS) -> list[SpeechRequest]:
    return [SpeechRequest(t, Voice("edge")) for t in texts]


def assert_all_gave_up_on_the_network(engine: EdgeEngine, results, why: str) -> None:
    assert all(isinstance(r, SynthesisError) for r in results), results
    for r in results:
        assert "gave up on the service before trying it: the network looks down" in str(r)
        assert why in str(r)
    stats = engine.last_stats
    # the breaker tripped on the probe: not one websocket attempt, every request short-circuited
    assert stats["attempts"] == 0
    assert stats["short_circuited"] == len(results)
    assert stats["errors"] == {}


def test_refused_trips_the_breaker_before_any_attempt(engine_for):
    url = closed_port_url()
    engine = engine_for(url, probe_s=0.5)
    results = engine.synthesize_many(reqs())
    host, port = host_port(url)
    assert_all_gave_up_on_the_network(engine, results, f"cannot connect to {host}:{port} (Connection refused)")
    # refusals are tried again within the probe's budget, never past it
    assert 1 <= engine.last_stats["probe_tries"] <= 4


def test_a_black_holed_connection_trips_the_breaker_after_one_probe(engine_for):
    hole = SynDropped()
    try:
        engine = engine_for(hole.url, probe_s=0.3)
        results = engine.synthesize_many(reqs())
    finally:
        hole.close()
    assert_all_gave_up_on_the_network(engine, results, "(connection timed out)")
    assert engine.last_stats["probe_tries"] == 1


def test_without_the_probe_the_same_dead_port_goes_through_the_retries(engine_for):
    engine = engine_for(closed_port_url(), probe_s=0, attempts=2)
    results = engine.synthesize_many(reqs())
    assert all(isinstance(r, SynthesisError) for r in results)
    assert engine.last_stats["probe_tries"] == 0
    assert engine.last_stats["attempts"] >= 2
    assert engine.last_stats["errors"].get("ClientConnectorError", 0) >= 2


def test_an_unresolvable_host_is_network_down():
    calls = []

    async def no_such_host(host: str, port: int):
        calls.append((host, port))
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(NetworkDown) as info:
        asyncio.run(probe("wss://edge.example.invalid/x?y=1", 0.5, pause_s=0.2, opener=no_such_host))
    assert str(info.value) == "the network looks down: cannot resolve edge.example.invalid (Name or service not known)"
    assert info.value.tries == len(calls) >= 2
    assert set(calls) == {("edge.example.invalid", 443)}


def test_a_service_that_answers_the_probe_keeps_its_retries(fake_edge, engine_for):
    svc = fake_edge(faults={0: "503", 1: "503"})
    engine = engine_for(svc, concurrency=1, probe_s=2)
    [speech] = engine.synthesize_many(reqs(TEXTS[:1]))
    assert not isinstance(speech, Exception), speech
    stats = engine.last_stats
    assert stats["probe_tries"] == 1
    assert stats["retries"] == 2 and stats["attempts"] == 3
    # the probe is a bare TCP connection: the service saw only the three websocket requests
    assert svc.stats()["connections"] == 3


def test_a_service_failing_everything_after_the_probe_uses_the_normal_breaker(fake_edge, engine_for):
    svc = fake_edge(faults="503")
    engine = engine_for(svc, attempts=3, probe_s=2)
    results = engine.synthesize_many(reqs())
    assert engine.last_stats["probe_tries"] == 1
    assert engine.last_stats["attempts"] >= 3
    assert all(isinstance(r, SynthesisError) for r in results)
    assert "network" not in str(results[0]) and "HTTP 503" in str(results[0])


def test_a_silent_listener_is_not_network_down(engine_for):
    # the TCP connection works, so the retries decide (each attempt times out)
    silent = AcceptsSilent()
    try:
        engine = engine_for(silent.url, attempts=2, probe_s=1, receive_timeout_s=0.2, connect_timeout_s=0.2)
        results = engine.synthesize_many(reqs(TEXTS[:1]))
    finally:
        silent.close()
    assert isinstance(results[0], SynthesisError) and "network looks down" not in str(results[0])
    assert engine.last_stats["probe_tries"] == 1 and engine.last_stats["attempts"] == 2


def test_a_service_starting_late_is_waited_for_within_the_probe(fake_edge, engine_for):
    svc = fake_edge(refuse_for_s=1.0, wait_listening=False)
    engine = engine_for(svc, probe_s=6)
    [speech] = engine.synthesize_many(reqs(TEXTS[:1]))
    assert not isinstance(speech, Exception), speech
    stats = engine.last_stats
    assert stats["probe_tries"] >= 2  # refused at least once, then connected
    assert stats["attempts"] == 1 and stats["errors"] == {}


def test_empty_texts_need_no_probe(engine_for):
    engine = engine_for(closed_port_url(), probe_s=0.5)
    results = engine.synthesize_many(reqs(["", "  "]))
    assert [r.duration_s for r in results] == [0, 0]
    assert engine.last_stats["probe_tries"] == 0


def test_a_negative_probe_setting_is_an_input_error(monkeypatch):
    from broadcaster.errors import InputError

    with pytest.raises(InputError):
        EdgeEngine(probe_s=-1)
    monkeypatch.setenv("BROADCASTER_EDGE_PROBE_S", "-1")
    with pytest.raises(InputError):
        EdgeEngine()


SCRIPT = """\
title: 断网测试
date: 2026-12-07
voice: {engine: edge}
fallback: [backup]
items:
  - text: 各位村民请注意，明天上午停水。
    title: 停水
  - text: 近期天气干燥，上山不要带火种。
    title: 防火
"""


def test_a_render_with_the_network_down_falls_back_naming_the_network(tmp_path, run_cli, backup_engine):
    base.engine_names()  # the built-ins first, or they would clash with the replacement
    engine = EdgeEngine(wss_url=closed_port_url(), **{**FAST, "probe_s": 0.5})
    base.register_engine("edge", lambda: engine, replace=True)
    try:
        script = tmp_path / "p.yaml"
        script.write_text(SCRIPT, encoding="utf-8")
        code, out, err = run_cli("render", str(script), "--out", str(tmp_path / "out"), "--quiet")
    finally:
        base.register_engine("edge", base.builtin_factory("edge"), replace=True)
    assert code == 0, err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    items = [i for i in manifest["items"] if i.get("segments")]
    assert [i["title"] for i in items] == ["停水", "防火"]
    for item in items:
        assert item["engine"] == "backup"
        assert item["fallback"]["from_engine"] == "edge"
        assert "the network looks down: cannot connect to 127.0.0.1:" in item["fallback"]["reason"]
    assert engine.last_stats["attempts"] == 0
    assert "2 item(s) fell back to another engine" in out
