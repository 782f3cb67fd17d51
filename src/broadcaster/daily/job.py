"""`broadcaster run-daily SCRIPT.yaml`: today's programme, safely, unattended.

In order, holding the folder's lock (daily/lock.py):

1. load the script for the day (templates filled, today's inbox articles);
2. if the day's folder was made from the very same inputs, do nothing
   (status ``unchanged``): the audio stays byte for byte what it was and no
   engine is started. Inputs are fingerprinted by content (script, texts,
   article and jingle bytes, lexicon files, profile, version), not by path,
   since processed articles move to done/. An earlier render that fell back to
   another engine, or that reads a link, is not skipped: the network voice
   may be back, and a link's content cannot be known without fetching it
   (the segment cache makes such a re-render cheap anyway);
3. render into ``<root>/<date>/`` (staged, renamed into place whole), write
   its run.json, switch ``latest`` to it (daily/latest.py), move the day's
   articles to inbox/done/<date>/, remove dated folders beyond `keep_days`;
4. whatever happened, write ``<root>/run.json`` and append one line to
   ``<root>/runs.log``. A failure leaves `latest` on the last good programme
   and raises `JobFailed` (exit 1, one line) for cron, systemd or Task
   Scheduler to report.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from broadcaster.script.inbox import move_to_done
from broadcaster.daily.latest import current_latest, switch_latest
from broadcaster.daily.lock import job_lock
from broadcaster.durable import write_atomic
from broadcaster.errors import BroadcasterError, InputError

RUN_JSON = "run.json"
RUN_LOG = "runs.log"
DEFAULT_KEEP_DAYS = 14
DEFAULT_WAIT_S = 60.0
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class JobFailed(BroadcasterError):
    """The day's programme could not be made; `latest` is unchanged: exit 1."""


@dataclass
class RunReport:
    """What run.json and the log line say about one run."""

    date: str
    started: str
    finished: str = ""
    status: str = "failed"  # ok | unchanged | failed
    folder: str | None = None
    latest: str | None = None
    fingerprint: str | None = None
    synthesised: int = 0
    cached: int = 0
    fallbacks: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    removed: list[str] = field(default_factory=list)

    def log_line(self) -> str:
        line = (f"{self.started} date={self.date} status={self.status} synthesised={self.synthesised} "
                f"cached={self.cached} fallbacks={len(self.fallbacks)} warnings={len(self.warnings)} latest={self.latest or '-'}")
        return line + (f" error={self.error!r}" if self.error else "")


def default_root(script: Path) -> Path:
    return script.resolve().parent / "audio_out" / "daily"


def _now() -> str:
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(programme) -> str | None:
    """A digest of everything the day's audio is made from, or None when it
    cannot be known without fetching (an article given as a link)."""
    from broadcaster import __version__

    items = []
    for item in programme.items:
        if getattr(item, "url", None):
            return None
        path = getattr(item, "path", None)  # an article or a jingle file: its content counts, not where it sits
        content = _sha(path) if path else None
        name = path.name if path else None
        items.append([repr(replace(item, **({"path": None} if path else {}), where="")), name, content])
    frame = replace(programme, source=Path(programme.source.name), items=(), inbox_articles=(), warnings=(),
                    lexicon_files=(), output=None)
    parts = {"version": __version__, "script": _sha(programme.source), "frame": repr(frame), "items": items,
             "lexicon_files": [_sha(p) for p in programme.lexicon_files],
             # BROADCASTER_LEXICON names a file whose words change what is said.
             "env_lexicon": _sha(Path(os.environ["BROADCASTER_LEXICON"])) if os.path.isfile(os.environ.get("BROADCASTER_LEXICON", "")) else None,
             "settings": sorted((k, v) for k, v in os.environ.items() if k.startswith("BROADCASTER_")
                                and k not in ("BROADCASTER_CACHE_DIR", "BROADCASTER_CACHE_MAX_MB", "BROADCASTER_BROKER"))}
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _unchanged(folder: Path, digest: str | None) -> bool:
    if digest is None or not (folder / "manifest.json").is_file():
        return False
    try:
        earlier = json.loads((folder / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return earlier.get("fingerprint") == digest and earlier.get("status") in ("ok", "unchanged") and not earlier.get("fallbacks")


def prune(root: Path, keep_days: int, keep: str | None) -> list[str]:
    """Remove dated folders beyond the newest `keep_days`, never `keep`."""
    dated = sorted((p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and _DATED.match(p.name)), reverse=True)
    removed = []
    for old in dated[keep_days:]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
    return removed


def _write_json(path: Path, report: RunReport) -> None:
    write_atomic(path, (json.dumps(report.__dict__, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    path.chmod(0o644)  # the temporary file was private; the report is for whoever looks after the station


def _append_log(root: Path, report: RunReport) -> None:
    # One write on a file opened for appending: lines of two jobs never interleave.
    fd = os.open(root / RUN_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (report.log_line() + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def run_daily(script: Path, *, day: dt.date | None = None, root: Path | None = None, keep_days: int = DEFAULT_KEEP_DAYS,
              wait_s: float = DEFAULT_WAIT_S, offline: bool = False, latest_mode: str | None = None,
              reporter=None, on_rendered=None, cache=None) -> RunReport:
    """Make the day's programme under `root` (default: audio_out/daily beside the script);
    `cache` is the segment cache to render with (a county's shared one) [default: the user's]."""
    day = day or dt.date.today()
    root = (root or default_root(script)).resolve()
    if keep_days < 1:
        raise InputError("--keep-days must be at least 1")
    with job_lock(root, wait_s):
        report = RunReport(date=day.isoformat(), started=_now(), latest=current_latest(root))
        try:
            _run(script, day, root, keep_days, offline, latest_mode, reporter, report, on_rendered, cache)
        except BaseException as exc:
            report.status = "failed"
            report.error = str(exc) or type(exc).__name__
            report.finished = _now()
            _write_json(root / RUN_JSON, report)
            _append_log(root, report)
            if isinstance(exc, InputError):
                raise
            if isinstance(exc, Exception):
                kept = f"latest still plays {report.latest}" if report.latest else "there is no earlier programme in latest"
                raise JobFailed(f"run-daily {day}: {report.error}; {kept}") from exc
            raise
        report.finished = _now()
        _write_json(root / RUN_JSON, report)
        _append_log(root, report)
        return report


def _run(script, day, root, keep_days, offline, latest_mode, reporter, report, on_rendered, cache) -> None:
    from broadcaster.render import render_programme
    from broadcaster.script import load_script

    programme = load_script(script, day)
    report.warnings = list(programme.warnings)
    folder = root / day.isoformat()
    report.folder = str(folder)
    report.fingerprint = fingerprint(programme)
    if _unchanged(folder, report.fingerprint):
        report.status = "unchanged"
    else:
        result = render_programme(programme, folder, offline=offline, reporter=reporter, cache=cache)
        if on_rendered is not None:
            on_rendered(result)
        report.synthesised, report.cached = result.stats.synthesised, result.stats.cached
        report.fallbacks = [{"item": t, "from": o, "reason": r} for t, o, r in result.stats.fallback_items]
        report.status = "ok"
        report.finished = _now()
        _write_json(folder / RUN_JSON, report)
    switch_latest(root, folder.name, latest_mode)
    report.latest = folder.name
    # Only now, with the programme safely in latest, are the day's articles done.
    for inbox in {inbox for inbox, _ in programme.inbox_articles}:
        move_to_done([p for i, p in programme.inbox_articles if i == inbox], inbox, day)
    report.removed = prune(root, keep_days, folder.name)
