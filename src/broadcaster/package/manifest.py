"""manifest.json: what was broadcast, where in the file, and how it was made."""
from __future__ import annotations

import datetime as dt
import json
import math

from broadcaster import __version__
from broadcaster.model import ItemSpan, LoudnessReport, Master, Programme
from broadcaster.profiles import SoundProfile

SCHEMA = 1


def _r(x: float) -> float:
    return round(float(x), 3)


def _db(x: float) -> float | None:
    """A level for JSON: two decimals; None for what was not measured or is silence (-inf)."""
    return round(float(x), 2) if math.isfinite(x) else None


def loudness_entry(report: LoudnessReport) -> dict:
    return {"integrated_lufs": _db(report.integrated_lufs), "loudness_range_lu": _db(report.loudness_range_lu),
            "true_peak_dbtp": _db(report.true_peak_dbtp)}


def first_pass_text(span: ItemSpan) -> str:
    """The item's spoken text once, without the repeats and their lead-ins."""
    out = []
    for clip in span.spoken.clips:
        if clip.cue.repeat_intro:
            break
        out.append(clip.cue.segment.spoken)
    return "".join(out)


def item_entry(span: ItemSpan, file: str | None, sha256: str | None, loudness: LoudnessReport | None = None) -> dict:
    plan = span.plan
    entry: dict = {
        "index": plan.item.index,
        "kind": plan.item.kind,
        "title": plan.title,
        "file": file,
        "sha256": sha256,
        "start_s": _r(span.start_s),
        "duration_s": _r(span.duration_s),
    }
    if loudness is not None:
        entry["loudness"] = loudness_entry(loudness)
    if plan.item.music is not None:
        entry["music"] = _music(plan.item.music)
    source = plan.item.source()
    if span.spoken is None:
        if source is not None:
            entry["source"] = source
        return entry
    clips = span.spoken.clips
    if source is not None:
        entry.update(source=source, reader=plan.reader, reader_notes=list(plan.reader_notes))
    entry.update(
        engine=clips[0].engine,
        voice=clips[0].voice,
        **_form(clips[0]),
        repeat=plan.item.repeat,
        text=first_pass_text(span),
        fallback=None if span.spoken.fallback_from is None else {
            "from_engine": span.spoken.fallback_from, "reason": span.spoken.fallback_reason,
        },
        segments=[
            {
                "start_s": _r(s.start_s), "duration_s": _r(s.duration_s),
                "written": s.clip.cue.segment.written, "spoken": s.clip.cue.segment.spoken,
                "engine": s.clip.engine, "voice": s.clip.voice, **_form(s.clip),
                **({"reading_notes": list(s.clip.notes)} if s.clip.notes else {}),
            }
            for s in span.segments
        ],
    )
    return entry


def _form(clip) -> dict:
    """{"form": ...} for an engine with several model forms (kokoro), else nothing."""
    return {} if clip.form is None else {"form": clip.form}


def manifest(programme: Programme, master: Master, loudness: LoudnessReport, programme_sha256: str, items: list[dict],
             profile: SoundProfile, files: dict[str, str] | None = None) -> str:
    """The manifest's text; `files` maps every other file written (relative path) to its sha256."""
    doc = {
        "schema": SCHEMA,
        "title": programme.title,
        "date": programme.date.isoformat(),
        "station": programme.station,
        "script": str(programme.source),
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "broadcaster": __version__,
        "file": "programme.mp3",
        "sha256": programme_sha256,
        "duration_s": _r(master.duration_s),
        "loudness": {
            "integrated_lufs": round(loudness.integrated_lufs, 2),
            "true_peak_dbtp": round(loudness.true_peak_dbtp, 2),
            "loudness_range_lu": _db(loudness.loudness_range_lu),
            "target_lufs": profile.target_lufs,
            "ceiling_dbtp": profile.ceiling_dbtp,
            "gain_db": round(loudness.gain_db, 2),
        },
        "profile": profile.as_dict(),
        "items": items,
        "files": dict(sorted((files or {}).items())),
    }
    if programme.music is not None:
        doc["music"] = _music(programme.music)
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _music(bed) -> dict:
    return {"file": str(bed.path), "level_db": bed.level_db, "duck_db": bed.duck_db}
