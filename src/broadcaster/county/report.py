"""The county report: per village done or failed, late, fallbacks, CPU time, segments shared and made.

A village's CPU time is its own assembly (mixing, encoding, ffmpeg) plus its
part of the synthesis: each segment's share of its task's CPU, counted for
the village that says it first (the county file's order) — so the villages'
CPU times add up to the county's. "shared" counts a village's segments that
other villages say too; "made" those synthesised for it in this run (the
rest were in the cache, made for an earlier village or an earlier day).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from broadcaster.county.plan import CountyPlan
from broadcaster.durable import write_atomic


@dataclass
class VillageRow:
    name: str
    station: str
    status: str               # done | failed
    late: bool
    fallbacks: int
    cpu_s: float
    segments: int             # its distinct segments
    shared: int               # of those, said by other villages too
    made: int                 # synthesised for it in this run
    error: str | None = None
    folder: str | None = None


@dataclass
class CountyReport:
    county: str
    date: str
    started: str
    finished: str
    wall_s: float
    workers: int
    segment_uses: int         # every village's distinct segments, added up
    distinct: int
    cached_before: int
    made: int                 # distinct segments synthesised by the segment tasks
    made_again: int           # synthesised again while assembling (a failed or missing entry)
    failed_segments: int
    cpu_s: float
    villages: list[VillageRow] = field(default_factory=list)

    @property
    def failed(self) -> list[VillageRow]:
        return [v for v in self.villages if v.status != "done"]


def _deadline(plan: CountyPlan) -> dt.datetime | None:
    if plan.county.deadline is None:
        return None
    return dt.datetime.combine(plan.day, plan.county.deadline).astimezone()


def build_report(plan: CountyPlan, segment_specs: list[dict], segment_results: dict, village_results: dict,
                 started: dt.datetime, workers: int) -> CountyReport:
    finished = dt.datetime.now().astimezone()
    deadline = _deadline(plan)
    users = plan.users()
    made_for: dict[str, int] = {}
    cpu_for: dict[str, float] = {}
    made = failed_segments = 0
    for spec in segment_specs:
        result = segment_results.get(spec["task"])
        share = len(spec["keys"]) or 1
        if not isinstance(result, dict):
            failed_segments += len(spec["keys"])
            continue
        made += result["made"]
        failed_segments += len(result["failed"])
        for owner in spec["owners"]:
            cpu_for[owner] = cpu_for.get(owner, 0.0) + result["cpu_s"] / share
            made_for[owner] = made_for.get(owner, 0) + 1
    rows = []
    made_again = 0
    for village in plan.villages:
        result = village_results.get(f"village-{village.name}")
        ok = isinstance(result, dict)
        when = dt.datetime.fromisoformat(result["finished"]) if ok and result.get("finished") else finished
        made_again += result["synthesised"] if ok else 0
        rows.append(VillageRow(
            village.name, village.station, "done" if ok else "failed",
            bool(deadline and when > deadline), len(result["fallbacks"]) if ok else 0,
            round(cpu_for.get(village.name, 0.0) + (result["cpu_s"] if ok else 0.0), 2),
            len(village.keys), sum(1 for k in village.keys if users[k] > 1),
            made_for.get(village.name, 0) + (result["synthesised"] if ok else 0),
            None if ok else str(result), result.get("folder") if ok else None))
    return CountyReport(plan.county.name, plan.day.isoformat(), started.replace(microsecond=0).isoformat(),
                        finished.replace(microsecond=0).isoformat(), round((finished - started).total_seconds(), 2),
                        workers, sum(len(v.keys) for v in plan.villages), len(plan.segments), len(plan.cached), made,
                        made_again, failed_segments, round(sum(r.cpu_s for r in rows), 2), rows)


def write_report(path: Path, report: CountyReport) -> None:
    data = asdict(report)
    write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    path.chmod(0o644)


def report_lines(report: CountyReport) -> list[str]:
    """The table `county render` prints, one village a line, then the county's totals."""
    width = max([len(v.name) for v in report.villages] + [7])
    lines = [f"{'village':<{width}}  status  late  fallbacks  cpu_s  segments  shared  made"]
    for v in report.villages:
        lines.append(f"{v.name:<{width}}  {v.status:<6}  {'late' if v.late else '-':<4}  {v.fallbacks:>9}  {v.cpu_s:>5.1f}  "
                     f"{v.segments:>8}  {v.shared:>6}  {v.made:>4}" + (f"  {v.error}" if v.error else ""))
    once = report.distinct - report.cached_before
    lines.append(f"{report.county} {report.date}: {len(report.villages) - len(report.failed)} of {len(report.villages)} villages done; "
                 f"{report.segment_uses} segments, {report.distinct} distinct, {report.cached_before} already cached, "
                 f"{report.made} of {once} made once, {report.made_again} made again; "
                 f"CPU {report.cpu_s:.1f} s, wall {report.wall_s:.1f} s")
    return lines
