"""Fixtures for the text front-end tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from text_helpers import SHARED


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared files not present at {SHARED}")
    return SHARED


@pytest.fixture(autouse=True)
def _no_env_lexicon(monkeypatch):
    """A developer's own BROADCASTER_LEXICON must not change test results."""
    monkeypatch.delenv("BROADCASTER_LEXICON", raising=False)
