"""The warm urgent worker: `python -m broadcaster.web.urgent_worker DATA ENGINE:VOICE`.

Started and fed by `web/urgent.py`. It loads the offline model once, by
making a short notice nobody hears (with a scratch cache, so that the
model really runs: everything a notice needs is then loaded), says
`ready`, then reads job numbers from its input, one a line. For each it
renders the notice (`broadcaster.urgent.render_urgent`, with its own engine
session kept open, so the model stays loaded), writes the outcome into the
queue and says `done N`. It leaves at the end of its input, or after a
notice that left it larger than BROADCASTER_URGENT_MAX_MB (the runner
starts a fresh one: memory stays bounded).

The wire is the process's original standard output; whatever a library
prints goes to standard error, the log, instead.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TextIO

from broadcaster import settings
from broadcaster.model import Voice
from broadcaster.web.job import StoreReporter, error_in_chinese
from broadcaster.web.paths import DataDir
from broadcaster.web.store import Store

WARM_TEXT = "请注意。"


def voice_of(spec: str) -> Voice:
    """ "kokoro:zf_xiaoxiao" → Voice; "kokoro" → the engine's default voice."""
    engine, _, name = spec.partition(":")
    return Voice(engine or "kokoro", name or None)


def resident_mb() -> float:
    """This process's resident size (0 where /proc is not there)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def warm_up(engines, voice: Voice) -> None:
    from broadcaster.synthesise.cache import SegmentCache
    from broadcaster.urgent import offline_voice, render_urgent

    with tempfile.TemporaryDirectory(prefix="broadcaster-urgent-warm-") as tmp:
        chosen, _ = offline_voice(voice)
        render_urgent(WARM_TEXT, Path(tmp) / "warm.mp3", chosen, engines=engines, cache=SegmentCache(Path(tmp) / "cache"))


def run_one(data: DataDir, store: Store, job_id: int, engines) -> None:
    from broadcaster.profiles import LOUDSPEAKER, get_profile
    from broadcaster.urgent import offline_voice, render_urgent

    job = store.job(job_id)
    if job is None or job["state"] != "running":
        return
    params = job["params"]
    started = time.monotonic()
    try:
        voice, note = offline_voice(voice_of(params.get("voice") or ""))
        profile = get_profile(params["profile"]) if params.get("profile") else LOUDSPEAKER
        out = data.urgent_file(job_id)
        out.parent.mkdir(exist_ok=True)
        store.progress(job_id, stage="正在合成语音")
        result = render_urgent(params["text"], out, voice, profile, engines=engines, reporter=StoreReporter(store, job_id))
    except Exception as exc:  # noqa: BLE001 - recorded for the page, the detail in the log; the worker lives on
        traceback.print_exc()
        store.finish(job_id, "failed", error_in_chinese(exc))
        return
    store.finish(job_id, "done", result={
        "duration_s": round(result.duration_s, 2), "lufs": round(result.loudness.integrated_lufs, 1),
        "voice": f"{voice.engine}:{voice.name}", "note": note or "", "elapsed_s": round(time.monotonic() - started, 3),
        "tone": profile.urgent.tone, "repeat": profile.urgent.repeat,
    })


def serve_jobs(data: DataDir, warm_voice: str, lines: TextIO, wire: TextIO) -> None:
    from broadcaster.synthesise.engines.base import EngineSession

    store = Store(data.root)
    limit_mb = settings.read("BROADCASTER_URGENT_MAX_MB")
    engines = EngineSession()  # kept open: the model stays loaded between notices
    try:
        try:
            warm_up(engines, voice_of(warm_voice))
        except Exception:  # noqa: BLE001 - a notice will say what is wrong; the worker still serves
            traceback.print_exc()
        print(f"urgent worker {os.getpid()}: ready, {resident_mb():.0f} MB", file=sys.stderr, flush=True)
        wire.write("ready\n")
        wire.flush()
        for line in lines:
            job_id = int(line)
            run_one(data, store, job_id, engines)
            wire.write(f"done {job_id}\n")
            wire.flush()
            if resident_mb() > limit_mb:
                print(f"urgent worker {os.getpid()}: {resident_mb():.0f} MB after job {job_id}, over "
                      f"BROADCASTER_URGENT_MAX_MB={limit_mb:g}: leaving", file=sys.stderr, flush=True)
                return
    finally:
        engines.close()


def main(argv: list[str] | None = None) -> int:
    data_dir, warm_voice = (argv if argv is not None else sys.argv[1:])[:2]
    wire = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # a library that prints writes into the log, never into the wire
    serve_jobs(DataDir(Path(data_dir)), warm_voice, sys.stdin, wire)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
