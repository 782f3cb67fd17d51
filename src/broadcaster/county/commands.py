"""The county's commands: `county render`, `county status` and `worker` (registered by cli.py in one line)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from broadcaster.errors import BroadcasterError, InputError

county_app = typer.Typer(no_args_is_help=True, help="A county's villages: every village's daily programme, each shared segment made once.")
_BROKER_HELP = "The task queue, redis://host:6379/0 [default: BROADCASTER_BROKER; none: a local process pool]."
_CONCURRENCY_HELP = "Tasks at once, one per process [default: one per core]."


class VillagesFailed(BroadcasterError):
    """Some villages have no programme for the day (exit 1); their `latest` is unchanged."""


def _day(value: Optional[str]):
    import datetime as dt

    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date: {value!r} is not a date like 2026-11-30") from None


def _broker(value: Optional[str]) -> Optional[str]:
    from broadcaster import settings

    return value or settings.read("BROADCASTER_BROKER")


def _concurrency(value: Optional[int]) -> int:
    from broadcaster.county.embedded import default_concurrency

    if value is not None and not 1 <= value <= 256:
        raise InputError(f"--concurrency: {value} must be from 1 to 256")
    return value or default_concurrency()


@county_app.command("render")
def county_render(
    county: Path = typer.Argument(..., help="The county file (county.yaml)."),
    date: Optional[str] = typer.Option(None, "--date", help="The day to make (YYYY-MM-DD) [default: today]."),
    broker: Optional[str] = typer.Option(None, "--broker", help=_BROKER_HELP),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", help=_CONCURRENCY_HELP + " With --broker: ignored (the workers have theirs)."),
    wait: float = typer.Option(60.0, "--wait", help="Seconds to wait for another county render of this county to finish."),
    latest_mode: Optional[str] = typer.Option(None, "--latest-mode", help="symlink or copy, as run-daily."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the report table."),
) -> None:
    """Make every village's programme for the day; print the county report (also <root>/county-<date>.json)."""
    from broadcaster.county.report import report_lines
    from broadcaster.county.run import render_county

    if latest_mode not in (None, "symlink", "copy"):
        raise InputError(f"--latest-mode: {latest_mode!r}; allowed: symlink, copy")
    day, url, workers = _day(date), _broker(broker), _concurrency(concurrency)
    if url:
        from broadcaster.county.queue import QueueRunner, check_url

        check_url(url)

        def runner_for(_county):
            runner = QueueRunner(url)
            if runner.seen == 0:
                print("warning: no worker has been heard from on the broker lately; the tasks wait in the queue "
                      "until `broadcaster worker` runs somewhere", file=sys.stderr)
            return runner
    else:
        from broadcaster.county.embedded import EmbeddedRunner

        def runner_for(_county):
            return EmbeddedRunner(workers)

    report = render_county(county, day, runner_for, wait_s=wait, latest_mode=latest_mode,
                           say=(lambda line: None) if quiet else (lambda line: print(line, file=sys.stderr, flush=True)))
    for line in report_lines(report):
        print(line)
    if report.failed:
        names = ", ".join(v.name for v in report.failed[:5]) + (" …" if len(report.failed) > 5 else "")
        raise VillagesFailed(f"county render {report.date}: {len(report.failed)} of {len(report.villages)} villages failed ({names}); "
                             "their latest still plays the last good programme")


@county_app.command("status")
def county_status(
    county: Path = typer.Argument(..., help="The county file (county.yaml)."),
    date: Optional[str] = typer.Option(None, "--date", help="The day to show (YYYY-MM-DD) [default: today]."),
) -> None:
    """Which villages are done, running, failed or late for the day."""
    from broadcaster.county.config import load_county
    from broadcaster.county.status import county_status as status, status_lines

    loaded, day = load_county(county), _day(date)
    for line in status_lines(loaded, day, status(loaded, day)):
        print(line)


def worker(
    broker: Optional[str] = typer.Option(None, "--broker", help=_BROKER_HELP.replace("; none: a local process pool", "")),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", help=_CONCURRENCY_HELP),
) -> None:
    """Work on the county's tasks from the queue until stopped (Ctrl+C, SIGTERM); needs the shared folder mounted."""
    from broadcaster.county.queue import run_worker

    url = _broker(broker)
    if not url:
        raise InputError("worker: --broker (or BROADCASTER_BROKER) is required, e.g. redis://192.168.1.10:6379/0")
    code = run_worker(url, _concurrency(concurrency))
    if code:
        raise SystemExit(code)


def register(app: typer.Typer) -> None:
    app.add_typer(county_app, name="county")
    app.command("worker")(worker)
