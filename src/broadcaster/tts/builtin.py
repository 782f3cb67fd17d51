"""Registers the built-in engines. Imports stay inside the factories so that
`broadcaster check` and the tests never load a model they do not use."""
from __future__ import annotations

from broadcaster.tts.base import register_engine


def _kokoro():
    from broadcaster.tts.kokoro import KokoroEngine

    return KokoroEngine()


def _edge():
    from broadcaster.tts.edge import EdgeEngine

    return EdgeEngine()


register_engine("kokoro", _kokoro)
register_engine("edge", _edge)
