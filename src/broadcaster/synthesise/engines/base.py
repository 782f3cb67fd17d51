"""The engine interface and the registry of engines (the values they exchange are in `model.speech`).

Every engine, built-in or a test fake, is registered the same way:

    from broadcaster.synthesise.engines.base import register_engine
    register_engine("fake", lambda: FakeEngine())

and looked up with `get_engine("fake")` (voices, defaults) or, to
synthesise, through an `EngineSession`, which makes the engines one render
uses and releases them when the render is done.
"""
from __future__ import annotations

import importlib
import threading
from typing import Callable, Protocol, Sequence, runtime_checkable


from broadcaster.errors import BroadcasterError, InputError
from broadcaster.model.speech import Speech, SpeechRequest, Voice, VoiceInfo

Progress = Callable[[int], None]
"""Called with the number of requests just finished (usually 1)."""

ResultSink = Callable[[int, "Speech"], None]
"""Called with a request's index and its speech as soon as that request is
done, before the whole batch is: the render stores it at once, so that a
render killed half-way keeps what was made. May be called on any thread."""


@runtime_checkable
class Engine(Protocol):
    """What the render needs from a speech engine."""

    name: str

    def model_id(self) -> str:
        """Identifies the model/service version; part of the cache key."""

    def default_voice(self) -> str:
        """The voice name used when a script gives none."""

    def check_voice(self, voice: Voice) -> None:
        """Raise InputError when this engine cannot speak with `voice`."""

    def list_voices(self) -> tuple[list[VoiceInfo], str]:
        """The voices, and a note on where the list came from ("" if live)."""

    def synthesize_many(
        self, requests: Sequence[SpeechRequest], progress: Progress | None = None, on_result: ResultSink | None = None
    ) -> list[Speech | Exception]:
        """Speak every request; a failed one is returned as its exception.
        Each finished one is also handed to `on_result` as soon as it is done.

        The engine does its own retries; an exception here means it gave up
        on that request, and the render falls back for the whole item.
        """

    # Optional: `release()` frees what the engine holds (a model session);
    # called when the EngineSession that made the engine is closed.


EngineFactory = Callable[[], Engine]
_factories: dict[str, EngineFactory] = {}
_instances: dict[str, Engine] = {}
_instances_lock = threading.Lock()


def register_engine(name: str, factory: EngineFactory, *, replace: bool = False) -> None:
    """Make an engine available under `name`; created on first use."""
    # Built-ins first, so that a fake replacing one of them is not itself
    # replaced when the built-ins load later. (While the built-in module is
    # registering, the flag is already set and this returns at once.)
    _load_builtins()
    if name in _factories and not replace:
        raise ValueError(f"engine {name!r} is already registered")
    _factories[name] = factory
    _instances.pop(name, None)


def unregister_engine(name: str) -> None:
    _factories.pop(name, None)
    _instances.pop(name, None)


def engine_names() -> list[str]:
    _load_builtins()
    return sorted(_factories)


def _factory(name: str) -> EngineFactory:
    _load_builtins()
    if name not in _factories:
        raise InputError(f"unknown engine {name!r}; known: {', '.join(sorted(_factories))}")
    return _factories[name]


def get_engine(name: str) -> Engine:
    """The engine `name`, to ask about its voices and defaults (one per
    process). Synthesis uses the engines of an EngineSession instead, so
    that no model is shared between renders."""
    factory = _factory(name)
    with _instances_lock:
        if name not in _instances:
            _instances[name] = factory()
        return _instances[name]


class EngineSession:
    """The engines one render synthesises with: made for it on first use,
    released (their models dropped) when it closes. Two renders at once each
    have their own, so one finishing never pulls a model away from the other.

        with EngineSession() as engines:
            engines.get("kokoro").synthesize_many(requests)
    """

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Engine:
        factory = _factory(name)
        with self._lock:
            if name not in self._engines:
                self._engines[name] = factory()
            return self._engines[name]

    def start_loading(self, name: str) -> None:
        """Let engine `name` begin loading its model in the background, if it
        can (an optional `start_loading()`); an unknown name is left for
        synthesis to report."""
        try:
            engine = self.get(name)
        except BroadcasterError:
            return
        start = getattr(engine, "start_loading", None)
        if start is not None:
            start()

    def close(self) -> None:
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            release = getattr(engine, "release", None)
            if release is not None:
                release()

    def __enter__(self) -> "EngineSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# The built-in engines, as "module:class": imported only when an engine is
# made, so that `broadcaster check` and the tests never load a model they do
# not use. They come in through the same registry as fakes and plug-ins.
BUILTIN_ENGINES = {"kokoro": "broadcaster.synthesise.engines.kokoro:KokoroEngine", "edge": "broadcaster.synthesise.engines.edge:EdgeEngine"}
_builtins_loaded = False


def builtin_factory(name: str) -> EngineFactory:
    """The factory of built-in engine `name` (to put it back after a test replaced it)."""
    module, cls = BUILTIN_ENGINES[name].split(":")

    def make() -> Engine:
        return getattr(importlib.import_module(module), cls)()

    return make


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    for name in BUILTIN_ENGINES:
        _factories[name] = builtin_factory(name)


def resolve_voice(voice: Voice) -> Voice:
    """Fill in the engine's default voice name and check the voice."""
    engine = get_engine(voice.engine)
    if voice.name is None:
        voice = Voice(voice.engine, engine.default_voice(), voice.rate, voice.volume, voice.pitch)
    engine.check_voice(voice)
    return voice
