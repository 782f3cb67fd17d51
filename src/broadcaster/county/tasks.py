"""The two kinds of county task, as plain functions of JSON values.

`make_segments` synthesises a batch of distinct segments into the shared
cache; `assemble_village` runs the village's daily job (daily/job.py: its
lock, its own `latest`, run.json, runs.log and keep_days) with that cache,
so its render finds every segment made and synthesises nothing (except what
an engine failed to make, which the render tries again and falls back from,
item by item, exactly as on one machine).

The same functions run on the local process pool (county/embedded.py) and as
Dramatiq actors (county/queue.py). Both are safe to run twice: a segment
already in the cache is not made again, and a village whose inputs have not
changed since its last good run is not rendered again.

A worker process runs one task at a time and keeps its engines between
tasks (`_ENGINES`), so the offline model loads once per process rather than
once per segment task (and drops them when it turns to villages); no two
tasks ever use them at once.
"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from broadcaster.county.plan import request_from_json
from broadcaster.county.state import now, write_state

# Assembly renders keep every entry: a render evicts what *it* did not use,
# which on a county's shared cache is what the next villages are about to
# use. The county run bounds the cache once, after the last village.
NO_EVICTION_BYTES = 1 << 62
_ENGINES = None


def _engines():
    global _ENGINES
    if _ENGINES is None:
        from broadcaster.synthesise.engines.base import EngineSession

        _ENGINES = EngineSession()
    return _ENGINES


def release_engines() -> None:
    """Drop this process's engines (their models): the end of a run in this process."""
    global _ENGINES
    engines, _ENGINES = _ENGINES, None
    if engines is not None:
        engines.close()


def _cpu_s() -> float:
    """CPU seconds of this process (all its threads) and of its finished children (ffmpeg)."""
    try:
        import resource
    except ImportError:  # Windows: this process only
        return time.process_time()
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _cache(cache_root: str | None):
    from broadcaster.synthesise.cache import SegmentCache

    return SegmentCache(Path(cache_root) if cache_root else None, max_bytes=NO_EVICTION_BYTES)


def make_segments(spec: dict) -> dict:
    """spec: {task, state_dir, cache, engine, rate_hz, keys, requests}. Returns
    {made, found, failed, cpu_s}; raises only when the engine cannot work at all."""
    from broadcaster.synthesise.stage import fill_cache

    started, cpu0 = now(), _cpu_s()
    folder = Path(spec["state_dir"])
    base = {"kind": "segments", "started": started, "segments": len(spec["keys"])}
    write_state(folder, spec["task"], state="running", **base)
    requests = [request_from_json(r) for r in spec["requests"]]
    try:
        stats, failed = fill_cache(spec["engine"], requests, _cache(spec.get("cache")), int(spec["rate_hz"]), _engines())
    except Exception as exc:
        record_failure(spec, exc, cpu0, base)
        raise
    result = {"made": stats.synthesised, "found": stats.cached, "failed": failed, "cpu_s": round(_cpu_s() - cpu0, 3)}
    write_state(folder, spec["task"], state="done", finished=now(), **base, **result)
    return result


def assemble_village(spec: dict) -> dict:
    """spec: {task, state_dir, cache, village, script, root, date, keep_days,
    offline, latest_mode}. Returns the village's run report (and cpu_s);
    a failed run is recorded and raised (JobFailed), for the queue to retry."""
    from broadcaster.daily.job import run_daily

    release_engines()  # segments come before villages: the model's memory is the mix's now
    started, cpu0, clock0 = now(), _cpu_s(), time.monotonic()
    folder = Path(spec["state_dir"])
    base = {"kind": "village", "village": spec["village"], "started": started}
    write_state(folder, spec["task"], state="running", **base)
    try:
        report = run_daily(Path(spec["script"]), day=dt.date.fromisoformat(spec["date"]), root=Path(spec["root"]),
                           keep_days=int(spec["keep_days"]), offline=bool(spec.get("offline")),
                           latest_mode=spec.get("latest_mode"), cache=_cache(spec.get("cache")))
    except Exception as exc:
        record_failure(spec, exc, cpu0, base)
        raise
    result = {"status": report.status, "synthesised": report.synthesised, "cached": report.cached,
              "fallbacks": report.fallbacks, "cpu_s": round(_cpu_s() - cpu0, 3),
              "wall_s": round(time.monotonic() - clock0, 3), "folder": report.folder, "finished": now()}
    write_state(folder, spec["task"], state="done", **base, **result)
    return result


def record_failure(spec: dict, exc: Exception, cpu0: float | None = None, base: dict | None = None) -> None:
    """Record a failure: "retrying" when the queue will give the task another
    go (`spec["will_retry"]`, set by county/queue.py), else "failed"."""
    from broadcaster.errors import InputError

    state = "retrying" if spec.get("will_retry") and not isinstance(exc, InputError) else "failed"
    base = base or {"kind": "village" if "village" in spec else "segments"}
    write_state(Path(spec["state_dir"]), spec["task"], state=state, finished=now(), error=str(exc) or type(exc).__name__,
                cpu_s=round(_cpu_s() - cpu0, 3) if cpu0 is not None else 0.0, **base)
