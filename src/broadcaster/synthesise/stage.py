"""Plan → clips: speech for every cue, from the cache or an engine, with fallback.

An item is spoken by one voice from start to end. When its engine gives up on
any of its segments (or is skipped because we are offline), the *whole item*
is spoken again by the first engine of the fallback chain that can do it,
because a voice change in mid-item sounds like a mistake to a listener.

Progress counts segments that have speech, each once: an engine's answer that
is an error does not count, and a segment counted before its item fell back
is not counted again when the fallback voice speaks it (so the count never
passes the total, e.g. "2/1").
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Callable


from broadcaster.codec import RATE_HZ
from broadcaster.resample import resample
from broadcaster.errors import BroadcasterError, SynthesisError
from broadcaster.model import Clip, Cue, ItemPlan, Speech, SpeechRequest, SpokenItem, SynthesisStats, Voice
from broadcaster.synthesise.engines.base import EngineSession, get_engine, resolve_voice
from broadcaster.synthesise.cache import SegmentCache, cache_key

Advance = Callable[[int], None]


class _Once:
    """Calls `hook` the first time it is called, never again."""

    def __init__(self, hook: Callable[[], None] | None):
        self._hook = hook

    def __call__(self) -> None:
        hook, self._hook = self._hook, None
        if hook is not None:
            hook()


def _needs_network(engine_name: str) -> bool:
    try:
        return bool(getattr(get_engine(engine_name), "needs_network", False))
    except BroadcasterError:
        return False


@dataclass
class _Job:
    """What every engine call of one synthesis shares."""

    cache: SegmentCache
    stats: SynthesisStats
    advance: Advance
    before_engines: _Once
    rate_hz: int  # the programme's sample rate (its sound profile's)
    engines: EngineSession  # the render's own engines
    counted: set[tuple[int, int]] = field(default_factory=set)  # (item index, cue index) already advanced
    counting: threading.Lock = field(default_factory=threading.Lock)  # engines report from their own threads

    def spoken(self, key: tuple[int, int]) -> None:
        """One segment has speech: advance the progress, once per segment whatever voice spoke it."""
        with self.counting:
            if key in self.counted:
                return
            self.counted.add(key)
        self.advance(1)


def _run(engine_name: str, requests: list[SpeechRequest], job: _Job,
         spoken: Callable[[int], None]) -> list[tuple[Speech, bool] | Exception]:
    """Speech for each request (from cache where possible), or its exception;
    `spoken(i)` as soon as request i has speech (never for an error).

    The cache holds each segment at the programme rate under `key@rate`, so a
    warm render resamples nothing. While an engine runs, each segment is
    first stored as the engine made it, under `key` (resampling there would
    load scipy beside the running model); it is replaced by the `key@rate`
    entry once resampled, and a render that finds one left by a killed
    render starts from it."""
    try:
        engine = job.engines.get(engine_name)
        model_id = engine.model_id()
    except BroadcasterError as exc:
        return [exc] * len(requests)
    except Exception as exc:  # an engine that cannot even load counts as failed for its items
        return [SynthesisError(f"{engine_name} engine unavailable: {exc}")] * len(requests)
    cache = job.cache
    keys = [cache_key(engine_name, model_id, r) for r in requests]
    out: list[tuple[Speech, bool] | Exception | None] = [None] * len(requests)
    missing = []
    for i, key in enumerate(keys):
        hit = cache.get(_at_rate(key, job.rate_hz))
        if hit is None and (made := cache.get(key)) is not None:
            hit = _store_at_rate(cache, key, made, job.rate_hz)
        if hit is not None:
            out[i] = (hit, True)
            job.stats.cached += 1
            spoken(i)
        else:
            missing.append(i)
    # A segment asked for twice (an item's repeats, an urgent notice spoken
    # twice) is made once; the copies take its result, counted as cached.
    first_of: dict[str, int] = {}
    copies = [i for i in missing if first_of.setdefault(keys[i], i) != i]
    missing = [i for i in missing if first_of[keys[i]] == i]
    if missing:
        job.before_engines()
        stored: dict[int, Speech] = {}

        def keep(j: int, speech: Speech) -> None:
            # On the engine's thread, the moment the segment is made: a
            # render killed half-way keeps its work.
            stored[j] = cache.put(keys[missing[j]], speech)
            spoken(missing[j])

        # The engine's own progress counts its errors too: speech is counted as it is kept instead.
        results = engine.synthesize_many([requests[i] for i in missing], None, keep)
        for j, (i, result) in enumerate(zip(missing, results)):
            if isinstance(result, Exception):
                out[i] = result
            else:
                if j not in stored:
                    spoken(i)
                made = stored.get(j) or cache.put(keys[i], result)
                out[i] = (_store_at_rate(cache, keys[i], made, job.rate_hz), False)
                job.stats.synthesised += 1
    for i in copies:
        first = out[first_of[keys[i]]]
        out[i] = first if isinstance(first, Exception) else (first[0], True)
        if not isinstance(first, Exception):
            job.stats.cached += 1
            spoken(i)
    return out  # type: ignore[return-value]


def segment_keys(engine_name: str, requests: list[SpeechRequest], rate_hz: int) -> list[str]:
    """The cache keys under which a render at `rate_hz` looks for each request's speech.

    A county works these out for every village before anything is made, so
    that each distinct segment is synthesised once (county/plan.py)."""
    model_id = get_engine(engine_name).model_id()
    return [_at_rate(cache_key(engine_name, model_id, r), rate_hz) for r in requests]


def fill_cache(engine_name: str, requests: list[SpeechRequest], cache: SegmentCache, rate_hz: int,
               engines: EngineSession) -> tuple[SynthesisStats, list[str]]:
    """Make sure the cache holds each request's speech at `rate_hz`, exactly
    as a render would store it (the same `_run`), so that a render afterwards
    finds every segment and produces the same bytes as one that made them
    itself. Returns the counts and the reason of each request that failed
    (the render meets those again and falls back item by item)."""
    stats = SynthesisStats(segments=len(requests))
    job = _Job(cache, stats, lambda n: None, _Once(None), rate_hz, engines)
    results = _run(engine_name, requests, job, lambda i: None)
    return stats, [str(r) for r in results if isinstance(r, Exception)]


def _model_form(engine_name: str, job: _Job) -> str | None:
    """The form of the model the engine runs (kokoro_forms.py), for the
    manifest. A cached clip gets it too: the cache key holds the form
    wherever forms differ in their samples."""
    try:
        form = getattr(job.engines.get(engine_name), "model_form", None)
    except BroadcasterError:
        return None
    return form() if form is not None else None


def _at_rate(key: str, rate_hz: int) -> str:
    return f"{key}@{rate_hz}"


def _store_at_rate(cache: SegmentCache, key: str, speech: Speech, rate_hz: int) -> Speech:
    """`speech` resampled to `rate_hz`, stored under `key@rate`, in place of
    the engine-rate entry. `speech` is always as the cache stores it (16-bit),
    so a render that resumes from an entry a killed render left makes the
    very same samples as one never interrupted."""
    at_rate = Speech(resample(speech.samples, speech.rate_hz, rate_hz), rate_hz, speech.marks)
    stored = cache.put(_at_rate(key, rate_hz), at_rate)
    cache.discard(key)
    return stored


def _reading_notes(engine_name: str, job: _Job) -> Callable[[SpeechRequest], tuple[str, ...]]:
    """The engine's `reading_notes(request)` (an engine that takes text, not
    phonemes, says how it passed the dictionary's pinyin), or no notes."""
    try:
        notes = getattr(job.engines.get(engine_name), "reading_notes", None)
    except Exception:  # noqa: BLE001 - an engine that did not load spoke nothing to note
        notes = None
    return notes if notes is not None else (lambda request: ())


