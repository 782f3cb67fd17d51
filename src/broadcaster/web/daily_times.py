"""A daily programme's broadcast times, set from the page through `daily/schedule.py`.

The page installs the same schedule `broadcaster schedule install` does: a
systemd user timer on Linux (crontab where systemd's user manager is not
reachable), Task Scheduler on Windows. Where the server's account may not do
that, staff get one Chinese sentence saying so and the command a technician
can run instead; nothing is half-installed silently.

    >>> parse_times("6:00，17:30 06:00")
    ['06:00', '17:30']
    >>> next_run(["06:00", "17:30"], dt.datetime(2026, 12, 7, 9, 15))
    datetime.datetime(2026, 12, 7, 17, 30)
    >>> next_run_zh(dt.datetime(2026, 12, 8, 6, 0), dt.datetime(2026, 12, 7, 9, 15))
    '明天（12月8日）06:00'
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

from broadcaster.errors import BroadcasterError, InputError

_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")
MAX_TIMES = 6


def parse_times(text: str) -> list[str]:
    """Times of day as staff type them (06:00 17:30, 6:00，17:30, full-width colons too), sorted, distinct."""
    out = set()
    for part in [p for p in re.split(r"[\s,，、;；]+", text.strip()) if p]:
        match = _TIME.match(part)
        if not match:
            raise InputError(f"“{part}”不是时间：请写成 06:00 这样（24 小时制），几个时间用空格隔开", where="times")
        out.add(f"{int(match.group(1)):02d}:{match.group(2)}")
    if len(out) > MAX_TIMES:
        raise InputError(f"每天最多设 {MAX_TIMES} 个时间", where="times")
    return sorted(out)


def kinds() -> list[str]:
    """The kinds of schedule to try on this system, in order."""
    if os.name == "nt":
        return ["windows"]
    return ["systemd"] + (["cron"] if shutil.which("crontab") else [])


def install(script: Path, times: list[str]) -> str:
    """Install (or replace) the schedule; the Chinese sentence saying what was done.
    Raises InputError with the sentence saying why not, and what to do instead."""
    from broadcaster.daily import schedule
    from broadcaster.web.daily import KIND_ZH

    command = f'broadcaster schedule install "{script}"' + "".join(f" --at {t}" for t in times)
    problems = []
    for kind in kinds():
        try:
            if not times:
                schedule.remove(script, kind)
                continue
            schedule.install(schedule.make_job(script, times), kind)
        except (BroadcasterError, OSError) as exc:
            problems.append(str(exc))
            if kind == "systemd" and times:  # unit files written but not enabled: not left to look installed
                name = schedule.make_job(script, times).name
                for ext in ("service", "timer"):
                    (schedule.systemd_dir() / f"{name}.{ext}").unlink(missing_ok=True)
            continue
        return f"已设定每天 {'、'.join(times)} 自动运行（{KIND_ZH[kind]}）。"
    if not times:
        return "已取消自动运行。"
    raise InputError("没能设定自动运行：这台电脑上运行网页的账户没有设定定时任务的权限，或系统的定时服务没有运行。"
                     f"请技术人员在这台电脑上运行：{command}（详情：{'；'.join(problems)}）", where="times")


def next_run(times: list[str], now: dt.datetime) -> dt.datetime | None:
    """The first of `times` after `now`, today or tomorrow."""
    if not times:
        return None
    today = [dt.datetime.combine(now.date(), dt.time(int(t[:2]), int(t[3:]))) for t in times]
    later = [t for t in today if t > now]
    return min(later) if later else today[0] + dt.timedelta(days=1)


def next_run_zh(when: dt.datetime, now: dt.datetime) -> str:
    day = "今天" if when.date() == now.date() else "明天"
    return f"{day}（{when.month}月{when.day}日）{when:%H:%M}"
