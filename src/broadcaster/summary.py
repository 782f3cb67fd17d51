"""Human-readable tables for `render` and `check` (stdout)."""
from __future__ import annotations

import io
import math

from broadcaster.model import ItemPlan, Programme
from broadcaster.render import RenderResult

# Mandarin broadcast speech runs at roughly 4-5 characters a second.
CHARS_PER_S = 4.5


def _table(headers: list[str], rows: list[list[str]]) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, box=None, pad_edge=False, show_edge=False)
    for row in rows:
        table.add_row(*row)
    console = Console(width=120, file=io.StringIO())
    console.print(table)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()) + "\n"


def _level(value: float | None) -> str:
    return f"{value:.1f}" if value is not None and math.isfinite(value) else ""


def print_summary(result: RenderResult) -> None:
    rows = []
    for r in result.rows:
        level = [_level(r.loudness.integrated_lufs), _level(r.loudness.loudness_range_lu),
                 _level(r.loudness.true_peak_dbtp)] if r.loudness else ["", "", ""]
        rows.append([r.number, r.kind, r.title, r.file or "", f"{r.duration_s:.1f}", *level,
                     r.engine + (f" ({r.fallback})" if r.fallback else "")])
    print(_table(["#", "kind", "title", "file", "s", "LUFS", "LRA", "dBTP", "engine"], rows), end="")
    s = result.stats
    loudness = result.loudness
    lra = f", range {loudness.loudness_range_lu:.1f} LU" if math.isfinite(loudness.loudness_range_lu) else ""
    print(
        f"{result.out_dir}: {result.duration_s:.1f} s, {loudness.integrated_lufs:.1f} LUFS{lra}, "
        f"true peak {loudness.true_peak_dbtp:.1f} dBTP; {s.segments} segment{'' if s.segments == 1 else 's'} "
        f"({s.synthesised} synthesised, {s.cached} from cache) in {result.elapsed_s:.1f} s"
    )
    if s.damaged:
        print(f"warning: {s.damaged} damaged cache entr{'y was' if s.damaged == 1 else 'ies were'} removed and synthesised again")
    if s.fallback_items:
        print(f"{len(s.fallback_items)} item(s) fell back to another engine:")
        for title, origin, reason in s.fallback_items:
            print(f"  {title}: {origin} failed: {reason}")


def print_plan(programme: Programme, plans: list[ItemPlan]) -> None:
    print(f"{programme.title}  {programme.date.isoformat()}  {programme.station or ''}".rstrip())
    rows = []
    total_s = 0.0
    for plan in plans:
        item = plan.item
        if plan.cues:
            v = plan.cues[0].request.voice
            est = plan.chars / CHARS_PER_S * (1 / v.rate_factor)
            voice = f"{v.engine}:{v.name} {v.rate}"
            n = len(plan.cues)
            detail = f"{n} segment{'' if n == 1 else 's'}, {plan.chars} chars"
        else:
            est = getattr(item, "duration_s", 2.0)  # a pause says how long; a jingle is a couple of seconds
            voice, detail = "", item.describe()
        total_s += est
        rows.append([str(item.index), item.kind, plan.title, voice, detail, f"~{est:.0f}"])
    print(_table(["#", "kind", "title", "voice", "what", "s"], rows), end="")
    print(f"about {total_s / 60:.1f} min; fallback: {', '.join(programme.fallback) or 'none'}")
    if programme.music is not None:
        bed = programme.music
        print(f"music bed: {bed.path.name}, {bed.level_db:g} dB under the speech, {bed.duck_db:g} dB more while speech plays")
