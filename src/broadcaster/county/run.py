"""`broadcaster county render`: plan, make each distinct segment once, then assemble every village.

1. check and plan everything (county/plan.py): nothing is sent before the
   whole county is known to be good;
2. the segments no village finds in the cache go out as tasks (one engine,
   one rate, ≤16 segments each) and the run waits for all of them;
3. each village goes out as a task that runs its daily job with the shared
   cache (county/tasks.py): every segment is there, so it only mixes and
   encodes;
4. the cache is bounded once, and the county report (JSON and a table) is
   written: ``<root>/county-<date>.json``.

The tasks run on a `Runner`: the local process pool (county/embedded.py, the
default) or the workers behind Redis (county/queue.py). One county render at
a time per root (a lock, as run-daily has).
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Callable, Protocol

from broadcaster.county.config import CountyFile, load_county
from broadcaster.county.plan import CountyPlan, batches, plan_county, request_to_json
from broadcaster.county.report import CountyReport, build_report, write_report
from broadcaster.county.state import state_dir
from broadcaster.daily.lock import job_lock


class Runner(Protocol):
    workers: int

    def run(self, kind: str, specs: list[dict]) -> dict[str, dict | str]:
        """Run every spec (kind "segments" or "village"); each task's result, or its error as text."""


def render_county(path: Path, day: dt.date, runner_for: Callable[[CountyFile], Runner], *, wait_s: float = 60.0,
                  latest_mode: str | None = None, say: Callable[[str], None] = lambda line: None) -> CountyReport:
    from broadcaster.settings import check_environment
    from broadcaster.synthesise.cache import SegmentCache

    check_environment()
    county = load_county(path)
    cache = SegmentCache(county.cache)
    plan = plan_county(county, day, cache)
    county.root.mkdir(parents=True, exist_ok=True)
    with job_lock(county.root / ".county", wait_s):
        folder = state_dir(county.root, day)
        shutil.rmtree(folder, ignore_errors=True)  # the day's earlier run: its tasks are not this run's
        folder.mkdir(parents=True)
        runner = runner_for(county)
        started = dt.datetime.now().astimezone()
        todo = plan.to_make()
        say(f"{county.name}: {len(plan.villages)} villages, {sum(len(v.keys) for v in plan.villages)} segments, "
            f"{len(plan.segments)} distinct, {len(todo)} to make on {runner.workers} worker(s)")
        segment_specs = _segment_specs(plan, todo, runner.workers, folder)
        segment_results = runner.run("segments", segment_specs) if segment_specs else {}
        say(f"segments made; assembling {len(plan.villages)} villages")
        village_results = runner.run("village", _village_specs(plan, folder, latest_mode))
        cache.evict()  # the real bound, once the last village has read what it needed
        report = build_report(plan, segment_specs, segment_results, village_results, started, runner.workers)
        write_report(county.root / f"county-{day.isoformat()}.json", report)
        return report


def _segment_specs(plan: CountyPlan, todo, workers: int, folder: Path) -> list[dict]:
    cache = str(plan.county.cache) if plan.county.cache else None
    specs = []
    for i, batch in enumerate(batches(todo, workers)):
        specs.append({"task": f"segments-{i + 1:04d}", "state_dir": str(folder), "cache": cache,
                      "engine": batch[0].engine, "rate_hz": batch[0].rate_hz, "keys": [s.key for s in batch],
                      "owners": [s.owner for s in batch], "requests": [request_to_json(s.request) for s in batch],
                      "online_concurrency": plan.county.online_concurrency})
    return specs


def _village_specs(plan: CountyPlan, folder: Path, latest_mode: str | None) -> list[dict]:
    county = plan.county
    return [{"task": f"village-{v.name}", "state_dir": str(folder), "cache": str(county.cache) if county.cache else None,
             "village": v.name, "script": v.script, "root": v.root, "date": plan.day.isoformat(),
             "keep_days": county.keep_days, "offline": county.offline, "latest_mode": latest_mode}
            for v in plan.villages]