def _speak(plans: list[ItemPlan], voice_for: Callable[[Cue], Voice], job: _Job) -> dict[int, list[Clip] | Exception]:
    """Speak every cue of `plans`, batched per engine so engines can work concurrently."""
    by_engine: dict[str, list[tuple[int, int, SpeechRequest]]] = {}
    for p_index, plan in enumerate(plans):
        for c_index, cue in enumerate(plan.cues):
            voice = voice_for(cue)
            by_engine.setdefault(voice.engine, []).append((p_index, c_index, replace(cue.request, voice=voice)))
    clips: dict[int, list] = {i: [None] * len(p.cues) for i, p in enumerate(plans)}
    failures: dict[int, Exception] = {}
    for engine_name, entries in by_engine.items():
        results = _run(engine_name, [r for _, _, r in entries], job,
                       lambda k, entries=entries: job.spoken((plans[entries[k][0]].item.index, entries[k][1])))
        notes_of = _reading_notes(engine_name, job)
        for (p_index, c_index, request), result in zip(entries, results):
            if isinstance(result, Exception):
                failures.setdefault(p_index, result)
            else:
                speech, cached = result
                clips[p_index][c_index] = Clip(plans[p_index].cues[c_index], speech, engine_name, request.voice.name or "",
                                               cached, notes_of(request), _model_form(engine_name, job))
    return {i: failures.get(i, clips[i]) for i in range(len(plans))}


