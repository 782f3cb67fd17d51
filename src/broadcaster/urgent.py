"""An urgent notice (`say --urgent`, the web's 紧急插播): a tone, then the text, said again.

The layout comes from the sound profile's `urgent` setting
(`profiles.UrgentStyle`, by default `{tone: alert, repeat: 2, pause_s: 1.5}`):

    tone │ pause_s │ text │ pause_s │ text          (repeat: 2)

It is an ordinary programme of jingle, pause and text items, rendered by
`render_programme` at the profile's loudness, so it sounds like the
station's other broadcasts; only programme.mp3 is written (item files, the
programme sheet and the manifest would cost seconds nobody has). The text
is synthesised once: the render makes a segment asked for twice only once.

An urgent notice never waits on the network: a voice whose engine needs it
(edge) is replaced by the offline engine's default voice at the same rate,
and the render runs offline.

    >>> [i.kind for i in urgent_programme("今晚有大风。", Voice("kokoro"), LOUDSPEAKER).items]
    ['jingle', 'pause', 'text', 'pause', 'text']
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from broadcaster.durable import write_atomic
from broadcaster.errors import BroadcasterError, InputError
from broadcaster.package.audio_files import ProgrammeAudioPackager
from broadcaster.model import JingleItem, PauseItem, Programme, TextItem, Voice
from broadcaster.profiles import LOUDSPEAKER, SoundProfile
from broadcaster.render import RenderResult, Reporter, render_programme
from broadcaster.synthesise.cache import SegmentCache
from broadcaster.synthesise.engines.base import EngineSession, get_engine, resolve_voice

OFFLINE_ENGINE = "kokoro"  # the engine that is always there (the default fallback)
TONE_TITLE = "提示音"


def needs_network(engine_name: str) -> bool:
    return bool(getattr(get_engine(engine_name), "needs_network", False))


def offline_voice(voice: Voice, offline_engine: str = OFFLINE_ENGINE) -> tuple[Voice, str | None]:
    """`voice` when its engine works offline; else the offline engine's
    default voice (at the same rate when it can take it) and a note saying so."""
    if not needs_network(voice.engine):
        return voice, None
    try:
        chosen = resolve_voice(Voice(offline_engine, None, voice.rate))
    except InputError:
        chosen = resolve_voice(Voice(offline_engine))
    note = (f"an urgent notice never waits on the network: speaking with the offline voice "
            f"{chosen.engine}:{chosen.name} instead of {voice.engine}:{voice.name or 'default'}")
    return chosen, note


def urgent_programme(text: str, voice: Voice, profile: SoundProfile = LOUDSPEAKER, *, date: dt.date | None = None,
                     title: str | None = None) -> Programme:
    """The notice as a programme: the tone, then (pause, text) `repeat` times."""
    if not text.strip():
        raise InputError("the notice is empty")
    style = profile.urgent
    items: list = [JingleItem(index=1, where="urgent", title=TONE_TITLE, builtin=style.tone)]
    for _ in range(style.repeat):
        items.append(PauseItem(index=len(items) + 1, where="urgent", duration_s=style.pause_s))
        items.append(TextItem(index=len(items) + 1, where="TEXT", voice=voice, text=text))
    return Programme(title=title or text.strip()[:30], date=date or dt.date.today(), source=Path("urgent.yaml"),
                     items=tuple(items), voice=voice, fallback=(OFFLINE_ENGINE,), profile=profile)


def render_urgent(text: str, output: Path, voice: Voice, profile: SoundProfile = LOUDSPEAKER, *,
                  engines: EngineSession | None = None, reporter: Reporter | None = None,
                  cache: SegmentCache | None = None) -> RenderResult:
    """The notice rendered offline into the MP3 `output` (written atomically).
    `engines`: a session the caller keeps open between notices (a warm model).
    The result's `out_dir` was a temporary folder, gone when this returns."""
    programme = urgent_programme(text, voice, profile)
    if needs_network(voice.engine):
        raise BroadcasterError("an urgent notice is spoken offline: pass the voice through offline_voice() first")
    with tempfile.TemporaryDirectory(prefix="broadcaster-urgent-") as tmp:
        result = render_programme(programme, Path(tmp) / "out", offline=True, reporter=reporter, cache=cache,
                                  profile=profile, engines=engines, preload=engines is None,
                                  outputs=[ProgrammeAudioPackager()])
        write_atomic(output, (result.out_dir / "programme.mp3").read_bytes())
    return result
