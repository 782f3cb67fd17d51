"""What each task of a county run is doing, in small files on the shared folder.

``<root>/.county/<date>/<task>.json`` holds {task, kind, village, state,
host, pid, started, finished, cpu_s, …}; a task writes "running" when it
starts and "done", "retrying" or "failed" when it ends (atomically, by
rename). The files live beside the villages' programmes, which every
machine of the county mounts anyway, so `county status` and the waiting
`county render` read the same thing whether the tasks run on a local pool or
on workers behind Redis, and survive a broker restart.

A task whose process died stays "running" with its host and pid until the
queue gives it to another worker, which writes over it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path

from broadcaster.durable import write_atomic

FINAL = ("done", "failed")


def state_dir(root: Path, day: dt.date) -> Path:
    return Path(root) / ".county" / day.isoformat()


def now() -> str:
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def write_state(folder: Path, task: str, /, **fields) -> None:
    record = {"task": task, "host": socket.gethostname(), "pid": os.getpid(), **fields}
    write_atomic(Path(folder) / f"{task}.json", (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
                 durable=False)  # lost in a power cut, a task is only done again


def read_states(folder: Path) -> dict[str, dict]:
    """Every task's latest record in `folder` (unreadable ones are skipped: being replaced)."""
    out = {}
    try:
        names = [e.name for e in os.scandir(folder) if e.name.endswith(".json") and not e.name.startswith(".")]
    except OSError:
        return out
    for name in names:
        try:
            out[name[:-5]] = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return out
