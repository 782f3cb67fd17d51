"""`broadcaster county status`: which villages are done, running, failed or late for a day.

Read from what is on the shared folder, so it works from any machine and
while a county render is going on: each village's own run.json (the daily
job writes it, done or failed) and the county run's task files
(county/state.py: running, and on which host and process). A village with
nothing yet is "waiting"; past the county's deadline without its programme
it is also late.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from broadcaster.county.config import CountyFile
from broadcaster.county.state import read_states, state_dir


@dataclass
class VillageStatus:
    name: str
    state: str          # done | running | retrying | failed | waiting
    late: bool
    where: str          # host:pid of a running task, the dated folder of a done one, or the error
    segments: str = ""  # of the day's segment tasks: "done/all"


def _run_json(root: Path) -> dict:
    try:
        return json.loads((root / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def county_status(county: CountyFile, day: dt.date, now: dt.datetime | None = None) -> list[VillageStatus]:
    now = now or dt.datetime.now().astimezone()
    deadline = dt.datetime.combine(day, county.deadline).astimezone() if county.deadline else None
    states = read_states(state_dir(county.root, day))
    rows = []
    for village in county.villages:
        task = states.get(f"village-{village.name}", {})
        last = _run_json(village.root)
        last_today = last if last.get("date") == day.isoformat() else {}
        if task.get("state") in ("running", "retrying"):
            state, where = task["state"], f"{task.get('host')}:{task.get('pid')}"
            if task["state"] == "retrying":
                where += f" ({task.get('error')})"
        elif last_today.get("status") in ("ok", "unchanged"):
            state, where = "done", str(last_today.get("folder") or "")
        elif last_today.get("status") == "failed" or task.get("state") == "failed":
            state, where = "failed", str(last_today.get("error") or task.get("error") or "")
        else:
            state, where = "waiting", ""
        finished = last_today.get("finished") if state == "done" else None
        when = dt.datetime.fromisoformat(finished) if finished else now
        rows.append(VillageStatus(village.name, state, bool(deadline and when > deadline), where))
    segments = [s for name, s in states.items() if name.startswith("segments-")]
    if rows and segments:
        rows[0].segments = f"{sum(1 for s in segments if s.get('state') == 'done')}/{len(segments)}"
    return rows


def status_lines(county: CountyFile, day: dt.date, rows: list[VillageStatus]) -> list[str]:
    width = max([len(r.name) for r in rows] + [7])
    lines = [f"{'village':<{width}}  state     late  where"]
    lines += [f"{r.name:<{width}}  {r.state:<8}  {'late' if r.late else '-':<4}  {r.where}".rstrip() for r in rows]
    counts = {s: sum(1 for r in rows if r.state == s) for s in ("done", "running", "retrying", "failed", "waiting")}
    segments = next((r.segments for r in rows if r.segments), "")
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    late = sum(1 for r in rows if r.late)
    lines.append(f"{county.name} {day.isoformat()}: {summary}" + (f", {late} late" if late else "")
                 + (f"; segment tasks done {segments}" if segments else ""))
    return lines
