"""Faults from the service: each alone, mixed, on every request; concurrency bounds;
the truncation check on its own."""
from __future__ import annotations

import time

import numpy as np
import pytest

from broadcaster.errors import SynthesisError
from broadcaster.model import SentenceMark, Speech, SpeechRequest, Voice
from broadcaster.synthesise.engines.edge_truncation import truncation_problem
from fake_service import FAULTS, HANDSHAKE_FAULTS, LEAD_S, TAIL_S, closed_port_url, every_nth

TEXT = "各位村民请注意，今天下午三点在村委会召开会议。请准时参加！"


def expected_s(text: str, rate_factor: float = 1.0) -> float:
    return LEAD_S + len(text) * 0.22 / rate_factor + TAIL_S


def req(text: str) -> SpeechRequest:
    return SpeechRequest(text, Voice("edge"))


def assert_full(speech, text: str) -> None:
    assert not isinstance(speech, Exception), repr(speech)
    assert speech.duration_s == pytest.approx(expected_s(text), abs=0.12)
    assert speech.marks, "sentence marks missing"
    assert "".join(m.text for m in speech.marks) == text


# Schedules by connection number. edge-tts itself reconnects once after a 403
# (to correct its clock), so a 403 reaches the engine only when two come in a row.
SINGLE = {
    "403": {0: "403", 1: "403"},
    "503": {0: "503"},
    "reset": {0: "reset", 1: "reset"},  # aiohttp also re-sends a GET once on a fresh connection
    "noaudio": {0: "noaudio"},
    "drop": {0: "drop"},
    "abort": {0: "abort"},
    "early_end": {0: "early_end"},
    "stall": {0: "stall"},
}


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_alone_recovers_by_retry(fault, fake_edge, engine_for):
    svc = fake_edge(faults=SINGLE[fault])
    engine = engine_for(svc, concurrency=1)
    started = time.monotonic()
    [speech] = engine.synthesize_many([req(TEXT)])
    assert_full(speech, TEXT)
    assert svc.fault_counts.get(fault, 0) >= 1
    assert engine.last_stats["retries"] >= 1
    # the retry happened inside the engine, within the receive timeout for a stall
    assert time.monotonic() - started < 3
    if fault in ("drop", "abort", "early_end"):
        assert engine.last_stats["errors"] == {"TruncatedAudio": 1}


def test_refused_connection_recovers_when_the_service_comes_up(fake_edge, engine_for):
    svc = fake_edge(refuse_for_s=0.4, wait_listening=False)
    # probe off: the engine's own retries meet the refusals (with the probe on, the
    # probe waits them out: test_edge_network_down.py)
    engine = engine_for(svc, attempts=8, backoff_base_s=0.05, backoff_cap_s=0.2, probe_s=0)
    [speech] = engine.synthesize_many([req(TEXT)])
    assert_full(speech, TEXT)
    assert engine.last_stats["errors"].get("ClientConnectorError", 0) >= 1


def test_mixed_faults_on_a_third_of_requests_all_recover(fake_edge, engine_for):
    texts = [f"第{i}号通知：今天下午{i % 12 + 1}点在村委会开会，请准时参加。" for i in range(24)]
    # every third connection fails, cycling through all the faults; stream faults at
    # most once per text and three handshake kinds, so five attempts always suffice
    svc = fake_edge(faults=every_nth(FAULTS, 3), max_faults_per_text=1)
    engine = engine_for(svc, concurrency=4, receive_timeout_s=0.3)
    done = []
    results = engine.synthesize_many([req(t) for t in texts], progress=done.append)
    assert len(done) == len(texts)
    for text, speech in zip(texts, results):
        assert_full(speech, text)
    counts = svc.fault_counts
    assert sum(counts.values()) >= len(texts) // 3
    assert set(counts) & set(HANDSHAKE_FAULTS) and set(counts) - set(HANDSHAKE_FAULTS)
    assert engine.last_stats["failed"] == 0


@pytest.mark.parametrize("fault", ["503", "noaudio", "drop", "early_end", "stall", "refused"])
def test_fault_on_every_request_returns_exceptions_quickly(fault, fake_edge, engine_for):
    url = closed_port_url() if fault == "refused" else fake_edge(faults=fault).url
    engine = engine_for(url, attempts=3, receive_timeout_s=0.2, connect_timeout_s=0.3)
    done = []
    started = time.monotonic()
    results = engine.synthesize_many([req(f"第{i}条。今天停水。") for i in range(16)], progress=done.append)
    assert time.monotonic() - started < 4
    assert len(done) == 16
    assert all(isinstance(r, SynthesisError) for r in results), results
    if fault in ("drop", "early_end"):
        assert "truncated" in str(results[0])
    # once twelve attempts in a row had failed the rest were given up without
    # new connections
    assert engine.last_stats["short_circuited"] >= 1
    assert "gave up on the service" in str(results[-1])
    assert engine.last_stats["attempts"] < 16 * 3


def test_without_the_breaker_every_request_uses_every_attempt(fake_edge, engine_for):
    svc = fake_edge(faults="503")
    engine = engine_for(svc, attempts=3, breaker_after=0)
    results = engine.synthesize_many([req(f"第{i}条。") for i in range(5)])
    assert all(isinstance(r, SynthesisError) and "HTTP 503" in str(r) for r in results)
    assert svc.stats()["connections"] == 5 * 3


