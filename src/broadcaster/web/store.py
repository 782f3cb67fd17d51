"""The web application's persistent state: one SQLite file in the data folder.

Three tables: `broadcasts` (what staff made: title, text, options), `jobs`
(the render queue: kind, parameters, state, progress, error, restarts) and
`submissions` (each form's one-time token and the job it made, so a form
posted twice makes one job). SQLite is
embedded, needs no server, and survives a restart of `broadcaster serve`;
every call opens its own connection, so the server's threads and the worker
processes never share one.

    >>> store = Store(Path("/tmp/data"))            # doctest: +SKIP
    >>> job = store.add_job("render", {"broadcast": 1})  # doctest: +SKIP
    >>> store.claim_next()["id"] == job              # doctest: +SKIP
    True
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS broadcasts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    options TEXT NOT NULL,        -- JSON: voice, rate, profile, intro/outro, music bed, source
    text TEXT NOT NULL,           -- what is rendered
    last_job INTEGER
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,           -- render | preview | daily | urgent
    params TEXT NOT NULL,         -- JSON
    state TEXT NOT NULL,          -- queued | running | done | failed | cancelled
    priority INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    stage TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '{}',
    pid INTEGER,
    cancel INTEGER NOT NULL DEFAULT 0,
    restarts INTEGER NOT NULL DEFAULT 0  -- times a server stopped while it ran and it was queued again
);
CREATE TABLE IF NOT EXISTS submissions (
    token TEXT PRIMARY KEY,       -- the form's one-time token (web/once.py)
    created REAL NOT NULL,
    job INTEGER                   -- the job it made; NULL while the first post is still being answered
);
"""
# Columns added since the first release, for data folders made before them.
MIGRATIONS = {"jobs": {"restarts": "INTEGER NOT NULL DEFAULT 0"}}
SUBMISSION_KEEP_S = 7 * 86400  # a form left open in a tab for a week still is not posted twice

FINISHED = ("done", "failed", "cancelled")
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: an id in a URL beyond it names nothing


