"""The county's work for one day: every village loaded and planned, every segment's content key.

Everything is checked here, before a single task is sent: a missing village
script, a script that does not load (a bad template, a missing article), two
villages with one station name. Each village is loaded exactly as `run-daily`
loads it (`load_script(script, day)`: templates, `{station}`, today's inbox)
and planned exactly as a render plans it, so the keys worked out here are
the ones its render looks up, and the render afterwards finds every segment
in the cache.

    >>> plan = plan_county(load_county(Path("examples/county/county.yaml")), date(2026, 12, 7))  # doctest: +SKIP
    >>> len(plan.segments), sum(len(v.keys) for v in plan.villages)                            # doctest: +SKIP
    (41, 96)
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from broadcaster.county.config import CountyFile
from broadcaster.errors import BroadcasterError, InputError
from broadcaster.model import SpeechRequest
from broadcaster.synthesise.cache import SegmentCache


@dataclass(frozen=True)
class Segment:
    """One distinct thing to say: made once for the whole county."""

    key: str          # the cache key a render at `rate_hz` looks up
    engine: str
    rate_hz: int
    request: SpeechRequest
    owner: str        # the first village (in the county file's order) that says it


@dataclass
class VillagePlan:
    name: str
    station: str
    script: str
    root: str
    keys: list[str] = field(default_factory=list)  # its distinct segment keys


@dataclass
class CountyPlan:
    county: CountyFile
    day: dt.date
    villages: list[VillagePlan]
    segments: dict[str, Segment]
    cached: set[str]  # keys already in the cache before the run

    def to_make(self) -> list[Segment]:
        return [s for k, s in self.segments.items() if k not in self.cached]

    def users(self) -> dict[str, int]:
        """How many villages say each segment."""
        count: dict[str, int] = {}
        for village in self.villages:
            for key in village.keys:
                count[key] = count.get(key, 0) + 1
        return count


def plan_county(county: CountyFile, day: dt.date, cache: SegmentCache) -> CountyPlan:
    """Load and plan every village of `county` for `day`; InputError (exit 2) on any bad input."""
    from broadcaster.render import plan_programme
    from broadcaster.prepare.plan import programme_lexicon
    from broadcaster.script import load_script
    from broadcaster.synthesise.engines.base import get_engine
    from broadcaster.synthesise.stage import segment_keys

    villages: list[VillagePlan] = []
    segments: dict[str, Segment] = {}
    stations: dict[str, str] = {}
    for entry in county.villages:
        programme = load_script(entry.script, day)  # ScriptError names the village's file, line and key
        if not programme.station:
            raise InputError(f"village {entry.name}: its script has no station: (each village needs its own)",
                             where=str(entry.script))
        if programme.station in stations:
            raise InputError(f"village {entry.name}: station {programme.station!r} is also {stations[programme.station]}'s; "
                             "each village needs its own station name", where=entry.where)
        stations[programme.station] = entry.name
        village = VillagePlan(entry.name, programme.station, str(entry.script), str(entry.root))
        plans = plan_programme(programme, offline=county.offline, lexicon=programme_lexicon(programme))
        rate_hz = programme.profile.rate_hz
        by_engine: dict[str, list[SpeechRequest]] = {}
        for plan in plans:
            for cue in plan.cues:
                by_engine.setdefault(cue.request.voice.engine, []).append(cue.request)
        for engine_name, requests in by_engine.items():
            try:
                if county.offline and getattr(get_engine(engine_name), "needs_network", False):
                    continue  # the render falls back for these items, as run-daily --offline does
                keys = segment_keys(engine_name, requests, rate_hz)
            except InputError:
                raise
            except BroadcasterError as exc:
                raise InputError(f"village {entry.name}: {exc}", where=str(entry.script)) from None
            for key, request in zip(keys, requests):
                if key not in segments:
                    segments[key] = Segment(key, engine_name, rate_hz, request, entry.name)
                if key not in village.keys:
                    village.keys.append(key)
        villages.append(village)
    cached = {k for k in segments if cache.store.exists(k)}
    return CountyPlan(county, day, villages, segments, cached)


def batches(segments: list[Segment], workers: int) -> list[list[Segment]]:
    """The segments to make, in tasks: one engine and one rate per task, about
    three tasks per worker so that a slow one does not hold the rest, and at
    most 16 segments each so that a killed task costs little."""
    groups: dict[tuple[str, int], list[Segment]] = {}
    for segment in segments:
        groups.setdefault((segment.engine, segment.rate_hz), []).append(segment)
    size = max(1, min(16, math.ceil(len(segments) / max(1, 3 * workers))))
    return [group[i:i + size] for group in groups.values() for i in range(0, len(group), size)]


def request_to_json(request: SpeechRequest) -> dict:
    v = request.voice
    return {"text": request.text, "pinyin": [list(span) for span in request.pinyin],
            "voice": {"engine": v.engine, "name": v.name, "rate": v.rate, "volume": v.volume, "pitch": v.pitch}}


def request_from_json(data: dict) -> SpeechRequest:
    from broadcaster.model import Voice

    return SpeechRequest(data["text"], Voice(**data["voice"]), tuple((int(a), int(b), str(c)) for a, b, c in data["pinyin"]))

