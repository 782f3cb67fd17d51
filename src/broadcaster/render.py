"""The orchestration, and nothing else: script → plan → clips → master → files."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from broadcaster.audio.codec import codec_gain_db, decode_file, load_encoder
from broadcaster.audio.jingles import builtin_jingle
from broadcaster.audio.loudness import LoudnessReport, normalise, warm_up
from broadcaster.audio.timeline import Master, build_master
from broadcaster.errors import FallbackUsed
from broadcaster.memory import return_free_memory
from broadcaster.package.names import remembered_slug
from broadcaster.package.output import staged_folder
from broadcaster.package.packagers import Package, packagers
from broadcaster.package.video import check_caption_font
from broadcaster.plan import ItemPlan, plan_programme, programme_lexicon
from broadcaster.profiles import SoundProfile
from broadcaster.script import Programme
from broadcaster.settings import check_environment
from broadcaster.synthesise import SynthesisStats, synthesise
from broadcaster.tts.base import EngineSession, get_engine
from broadcaster.tts.cache import SegmentCache


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

    load_encoder()
    warm_up()
    for module in ("broadcaster.text.pipeline", "broadcaster.plan", "broadcaster.package.packagers",
                   "broadcaster.package.names", "jieba", "pypinyin", "bs4", "opencc", "wetext",
                   # the programme sheet and the video (package/sheet*.py, package/fonts.py)
                   "broadcaster.package.sheet_html", "PIL.Image", "PIL.ImageDraw", "PIL.ImageFont",
                   "fontTools.ttLib", "fontTools.subset"):
        importlib.import_module(module)
    for name in engines:
        load = getattr(get_engine(name), "load_libraries", None)
        if load is not None:
            load()


def default_out_dir(programme: Programme, base: Path = Path("audio_out")) -> Path:
    return base / f"{programme.date.isoformat()}-{programme.source.stem}"


def _jingles(plans: list[ItemPlan], rate_hz: int) -> dict[int, np.ndarray]:
    out = {}
    for plan in plans:
        item = plan.item
        if item.kind == "jingle":
            out[item.index] = builtin_jingle(item.jingle, rate_hz) if item.jingle else decode_file(item.path, rate_hz)
    return out


def render_programme(programme: Programme, out_dir: Path | None = None, *, offline: bool = False, strict: bool = False,
                     reporter: Reporter | None = None, cache: SegmentCache | None = None,
                     profile: SoundProfile | None = None) -> RenderResult:
    """Render `programme` into `out_dir` with its sound profile (or `profile`)."""
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
    # use is loaded here first, and every import below runs on this thread.
    load_encoder()
    # On the side while the text is prepared and synthesised: the codec's
    # level change is measured on a tone (ffmpeg and numpy only).
    side = ThreadPoolExecutor(1, thread_name_prefix="render-side")
    codec_db_job = side.submit(codec_gain_db, profile.bitrate, profile.rate_hz)

    try:
        reporter.stage("preparing text")
        lexicon = programme_lexicon(programme)
        plans = plan_programme(programme, offline=offline, lexicon=lexicon)
        if profile.video:  # a character the caption font lacks is bad input: say so before synthesising
            check_caption_font(programme, [c.segment.written for p in plans for c in p.cues])
        lexicon_words = frozenset(lexicon.entries)
        jingles = _jingles(plans, profile.rate_hz)

        total = sum(len(p.cues) for p in plans)
        reporter.synthesis_started(total)
        # Naming the item files needs the word dictionary (0.7 s to load).
        # When an engine is about to run, the offline voice's G2P loads it
        # anyway and may release it during inference: name them right then.
        names: dict[int, str] = {}
        # The engines are this render's own, and released (their models
        # dropped) as soon as synthesis is done, before mixing.
        with EngineSession() as engines:
            spoken_items, stats = synthesise(plans, programme.fallback, offline=offline, cache=cache, advance=reporter.advance,
                                             before_engines=lambda: names.update(_item_file_names(plans, cache.names_root, lexicon_words)),
                                             rate_hz=profile.rate_hz, engines=engines)
        reporter.synthesis_done()
        if strict and stats.fallback_items:
            title, origin, reason = stats.fallback_items[0]
            raise FallbackUsed(f"--strict: {len(stats.fallback_items)} item(s) fell back from {origin} (first: {title}: {reason})")

        reporter.stage("mixing")
        # scipy.signal takes 0.6 s and 75 MB to load: only now, after the
        # model ran (when memory peaks); a cold render has loaded it by now
        # anyway, to resample the new clips.
        warm_up()
        # A render wholly from the cache names its files from the memo beside the cache.
        names = names or _item_file_names(plans, cache.names_root, lexicon_words)
        master = build_master(plans, {s.plan.item.index: s for s in spoken_items}, jingles, programme.pauses,
                              profile.rate_hz, profile.lead_in_s, profile.tail_s)
        # Every clip is in the master now: their own copies (~90 MB for eight
        # minutes) would only raise the peak while encoding.
        for spoken in spoken_items:
            spoken.drop_audio()
        return_free_memory()
        # Aim the buffer so that the *MP3* lands on target: the codec changes the level slightly.
        codec_db = -codec_db_job.result()
        samples, levelled = normalise(
            master.samples, master.rate_hz, profile.target_lufs + codec_db, profile.ceiling_dbtp + codec_db, measure_peak=False, in_place=True
        )
        master = Master(samples, master.rate_hz, master.items)

        reporter.stage("encoding")
        with staged_folder(out_dir) as stage:
            package = Package(programme, profile, master, stage, levelled.gain_db, names)
            for packager in packagers():
                packager.write(package)
    finally:
        side.shutdown(wait=False)
    return RenderResult(out_dir, package.duration_s, package.loudness, stats, _rows(master, names), time.monotonic() - started)


def _item_file_names(plans: list[ItemPlan], memo_dir: Path, words: frozenset[str]) -> dict[int, str]:
    """Item index → "items/NN-name.mp3" for every spoken item, numbered in order."""
    spoken = [p for p in plans if p.cues]
    return {p.item.index: f"items/{n:02d}-{remembered_slug(p.title, memo_dir, words)}.mp3" for n, p in enumerate(spoken, 1)}


def _rows(master: Master, item_files: dict[int, str]) -> list[ItemRow]:
    rows = []
    for span in master.items:
        engine = span.spoken.clips[0].engine if span.spoken else ""
        fallback = f"from {span.spoken.fallback_from}" if span.spoken and span.spoken.fallback_from else None
        rows.append(ItemRow(str(span.plan.item.index), span.plan.item.kind, span.plan.title,
                            item_files.get(span.plan.item.index), span.duration_s, engine, fallback))
    return rows