class Store:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "broadcaster.sqlite"
        with self._db() as db:
            db.executescript(SCHEMA)
            for table, columns in MIGRATIONS.items():
                have = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns.items():
                    if name not in have:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # WAL: readers (page requests) never wait for the worker's writes.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    # -- broadcasts ---------------------------------------------------------
    def add_broadcast(self, title: str, text: str, options: dict[str, Any]) -> int:
        with self._db() as db:
            cur = db.execute("INSERT INTO broadcasts (title, created, options, text) VALUES (?, ?, ?, ?)",
                             (title, time.time(), json.dumps(options, ensure_ascii=False), text))
            return int(cur.lastrowid)

    def broadcast(self, broadcast_id: int) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()
        return _broadcast(row) if row else None

    def set_last_job(self, broadcast_id: int, job_id: int) -> None:
        with self._db() as db:
            db.execute("UPDATE broadcasts SET last_job = ? WHERE id = ?", (job_id, broadcast_id))

    def broadcasts(self, query: str = "", day: str = "", limit: int = 200) -> list[dict[str, Any]]:
        """Newest first; `query` matches the title, `day` (YYYY-MM-DD, local time) the day made."""
        sql, args = "SELECT * FROM broadcasts WHERE title LIKE ? ESCAPE '\\'", [f"%{_like(query)}%"]
        if day:
            sql += " AND date(created, 'unixepoch', 'localtime') = ?"
            args.append(day)
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [_broadcast(r) for r in rows]

    # -- jobs ---------------------------------------------------------------
    def add_job(self, kind: str, params: dict[str, Any], priority: int = 0) -> int:
        with self._db() as db:
            cur = db.execute("INSERT INTO jobs (kind, params, state, priority, created) VALUES (?, ?, 'queued', ?, ?)",
                             (kind, json.dumps(params, ensure_ascii=False), priority, time.time()))
            return int(cur.lastrowid)

    def job(self, job_id: int) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def jobs(self, limit: int = 100, kinds: tuple[str, ...] = ("render", "daily")) -> list[dict[str, Any]]:
        """The newest jobs of `kinds` (previews are not listed: staff wait for them on the page)."""
        with self._db() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE kind IN ({','.join('?' * len(kinds))}) ORDER BY id DESC LIMIT ?",
                              (*kinds, limit)).fetchall()
        return [_job(r) for r in rows]

    def claim_next(self, kind: str | None = None, skip: str | None = None) -> dict[str, Any] | None:
        """Mark the next queued job running and return it (previews first: they are short).
        `kind`: only jobs of that kind; `skip`: none of that kind (urgent notices
        have a worker of their own, web/urgent.py)."""
        where, args = "state = 'queued'", []
        if kind is not None:
            where, args = where + " AND kind = ?", [kind]
        if skip is not None:
            where, args = where + " AND kind != ?", [*args, skip]
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # one claimer at a time, even across processes
            row = db.execute(f"SELECT * FROM jobs WHERE {where} ORDER BY priority DESC, id LIMIT 1", args).fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            db.execute("UPDATE jobs SET state = 'running', started = ? WHERE id = ?", (time.time(), row["id"]))
            db.execute("COMMIT")
        return self.job(row["id"])

    def ahead_of(self, job_id: int) -> int:
        """How many jobs run or will run before this queued one (0 when it is not queued)."""
        with self._db() as db:
            row = db.execute("SELECT priority, state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or row["state"] != "queued":
                return 0
            return db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'running' OR (state = 'queued' AND "
                              "(priority > ? OR (priority = ? AND id < ?)))",
                              (row["priority"], row["priority"], job_id)).fetchone()[0]

    def set_pid(self, job_id: int, pid: int | None) -> None:
        with self._db() as db:
            db.execute("UPDATE jobs SET pid = ? WHERE id = ?", (pid, job_id))

    def progress(self, job_id: int, stage: str | None = None, done: int | None = None, total: int | None = None) -> None:
        with self._db() as db:
            if stage is not None:
                db.execute("UPDATE jobs SET stage = ? WHERE id = ?", (stage, job_id))
            if done is not None:
                db.execute("UPDATE jobs SET done = ? WHERE id = ?", (done, job_id))
            if total is not None:
                db.execute("UPDATE jobs SET total = ? WHERE id = ?", (total, job_id))

    def finish(self, job_id: int, state: str, error: str = "", result: dict[str, Any] | None = None) -> None:
        """Record the end of a job, unless it has already ended (a cancel wins over the worker's last word)."""
        with self._db() as db:
            db.execute("UPDATE jobs SET state = ?, error = ?, result = ?, finished = ?, pid = NULL "
                       "WHERE id = ? AND state NOT IN ('done', 'failed', 'cancelled')",
                       (state, error, json.dumps(result or {}, ensure_ascii=False), time.time(), job_id))

    def request_cancel(self, job_id: int) -> bool:
        """A queued job is cancelled at once; a running one is flagged for its runner to kill."""
        with self._db() as db:
            db.execute("UPDATE jobs SET state = 'cancelled', finished = ? WHERE id = ? AND state = 'queued'",
                       (time.time(), job_id))
            cur = db.execute("UPDATE jobs SET cancel = 1 WHERE id = ? AND state = 'running'", (job_id,))
            return cur.rowcount > 0 or (self.job(job_id) or {}).get("state") == "cancelled"

    def running(self) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM jobs WHERE state = 'running'").fetchall()
        return [_job(r) for r in rows]

    def requeue(self, job_id: int) -> None:
        with self._db() as db:
            db.execute("UPDATE jobs SET state = 'queued', pid = NULL, stage = '', done = 0, started = NULL, "
                       "restarts = restarts + 1 WHERE id = ? AND state = 'running'", (job_id,))

    # -- one-time form tokens (web/once.py) -------------------------------------
    def claim_submission(self, token: str) -> bool:
        """True for the first post carrying `token`; False when an earlier one already took it."""
        now = time.time()
        with self._db() as db:
            db.execute("DELETE FROM submissions WHERE created < ?", (now - SUBMISSION_KEEP_S,))
            try:
                db.execute("INSERT INTO submissions (token, created) VALUES (?, ?)", (token, now))
            except sqlite3.IntegrityError:
                return False
        return True

    def submission_job(self, token: str) -> int | None:
        with self._db() as db:
            row = db.execute("SELECT job FROM submissions WHERE token = ?", (token,)).fetchone()
        return row["job"] if row else None

    def record_submission(self, token: str, job_id: int) -> None:
        with self._db() as db:
            db.execute("UPDATE submissions SET job = ? WHERE token = ?", (job_id, token))

    def forget_submission(self, token: str) -> None:
        """The first post failed before making its job: the form may be sent again."""
        with self._db() as db:
            db.execute("DELETE FROM submissions WHERE token = ? AND job IS NULL", (token,))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _broadcast(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["options"] = json.loads(out["options"])
    return out


def _job(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["params"] = json.loads(out["params"])
    out["result"] = json.loads(out["result"])
    return out
