"""The orchestration, and nothing else: script → prepare → synthesise → mix → package.

Each stage is one call with typed values in and out (`broadcaster.model`);
this module only runs them in order, with the render's own cache, engines
and lexicon, and keeps its threads from importing (see `render_programme`).
"""
from __future__ import annotations

import time
from contextlib import nullcontext
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

from broadcaster.codec import codec_gain_db, ffmpeg_exe
from broadcaster.pcm_file import scratch_dir_for
from broadcaster.errors import FallbackUsed
from broadcaster.mix.beds import load_beds
from broadcaster.mix.jingles import load_jingles
from broadcaster.meter import warm_up
from broadcaster.mix.stage import mix
from broadcaster.model import ItemPlan, Lexicon, LoudnessReport, Master, Programme, SynthesisStats
from broadcaster.package.names import item_file_names
from broadcaster.package.packagers import Packager
from broadcaster.package.stage import write_package
from broadcaster.prepare import plan as prepare_plan
from broadcaster.prepare.plan import programme_lexicon
from broadcaster.package.video import check_caption_font
from broadcaster.profiles import SoundProfile
from broadcaster.settings import check_environment
from broadcaster.synthesise.cache import SegmentCache
from broadcaster.synthesise.engines.base import EngineSession, get_engine, resolve_voice
from broadcaster.synthesise.stage import synthesise


