"""`broadcaster schedule install|show|remove`: run the daily job at fixed times.

Three kinds, each with the absolute path of this Python, so that the job runs
this very installation whatever PATH the scheduler gives it:

- **systemd** (Linux): a user service and timer in
  ``$XDG_CONFIG_HOME/systemd/user`` with one ``OnCalendar=`` per time and
  ``Persistent=true``, so a run missed while the machine was off happens at
  boot; enabled with ``systemctl --user``.
- **cron**: one crontab line per time, marked with a comment naming the job,
  so `remove` takes out only its own lines.
- **windows**: a Task Scheduler task (XML, UTF-16 as ``schtasks /Create /XML``
  expects) with a daily CalendarTrigger per time, StartWhenAvailable (a missed
  run starts when the machine is back) and MultipleInstancesPolicy IgnoreNew.

    >>> cron_lines(Job(Path("/srv/d.yaml"), ("06:00",), "/venv/bin/python"))[0]  # doctest: +ELLIPSIS
    '0 6 * * * cd /srv && mkdir -p /srv/audio_out/daily && /venv/bin/python -m broadcaster run-daily /srv/d.yaml --quiet >> /srv/audio_out/daily/cron.log 2>&1 # broadcaster:...'
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from broadcaster.errors import BroadcasterError, InputError

KINDS = ("systemd", "cron", "windows")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"


@dataclass(frozen=True)
class Job:
    script: Path  # absolute
    times: tuple[str, ...]  # "06:00", sorted, distinct
    python: str = sys.executable

    @property
    def name(self) -> str:
        """broadcaster-daily-<script stem>-<8 hex of its path>: ASCII, distinct per script."""
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", self.script.stem).strip("-")[:40] or "script"
        return f"broadcaster-daily-{stem}-{hashlib.sha256(str(self.script).encode()).hexdigest()[:8]}"

    def argv(self) -> list[str]:
        return [self.python, "-m", "broadcaster", "run-daily", str(self.script), "--quiet"]


def make_job(script: Path, times: list[str]) -> Job:
    if not times:
        raise InputError("schedule install: give at least one --at HH:MM, e.g. --at 06:00")
    clean = []
    for value in times:
        match = _TIME.match(value.strip())
        if not match:
            raise InputError(f"--at: {value!r} is not a time like 06:00 or 17:30")
        clean.append(f"{int(match.group(1)):02d}:{match.group(2)}")
    script = script.resolve()
    if not script.is_file():
        raise InputError("script file not found", where=str(script))
    return Job(script, tuple(sorted(set(clean))))


def default_kind() -> str:
    return "windows" if os.name == "nt" else "systemd"


# --- systemd -------------------------------------------------------------

def _systemd_quote(arg: str) -> str:
    # systemd expands % specifiers and splits on spaces; quote and escape.
    arg = arg.replace("%", "%%")
    return f'"{arg}"' if re.search(r'[\s"\\]', arg) else arg


def systemd_units(job: Job) -> dict[str, str]:
    """{file name: content} of the service and the timer."""
    calendars = "".join(f"OnCalendar=*-*-* {t}:00\n" for t in job.times)
    service = (
        "[Unit]\n"
        f"Description=broadcaster daily programme ({job.script.name})\n"
        "Wants=network-online.target\nAfter=network-online.target\n\n"
        "[Service]\nType=oneshot\n"
        # A path setting takes the rest of the line as it is (quotes would be part of it); only % is special.
        f"WorkingDirectory={str(job.script.parent).replace('%', '%%')}\n"
        f"ExecStart={' '.join(_systemd_quote(a) for a in job.argv())}\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=broadcaster daily programme ({job.script.name}) at {', '.join(job.times)}\n\n"
        f"[Timer]\n{calendars}Persistent=true\nUnit={job.name}.service\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return {f"{job.name}.service": service, f"{job.name}.timer": timer}


def systemd_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


# --- cron ----------------------------------------------------------------

def _marker(job: Job) -> str:
    return f"# broadcaster:{job.name}"


def cron_lines(job: Job) -> list[str]:
    """One line per time. `%` is special to cron (a newline), so it is escaped."""
    log = job.script.parent / "audio_out" / "daily" / "cron.log"
    # The log's folder is made first: cron's shell cannot open it otherwise, and would not run the job at all.
    command = (f"cd {shlex.quote(str(job.script.parent))} && mkdir -p {shlex.quote(str(log.parent))} && "
               f"{shlex.join(job.argv())} >> {shlex.quote(str(log))} 2>&1")
    command = command.replace("%", "\\%")
    lines = []
    for t in job.times:
        hour, minute = t.split(":")
        lines.append(f"{int(minute)} {int(hour)} * * * {command} {_marker(job)}")
    return lines


def _crontab_read() -> str:
    proc = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    # `crontab -l` fails with "no crontab for user" when there is none yet.
    return proc.stdout if proc.returncode == 0 else ""


def _crontab_write(text: str) -> None:
    proc = subprocess.run(["crontab", "-"], input=text, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BroadcasterError(f"crontab refused the new table: {proc.stderr.strip()}")


def _without(table: str, job: Job) -> list[str]:
    return [line for line in table.splitlines() if not line.endswith(_marker(job))]


# --- Windows Task Scheduler ----------------------------------------------

def windows_task_xml(job: Job, today: dt.date | None = None) -> str:
    """The task as Task Scheduler XML (schema 1.2); encode as UTF-16 to import."""
    start = (today or dt.date.today()).isoformat()
    triggers = "".join(
        "    <CalendarTrigger>\n"
        f"      <StartBoundary>{start}T{t}:00</StartBoundary>\n"
        "      <Enabled>true</Enabled>\n"
        "      <ScheduleByDay>\n        <DaysInterval>1</DaysInterval>\n      </ScheduleByDay>\n"
        "    </CalendarTrigger>\n" for t in job.times)
    args = subprocess.list2cmdline(job.argv()[1:])  # Windows' own quoting rules
    return (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        f'<Task version="1.2" xmlns="{TASK_NS}">\n'
        "  <RegistrationInfo>\n"
        f"    <Description>{escape(f'broadcaster daily programme ({job.script.name}) at ' + ', '.join(job.times))}</Description>\n"
        f"    <URI>\\{job.name}</URI>\n"
        "  </RegistrationInfo>\n"
        f"  <Triggers>\n{triggers}  </Triggers>\n"
        "  <Principals>\n    <Principal id=\"Author\">\n      <LogonType>InteractiveToken</LogonType>\n"
        "      <RunLevel>LeastPrivilege</RunLevel>\n    </Principal>\n  </Principals>\n"
        "  <Settings>\n"
        "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n"
        "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n"
        "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n"
        "    <StartWhenAvailable>true</StartWhenAvailable>\n"
        "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>\n"
        "    <ExecutionTimeLimit>PT2H</ExecutionTimeLimit>\n"
        "    <Enabled>true</Enabled>\n"
        "  </Settings>\n"
        '  <Actions Context="Author">\n    <Exec>\n'
        f"      <Command>{escape(job.python)}</Command>\n"
        f"      <Arguments>{escape(args)}</Arguments>\n"
        f"      <WorkingDirectory>{escape(str(job.script.parent))}</WorkingDirectory>\n"
        "    </Exec>\n  </Actions>\n"
        "</Task>\n"
    )


def _run(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        raise BroadcasterError(f"{argv[0]} not found: is this the right kind of schedule? (--cron, --kind)")
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BroadcasterError(f"{' '.join(argv[:3])} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


# --- the three commands --------------------------------------------------

def render_files(job: Job, kind: str) -> str:
    """What `install` would write, as text (`--print`)."""
    if kind == "systemd":
        return "".join(f"# {systemd_dir() / name}\n{text}\n" for name, text in systemd_units(job).items())
    if kind == "cron":
        return "".join(line + "\n" for line in cron_lines(job))
    return windows_task_xml(job)


def install(job: Job, kind: str) -> list[str]:
    """Install the schedule; returns lines saying what was done."""
    if kind == "systemd":
        folder = systemd_dir()
        folder.mkdir(parents=True, exist_ok=True)
        from broadcaster.durable import write_atomic

        for name, text in systemd_units(job).items():
            write_atomic(folder / name, text.encode("utf-8"))
            (folder / name).chmod(0o644)
        _run(["systemctl", "--user", "daemon-reload"])
        _run(["systemctl", "--user", "enable", "--now", f"{job.name}.timer"])
        return [f"installed {folder / job.name}.timer at {', '.join(job.times)}",
                "to run while nobody is logged in: loginctl enable-linger $USER"]
    if kind == "cron":
        lines = _without(_crontab_read(), job) + cron_lines(job)
        _crontab_write("".join(line + "\n" for line in lines))
        return [f"installed {len(job.times)} crontab line(s) at {', '.join(job.times)}"]
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / f"{job.name}.xml"
        xml.write_bytes(windows_task_xml(job).encode("utf-16"))  # with the BOM schtasks expects
        _run(["schtasks", "/Create", "/TN", job.name, "/XML", str(xml), "/F"])
    return [f"installed task {job.name} at {', '.join(job.times)}"]


def show(script: Path, kind: str) -> str:
    job = Job(script.resolve(), ())
    if kind == "systemd":
        files = [systemd_dir() / f"{job.name}.{ext}" for ext in ("service", "timer")]
        present = [p for p in files if p.is_file()]
        if not present:
            return f"no systemd schedule for {job.script}\n"
        return "".join(f"# {p}\n{p.read_text(encoding='utf-8')}\n" for p in present)
    if kind == "cron":
        lines = [line for line in _crontab_read().splitlines() if line.endswith(_marker(job))]
        return "".join(line + "\n" for line in lines) or f"no crontab lines for {job.script}\n"
    return _run(["schtasks", "/Query", "/TN", job.name, "/XML"])


def remove(script: Path, kind: str) -> str:
    job = Job(script.resolve(), ())
    if kind == "systemd":
        files = [systemd_dir() / f"{job.name}.{ext}" for ext in ("service", "timer")]
        if not any(p.is_file() for p in files):
            return f"no systemd schedule for {job.script}"
        _run(["systemctl", "--user", "disable", "--now", f"{job.name}.timer"])
        for p in files:
            p.unlink(missing_ok=True)
        _run(["systemctl", "--user", "daemon-reload"])
        return f"removed {job.name}.timer and .service"
    if kind == "cron":
        table = _crontab_read()
        kept = _without(table, job)
        if len(kept) == len(table.splitlines()):
            return f"no crontab lines for {job.script}"
        _crontab_write("".join(line + "\n" for line in kept))
        return f"removed {len(table.splitlines()) - len(kept)} crontab line(s)"
    _run(["schtasks", "/Delete", "/TN", job.name, "/F"])
    return f"removed task {job.name}"
