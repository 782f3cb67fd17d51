"""Shared fixtures: a private cache per test and fake engines registered
through the real registry. No test touches the network."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from broadcaster.synthesise.engines import base  # noqa: E402
from support import SHARED, FakeEngine  # noqa: E402


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("BROADCASTER_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def fake_engine():
    engine = FakeEngine()
    base.register_engine("fake", lambda: engine, replace=True)
    yield engine
    base.unregister_engine("fake")


@pytest.fixture
def backup_engine():
    engine = FakeEngine("backup", tone_hz=330.0)
    base.register_engine("backup", lambda: engine, replace=True)
    yield engine
    base.unregister_engine("backup")


@pytest.fixture
def shared_dir():
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in this process (so fakes are registered); returns (code, out, err)."""
    from broadcaster.cli import main

    def run(*args: str):
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def app(tmp_path):
    """The web app on a fresh data folder, its job runner running (the web tests)."""
    from web_support import running_app

    with running_app(tmp_path / "data") as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()