class Reporter(Protocol):
    def stage(self, name: str) -> None: ...
    def synthesis_started(self, total: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def synthesis_done(self) -> None: ...


class SilentReporter:
    def stage(self, name: str) -> None:
        pass

    def synthesis_started(self, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def synthesis_done(self) -> None:
        pass


@dataclass
class ItemRow:
    """One line of the summary table."""

    number: str
    kind: str
    title: str
    file: str | None
    duration_s: float
    engine: str
    fallback: str | None
    loudness: LoudnessReport | None = None  # integrated, range and true peak; None for a pause


@dataclass
class RenderResult:
    out_dir: Path
    duration_s: float
    loudness: LoudnessReport
    stats: SynthesisStats
    rows: list[ItemRow] = field(default_factory=list)
    elapsed_s: float = 0.0


def load_libraries(engines: tuple[str, ...] = ("kokoro",)) -> None:
    """Import everything a render imports on first use, on the calling thread.

    A render imports its heavy libraries lazily, on its own thread, which is
    safe while it is the only render in the process. A program that runs
    several renders at once on threads of one process (a daily job for many
    villages, a web server) calls this once first: two threads importing the
    same package at once can see it half-made (see issue 8, KeyError:
    'scipy')."""
    import importlib

    ffmpeg_exe()
    warm_up()
    for module in ("broadcaster.prepare.pipeline", "broadcaster.prepare.plan", "broadcaster.package.packagers",
                   "broadcaster.package.names", "jieba", "pypinyin", "bs4", "opencc", "wetext",
                   # the programme sheet and the video (package/sheet*.py, package/fonts.py)
                   "broadcaster.package.sheet_html", "PIL.Image", "PIL.ImageDraw", "PIL.ImageFont",
                   "fontTools.ttLib", "fontTools.subset"):
        importlib.import_module(module)
    for name in engines:
        load = getattr(get_engine(name), "load_libraries", None)
        if load is not None:
            load()


def plan_programme(programme: Programme, *, offline: bool = False, lexicon: Lexicon | None = None) -> list[ItemPlan]:
    """The prepare stage, with voices resolved by the engines' registry."""
    return prepare_plan.plan_programme(programme, resolve_voice=resolve_voice, offline=offline, lexicon=lexicon)


def default_out_dir(programme: Programme, base: Path = Path("audio_out")) -> Path:
    if programme.output is not None:  # `output:` in the script, its templates filled
        return programme.output
    return base / f"{programme.date.isoformat()}-{programme.source.stem}"


def render_programme(programme: Programme, out_dir: Path | None = None, *, offline: bool = False, strict: bool = False,
                     reporter: Reporter | None = None, cache: SegmentCache | None = None,
                     profile: SoundProfile | None = None, engines: EngineSession | None = None,
                     preload: bool = False, outputs: Sequence[Packager] | None = None) -> RenderResult:
    """Render `programme` into `out_dir` with its sound profile (or `profile`).

    `engines`: a session the caller owns and keeps open (the web's warm
    urgent worker, which runs one render at a time and keeps its model
    loaded between them); by default the render makes its own and releases
    it when synthesis is done. `preload`: open the programme voice's model
    on a side thread while the text is prepared (for `say`, whose new notice
    is seldom in the cache; a render served from the cache would load it for
    nothing). `outputs`: these packagers instead of every registered one
    (`say` and an urgent notice want programme.mp3 alone)."""
    started = time.monotonic()
    check_environment()  # a bad BROADCASTER_* value is bad input now, not after synthesis
    profile = profile or programme.profile
    reporter = reporter or SilentReporter()
    out_dir = Path(out_dir) if out_dir else default_out_dir(programme)
    cache = cache or SegmentCache()

    # No thread of a render ever imports: a module imported by two threads
    # at once can be seen half-made (renders failed at random with
    # KeyError: 'scipy' when the side thread and this one both imported
    # scipy.signal). So whatever the side thread and the encoder threads
    # use is loaded here first (finding ffmpeg imports imageio_ffmpeg), and
    # every import below runs on this thread.
    ffmpeg_exe()
    # On the side while the text is prepared and synthesised: the codec's
    # level change is measured on a tone (ffmpeg and numpy only).
    side = ThreadPoolExecutor(1, thread_name_prefix="render-side")
    codec_db_job = side.submit(codec_gain_db, profile.bitrate, profile.rate_hz, profile.channels)

    # The engines are this render's own, and released (their models
    # dropped) as soon as synthesis is done, before mixing; unless the
    # caller keeps a session of its own open across renders.
    own_session = engines is None
    session = EngineSession() if own_session else engines
    if preload:
        session.start_loading(programme.voice.engine)
    try:
        reporter.stage("preparing text")
        lexicon = programme_lexicon(programme)
        plans = plan_programme(programme, offline=offline, lexicon=lexicon)
        if profile.video:  # a character the caption font lacks is bad input: say so before synthesising
            check_caption_font(programme, [c.segment.written for p in plans for c in p.cues])
        lexicon_words = frozenset(lexicon.entries)
        jingles = load_jingles(plans, profile.rate_hz)
        beds = load_beds(programme, plans, profile.rate_hz)

        reporter.synthesis_started(sum(len(p.cues) for p in plans))
        # Naming the item files needs the word dictionary (0.7 s to load).
        # When an engine is about to run, the offline voice's G2P loads it
        # anyway: name them right then (a render wholly from the cache names
        # them from the memo beside the cache, below).
        names: dict[int, str] = {}
        with session if own_session else nullcontext(session):
            spoken_items, stats = synthesise(plans, programme.fallback, offline=offline, cache=cache, advance=reporter.advance,
                                             before_engines=lambda: names.update(item_file_names(plans, cache.names_root, lexicon_words, profile.naming)),
                                             rate_hz=profile.rate_hz, engines=session)
        reporter.synthesis_done()
        if strict and stats.fallback_items:
            title, origin, reason = stats.fallback_items[0]
            raise FallbackUsed(f"--strict: {len(stats.fallback_items)} item(s) fell back from {origin} (first: {title}: {reason})")

        reporter.stage("mixing")
        # scipy.signal takes 0.6 s and 75 MB to load: only now, after the
        # model ran (when memory peaks); a cold render has loaded it by now
        # anyway, to resample the new clips.
        warm_up()
        names = names or item_file_names(plans, cache.names_root, lexicon_words, profile.naming)
        master, levelled = mix(plans, spoken_items, jingles, programme, profile, codec_db_job.result, beds,
                               scratch_dir_for(out_dir))
        try:
            reporter.stage("encoding")
            package = write_package(programme, profile, master, levelled.gain_db, names, out_dir, outputs)
        finally:
            master.close()
    finally:
        if own_session:
            session.close()
        side.shutdown(wait=False)
    return RenderResult(out_dir, package.duration_s, package.loudness, stats, _rows(master, names, package.item_loudness),
                        time.monotonic() - started)


def _rows(master: Master, item_files: dict[int, str], loudness: dict[int, LoudnessReport]) -> list[ItemRow]:
    rows = []
    for span in master.items:
        engine = span.spoken.clips[0].engine if span.spoken else ""
        fallback = f"from {span.spoken.fallback_from}" if span.spoken and span.spoken.fallback_from else None
        rows.append(ItemRow(str(span.plan.item.index), span.plan.item.kind, span.plan.title,
                            item_files.get(span.plan.item.index), span.duration_s, engine, fallback,
                            loudness.get(span.plan.item.index)))
    return rows