def synthesise(plans: list[ItemPlan], fallback: tuple[str, ...], *, offline: bool = False, cache: SegmentCache | None = None,
               advance: Advance = lambda n: None, before_engines: Callable[[], None] | None = None,
               rate_hz: int = RATE_HZ, engines: EngineSession | None = None) -> tuple[list[SpokenItem], SynthesisStats]:
    """Speech for every cue of `plans`: from the cache, else from the item's
    engine, else (whole items) from the fallback chain. `before_engines` is
    called once, just before the first engine is asked for anything; a
    render served wholly from the cache never calls it."""
    cache = cache or SegmentCache()
    stats = SynthesisStats(segments=sum(len(p.cues) for p in plans))
    own_session = engines is None
    engines = engines or EngineSession()
    job = _Job(cache, stats, advance, _Once(before_engines), rate_hz, engines)
    try:
        return _synthesise(plans, fallback, offline, job)
    finally:
        if own_session:
            engines.close()


def _synthesise(plans: list[ItemPlan], fallback: tuple[str, ...], offline: bool, job: _Job) -> tuple[list[SpokenItem], SynthesisStats]:
    cache, stats = job.cache, job.stats
    spoken = [p for p in plans if p.cues]
    results: dict[int, SpokenItem] = {}

    pending: list[tuple[ItemPlan, str]] = []  # (plan, reason) for items that must fall back
    first_try = []
    for plan in spoken:
        engine = plan.cues[0].request.voice.engine
        if offline and _needs_network(engine):
            pending.append((plan, "offline: --offline given"))
        else:
            first_try.append(plan)
    outcome = _speak(first_try, lambda cue: cue.request.voice, job)
    for i, plan in enumerate(first_try):
        result = outcome[i]
        if isinstance(result, Exception):
            pending.append((plan, str(result)))
        else:
            results[plan.item.index] = SpokenItem(plan, result)

    for engine_name in fallback:
        if not pending or (offline and _needs_network(engine_name)):
            continue
        # An item is never "fallen back" to the engine that just failed it.
        candidates = [(p, r) for p, r in pending if p.cues[0].request.voice.engine != engine_name]
        if not candidates:
            continue
        try:
            base = resolve_voice(Voice(engine_name))
        except BroadcasterError:
            continue

        def voice_for(cue: Cue, base: Voice = base) -> Voice:
            # Keep the script's speaking rate; the fallback engine's own default voice.
            try:
                return resolve_voice(replace(base, rate=cue.request.voice.rate))
            except BroadcasterError:
                return base

        outcome = _speak([p for p, _ in candidates], voice_for, job)
        still_failing = []
        for i, (plan, reason) in enumerate(candidates):
            result = outcome[i]
            if isinstance(result, Exception):
                still_failing.append((plan, f"{reason}; {engine_name}: {result}"))
            else:
                origin = plan.cues[0].request.voice.engine
                results[plan.item.index] = SpokenItem(plan, result, origin, reason)
                stats.fallback_items.append((plan.title, origin, reason))
        not_tried = [(p, r) for p, r in pending if p.cues[0].request.voice.engine == engine_name]
        pending = sorted(not_tried + still_failing, key=lambda pr: pr[0].item.index)

    stats.damaged = cache.damaged
    cache.evict()
    if pending:
        plan, reason = pending[0]
        raise SynthesisError(f"item {plan.item.index} ({plan.title}) could not be spoken: {reason}")
    return [results[p.item.index] for p in spoken], stats
