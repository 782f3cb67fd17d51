"""每日广播: the station's daily programmes (web/daily.py), their schedule, last runs and `latest`,
and 立即运行, which queues `run-daily` through the job runner like any render."""
from __future__ import annotations

import mimetypes

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, url_for

from broadcaster.errors import InputError
from broadcaster.web import daily as days
from broadcaster.web.once import FIELD, submit_once

daily = Blueprint("daily", __name__)
ACTIVE = ("queued", "running")


def _find(name: str) -> days.DailyScript:
    try:
        return days.find(g.ctx["data"], name)
    except InputError:
        abort(404)


@daily.get("/daily")
def daily_page():
    data = g.ctx["data"]
    active = {}
    for job in g.ctx["runner"].jobs(200):
        if job["kind"] == "daily" and job["state"] in ACTIVE:
            active.setdefault(job["params"].get("daily"), job)
    shown = [{"d": d, "schedule": days.schedule(d), "runs": days.runs(d.root), "latest": days.latest(data, d),
              "job": active.get(d.name)} for d in days.scripts(data)]
    return render_template("daily.html", scripts=shown, folder=data.daily_dir, script_name=days.SCRIPT_NAME)


@daily.post("/daily/<name>/run")
def run_now(name: str):
    """Queue today's run (the daily job takes its own lock, so a scheduled run at the same moment waits, never collides)."""
    found = _find(name)
    job_id = submit_once(g.ctx["store"], request.form.get(FIELD),
                         lambda: g.ctx["runner"].submit("daily", {"daily": found.name, "title": f"每日广播：{found.name}"}))
    return redirect(url_for("make.job_page", job_id=job_id) if job_id else url_for("make.jobs"), code=303)


@daily.get("/daily/<name>/latest")
def latest_audio(name: str):
    """The programme `latest` shows now, from inside the data folder only (web/daily.py latest)."""
    found = days.latest(g.ctx["data"], _find(name))
    if found is None:
        abort(404)
    path = found["file"]
    return send_file(path, mimetype=mimetypes.guess_type(path.name)[0] or "audio/mpeg",
                     as_attachment=request.args.get("download") == "1",
                     download_name=f"{name}-{found['date']}{path.suffix}", max_age=0)
