"""Fixtures for the edge engine tests. Nothing here reaches the network: every
edge-tts address points at 127.0.0.1 (a fake service or a closed port)."""
from __future__ import annotations

import os
import sys

import pytest

if os.path.dirname(__file__) not in sys.path:
    sys.path.append(os.path.dirname(__file__))  # for `import fake_service`

from fake_service import FAST, FakeEdgeService, closed_port_url  # noqa: E402


@pytest.fixture(autouse=True)
def _never_microsoft(monkeypatch):
    """Point edge-tts at a closed local port unless a test says otherwise, and undo
    what edge-tts and the engine change process-wide."""
    import edge_tts.communicate
    import edge_tts.voices
    from edge_tts.drm import DRM

    for name in list(os.environ):
        if name.startswith("BROADCASTER_EDGE_"):
            monkeypatch.delenv(name)
    dead = closed_port_url()
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", dead)
    monkeypatch.setattr(edge_tts.voices, "VOICE_LIST", dead.replace("ws://", "http://"))
    skew = DRM.clock_skew_seconds
    yield
    DRM.clock_skew_seconds = skew


@pytest.fixture
def fake_edge():
    """Start fake services: ``svc = fake_edge(faults=..., latency_s=...)``; stopped after the test."""
    started: list[FakeEdgeService] = []

    def start(*args, **kwargs) -> FakeEdgeService:
        wait = kwargs.pop("wait_listening", None)
        svc = FakeEdgeService(*args, **kwargs)
        started.append(svc)
        return svc.start(wait_listening=wait)

    yield start
    for svc in started:
        svc.stop()




@pytest.fixture
def engine_for():
    """``engine_for(svc_or_url, **options)``: an EdgeEngine with tiny backoffs and timeouts."""
    from broadcaster.synthesise.engines.edge import EdgeEngine

    def make(target, **kwargs) -> EdgeEngine:
        url = target if isinstance(target, str) else target.url
        return EdgeEngine(wss_url=url, **{**FAST, **kwargs})

    return make