def test_a_text_that_always_fails_does_not_stop_the_others(fake_edge, engine_for):
    svc = fake_edge(text_faults={"坏": "noaudio"})
    engine = engine_for(svc, attempts=3)
    texts = ["坏消息一。"] + [f"第{i}条好消息。" for i in range(6)] + ["坏消息二。"]
    results = engine.synthesize_many([req(t) for t in texts])
    for text, r in zip(texts, results):
        if "坏" in text:
            assert isinstance(r, SynthesisError) and "NoAudioReceived" in str(r)
            assert isinstance(r.__cause__, Exception)
        else:
            assert_full(r, text)
    assert svc.stats()["texts"].count("坏消息一。") == 3
    assert engine.last_stats["short_circuited"] == 0


def test_client_errors_other_than_403_are_not_retried(fake_edge, engine_for):
    svc = fake_edge()
    engine = engine_for(svc.url.replace("/edge/v1", "/nowhere"), attempts=5)
    [result] = engine.synthesize_many([req("没有这个地址。")])
    assert isinstance(result, SynthesisError) and "HTTP 404" in str(result)
    assert engine.last_stats["attempts"] == 1


@pytest.mark.parametrize("limit", [1, 3])
def test_concurrency_is_bounded(limit, fake_edge, engine_for):
    svc = fake_edge(latency_s=0.08)
    engine = engine_for(svc, concurrency=limit)
    results = engine.synthesize_many([req(f"第{i}条。") for i in range(9)])
    assert not any(isinstance(r, Exception) for r in results)
    assert svc.stats()["connections"] == 9
    assert svc.max_active == limit


def test_concurrency_bound_holds_during_retries(fake_edge, engine_for):
    svc = fake_edge(faults=every_nth(["503", "drop", "stall"], 2), latency_s=0.03)
    engine = engine_for(svc, concurrency=2, receive_timeout_s=0.2)
    results = engine.synthesize_many([req(f"第{i}条通知。") for i in range(8)])
    assert not any(isinstance(r, Exception) for r in results)
    assert svc.max_active <= 2


def test_concurrent_is_faster_than_serial(fake_edge, engine_for):
    svc = fake_edge(latency_s=0.15)
    texts = [f"第{i}条。" for i in range(8)]
    svc.prewarm(texts)
    t0 = time.monotonic()
    engine_for(svc, concurrency=1).synthesize_many([req(t) for t in texts])
    serial = time.monotonic() - t0
    t0 = time.monotonic()
    engine_for(svc, concurrency=4).synthesize_many([req(t) for t in texts])
    concurrent = time.monotonic() - t0
    assert serial >= 8 * 0.15
    assert concurrent < serial / 2


# --- the truncation check alone ----------------------------------------------------


def speech_of(seconds: float, marks=()) -> Speech:
    return Speech(np.zeros(int(seconds * 24_000), dtype=np.float32), 24_000, list(marks))


@pytest.mark.parametrize("chars_per_s,rate", [(3.0, 1.0), (6.0, 1.0), (8.0, 1.0), (12.0, 2.0), (2.0, 0.5)])
def test_real_speaking_rates_never_count_as_truncated(chars_per_s, rate):
    text = "各位村民请注意今天下午三点在村委会召开会议请准时参加" * 2
    seconds = len(text) / chars_per_s
    mark = SentenceMark(0.1, seconds - 0.2, text)
    assert truncation_problem(speech_of(seconds, [mark]), text, rate) is None


def test_short_audio_counts_as_truncated():
    text = "各位村民请注意今天下午三点在村委会召开会议请准时参加"
    assert "expected" in truncation_problem(speech_of(1.5), text, 1.0)
    mark = SentenceMark(0.1, 5.0, text)
    assert "sentence boundary" in truncation_problem(speech_of(4.0, [mark]), text, 1.0)
    assert "closed before the end" in truncation_problem(speech_of(6.0, [mark]), text, 1.0, turn_ended=False)
    # enough audio, but the boundaries stop after the first sentence
    two = "今天下午三点开会。请大家准时参加！"
    first = SentenceMark(0.1, 2.0, "今天下午三点开会。")
    assert "boundaries stop before '请大家" in truncation_problem(speech_of(2.4, [first]), two, 1.0)
    # boundaries the service reports differently give no opinion
    other = SentenceMark(0.1, 2.0, "今天下午3点开会。")
    assert truncation_problem(speech_of(4.0, [other]), two, 1.0) is None
    # a short clip for a short text is fine
    assert truncation_problem(speech_of(0.5), "好。", 1.0) is None


def test_bench_helper_reports_serial_and_concurrent_times():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_edge.py"
    spec = importlib.util.spec_from_file_location("bench_edge", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.run_edge_bench(segments=8, latency_s=0.1, connections=4)
    assert result["edge_segments"] == 8 and result["edge_latency_s"] == 0.1
    assert result["edge_serial_s"] >= 8 * 0.1
    assert result["edge_speedup"] == pytest.approx(result["edge_serial_s"] / result["edge_concurrent_s"], rel=0.02)
    # How much faster it is depends on the machine's load: that is the
    # benchmark's to say. What the test holds is that 4 connections were used.
    assert result["edge_max_connections"] == 4
