"""The daily broadcast as the web page sees it: scripts, schedules, runs and `latest`.

Where the scripts are: one folder per daily programme inside the data
folder, ``daily/<name>/daily.yaml``, with its ``inbox/`` beside it, exactly
the layout `broadcaster run-daily` expects; so its output is
``daily/<name>/audio_out/daily/`` (daily.job.default_root), the same whether
the page's 立即运行 button, the scheduler or someone at a terminal runs it,
and a schedule installed with `broadcaster schedule install` for that script
is the one this page shows. One folder per script because two scripts in one
folder would share that output folder. A script reached through a link that
leads out of the data folder is not listed: the page reads and serves files
of its data folder only (the schedule, read-only, is the system's own record).

    >>> parse_times("OnCalendar=*-*-* 06:00:00\\nOnCalendar=*-*-* 17:30:00\\n")
    ['06:00', '17:30']
    >>> parse_times("5 6 * * * cd /srv && ... # broadcaster:x")
    ['06:05']
"""
from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from broadcaster.errors import BroadcasterError, InputError
from broadcaster.web.paths import DataDir

SCRIPT_NAME = "daily.yaml"
# As in daily/job.py, which is not imported here: it brings numpy, which the
# server's own process never loads (a test checks these agree).
RUN_JSON, RUN_LOG = "run.json", "runs.log"
MAX_RUNS = 10
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOG_LINE = re.compile(r"^(?P<started>\S+) date=(?P<date>\S+) status=(?P<status>\S+) synthesised=(?P<synthesised>\d+) "
                       r"cached=(?P<cached>\d+) fallbacks=(?P<fallbacks>\d+) warnings=(?P<warnings>\d+) latest=\S+(?: error=(?P<error>.*))?$")
STATUS_ZH = {"ok": "成功", "unchanged": "内容没有变化，沿用已做好的节目", "failed": "失败"}
KIND_ZH = {"systemd": "systemd 定时器", "cron": "crontab 定时任务", "windows": "Windows 任务计划程序"}


@dataclass(frozen=True)
class DailyScript:
    name: str  # its folder under daily/
    script: Path
    root: Path  # where run-daily writes the dated folders, latest and run.json


@dataclass
class Run:
    date: str
    started: str
    status: str
    finished: str = ""
    error: str | None = None
    synthesised: int = 0
    cached: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)

    @property
    def duration_s(self) -> float | None:
        try:
            return (dt.datetime.fromisoformat(self.finished) - dt.datetime.fromisoformat(self.started)).total_seconds()
        except ValueError:
            return None

    @property
    def started_ts(self) -> float | None:
        try:
            return dt.datetime.fromisoformat(self.started).timestamp()
        except ValueError:
            return None

    @property
    def error_zh(self) -> str:
        return run_error_zh(self.error) if self.error else ""


def scripts(data: DataDir) -> list[DailyScript]:
    out = []
    for folder in sorted(data.daily_dir.iterdir()) if data.daily_dir.is_dir() else []:
        script = folder / SCRIPT_NAME
        if folder.name.startswith(".") or not script.is_file():
            continue
        try:
            resolved = data.inside(script)
        except InputError:
            continue
        out.append(DailyScript(folder.name, resolved, resolved.parent / "audio_out" / "daily"))
    return out


def find(data: DataDir, name: str) -> DailyScript:
    """A daily script by its folder's name: looked up among those listed, never joined as given."""
    for found in scripts(data):
        if found.name == name:
            return found
    raise InputError("没有这个每日广播", where=name)


def runs(root: Path, limit: int = MAX_RUNS) -> list[Run]:
    """The newest runs first: runs.log has one line per run (failed ones too), in the order
    they ran; run.json (beside `latest`, and in each day's folder) adds when each finished,
    its warnings and its error in full. Times are to the second, so two runs can share one:
    a report is matched by time, day and status, and the log's order breaks ties."""
    reports: dict[tuple[str, str, str], dict] = {}
    dated = [p / RUN_JSON for p in root.iterdir() if _DATED.match(p.name)] if root.is_dir() else []
    for path in [root / RUN_JSON, *dated]:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("started"), str):
            reports.setdefault((doc["started"], str(doc.get("date", "")), str(doc.get("status", ""))), doc)
    found: list[Run] = []
    for line in _log_tail(root / RUN_LOG):
        match = _LOG_LINE.match(line)
        if not match:
            continue
        error = match["error"]
        try:
            error = ast.literal_eval(error) if error else None
        except (ValueError, SyntaxError):
            pass
        run = Run(match["date"], match["started"], match["status"], error=error,
                  synthesised=int(match["synthesised"]), cached=int(match["cached"]))
        doc = reports.pop((run.started, run.date, run.status), None)
        if doc is not None:
            run.finished = str(doc.get("finished") or "")
            run.error = doc.get("error") or run.error
            run.warnings = [str(w) for w in doc.get("warnings") or []]
        found.append(run)
    for (started, date, status), doc in reports.items():  # a report whose log line is gone (the log was cleared)
        found.insert(0, Run(date, started, status, str(doc.get("finished") or ""), doc.get("error"),
                            int(doc.get("synthesised") or 0), int(doc.get("cached") or 0),
                            [str(w) for w in doc.get("warnings") or []]))
    # Newest first; a stable sort keeps the log's order (reversed) among runs of the same second.
    return sorted(reversed(found), key=lambda r: -(r.started_ts or 0))[:limit]


def _log_tail(path: Path, max_bytes: int = 64 * 1024) -> list[str]:
    """The log's last lines (it grows by a line a run, for years)."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - max_bytes))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    return lines[1:] if size > max_bytes else lines  # the first line read was cut in the middle


def run_error_zh(error: str) -> str:
    """A run's error (English, from the daily job) as one Chinese sentence, the detail after it."""
    if "another run-daily is working" in error:
        return f"上一次运行还没有结束，这次没有运行（{error}）"
    if re.search(r"\.ya?ml:\d+", error):
        return f"每日脚本有误，请检查（{error}）"
    if re.search(r"engine|voice|synthes", error, re.IGNORECASE):
        return f"语音合成失败（{error}）"
    return f"制作失败（{error}）"


def latest(data: DataDir, daily: DailyScript) -> dict | None:
    """The programme `latest` shows now: its day, title, duration and file (inside the data folder), or None."""
    from broadcaster.daily.latest import current_latest

    name = current_latest(daily.root) if daily.root.is_dir() else None
    if not name or not _DATED.match(name):
        return None
    folder = daily.root / name
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        path = data.inside(folder / str(manifest["file"]))
    except (OSError, ValueError, KeyError, TypeError, InputError):
        return None
    if not path.is_file():
        return None
    return {"date": name, "title": manifest.get("title", ""), "duration_s": manifest.get("duration_s"), "file": path}


def parse_times(text: str) -> list[str]:
    """The times of day in `schedule show`'s output: systemd OnCalendar, crontab lines, Task Scheduler XML."""
    times = [f"{h}:{m}" for h, m in re.findall(r"^OnCalendar=\*-\*-\* (\d\d):(\d\d)", text, re.MULTILINE)]
    times += [f"{int(h):02d}:{int(m):02d}" for m, h in re.findall(r"^(\d{1,2}) (\d{1,2}) \* \* \* ", text, re.MULTILINE)]
    times += re.findall(r"<StartBoundary>[^<T]*T(\d\d:\d\d)", text)
    return sorted(set(times))


def schedule(daily: DailyScript) -> dict:
    """The installed schedule of the script (read only): {"times", "kind", "text"}; times empty when none."""
    from broadcaster.daily import schedule as sched

    kinds = ["windows"] if os.name == "nt" else ["systemd"] + (["cron"] if shutil.which("crontab") else [])
    for kind in kinds:
        try:
            text = sched.show(daily.script, kind)
        except (BroadcasterError, OSError):
            continue
        times = parse_times(text)
        if times:
            return {"times": times, "kind": KIND_ZH[kind], "text": text}
    return {"times": [], "kind": "", "text": ""}
