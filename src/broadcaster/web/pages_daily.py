"""每日广播: the station's daily programmes (web/daily.py), their schedule, last runs and `latest`,
and 立即运行, which queues `run-daily` through the job runner like any render. Staff make and
change a programme, fill today's inbox and set the broadcast times here too (web/daily_edit.py,
web/daily_times.py): no folder is made and no file copied by hand."""
from __future__ import annotations

import datetime as dt
import mimetypes
import secrets
from pathlib import Path

from flask import Blueprint, abort, flash, g, get_flashed_messages, redirect, render_template, request, send_file, url_for

from broadcaster.errors import InputError
from broadcaster.web import compose, daily_edit, daily_times
from broadcaster.web import daily as days
from broadcaster.web.display import RATES, profile_options
from broadcaster.web.extract import check_upload, extract
from broadcaster.web.once import FIELD, submit_once
from broadcaster.web.pages_make import _form_context
from broadcaster.web.pages_music import library

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
    now = dt.datetime.now()
    shown = []
    for d in days.scripts(data):
        schedule = days.schedule(d)
        when = daily_times.next_run(schedule["times"], now)
        shown.append({"d": d, "schedule": schedule, "runs": days.runs(d.root), "latest": days.latest(data, d),
                      "job": active.get(d.name), "articles": daily_edit.articles(d, now.date()),
                      "editable": daily_edit.read_settings(d.script, _beds()) is not None,
                      "next_run": daily_times.next_run_zh(when, now) if when else ""})
    # What the last action did (kept in the signed session, so a link cannot put words on the page),
    # said inside the programme's own section when it names one (the page opens there).
    told = dict(get_flashed_messages(with_categories=True))
    at, said, error = request.args.get("at"), told.get("said"), told.get("error")
    return render_template("daily.html", scripts=shown, today=now.date(), at=at, said=said,
                           daily_error=error if at else None, error=None if at else error)


def _beds() -> dict[str, Path]:
    return {b.id: g.ctx["data"].music_dir / b.file for b in library().beds()}


def _edit_page(status: int, name: str | None, settings: daily_edit.DailySettings, options, error: str = ""):
    """The programme's form; `options` are the voice and effects as sent, or as stored, or None (the defaults)."""
    return render_template("daily_edit.html", name=name, s=settings, form=options, error=error, sent_name=request.form.get("name", ""),
                           **_form_context()), status


def _script_from(form) -> str:
    settings = daily_edit.settings_from(form)
    options = compose.options_from(form, g.ctx["voices"], RATES, [n for n, _ in profile_options()], _beds())
    return daily_edit.script_yaml(settings, options, g.ctx["data"].lexicon_file)


@daily.get("/daily/new")
def new_page():
    return _edit_page(200, None, daily_edit.DailySettings(), None)


@daily.post("/daily/new")
def create():
    form = request.form
    try:
        daily_edit.create(g.ctx["data"].daily_dir, form.get("name", ""), _script_from(form))
    except InputError as exc:
        return _edit_page(400, None, _settings_as_sent(form), form, compose.message_zh(exc))
    flash(f"已建好每日广播“{form['name'].strip()}”。下一步：添加今天的稿件，设定播出时间。", "said")
    return redirect(url_for("daily.daily_page"), code=303)


def _settings_as_sent(form) -> daily_edit.DailySettings:
    return daily_edit.DailySettings(form.get("title", ""), form.get("station", ""), form.get("opening", ""), form.get("closing", ""),
                                    int(form.get("max_items", "5")) if form.get("max_items", "").isdigit() else 5)


def _editable(name: str):
    found = _find(name)
    read = daily_edit.read_settings(found.script, _beds())
    if read is None:
        abort(404)  # a script written by hand: shown and run, changed only by hand
    return found, read


@daily.get("/daily/<name>/edit")
def edit_page(name: str):
    found, (settings, options) = _editable(name)
    return _edit_page(200, found.name, settings, options)


@daily.post("/daily/<name>/edit")
def edit(name: str):
    from broadcaster.durable import write_atomic

    found, _ = _editable(name)
    try:
        text = _script_from(request.form)
    except InputError as exc:
        return _edit_page(400, found.name, _settings_as_sent(request.form), request.form, compose.message_zh(exc))
    write_atomic(found.script, text.encode("utf-8"))
    flash(f"已保存“{found.name}”的设置，下次运行时生效。", "said")
    return redirect(url_for("daily.daily_page"), code=303)


def _back(name: str, said: str = "", error: str = ""):
    if said:
        flash(said, "said")
    if error:
        flash(error, "error")
    return redirect(url_for("daily.daily_page", at=name, _anchor=f"daily-{name}"), code=303)


@daily.post("/daily/<name>/inbox")
def inbox_add(name: str):
    """Today's article: pasted text, an uploaded document or a link (read now, in a child process, and kept as text)."""
    found, data, form = _find(name), g.ctx["data"], request.form
    today = dt.date.today()
    upload = request.files.get("document")
    try:
        if upload is not None and upload.filename:
            body = upload.read()
            check_upload(upload.filename, body)
            # Read once now, so a document the daily run could not read is refused here, not at six in the morning.
            saved = data.root / "uploads" / (secrets.token_hex(16) + Path(upload.filename).suffix.lower())
            saved.write_bytes(body)
            try:
                got = extract({"file": str(saved), "name": Path(upload.filename).name})
            finally:
                saved.unlink(missing_ok=True)
            if not got.spoken:
                raise InputError(compose.NOTHING_TO_SAY, where=Path(upload.filename).name)
            added = daily_edit.add_article(found, today, body, Path(upload.filename).suffix, Path(upload.filename).name)
        elif form.get("url", "").strip():
            got = extract({"url": form["url"].strip()})
            if not got.spoken:
                raise InputError(compose.NOTHING_TO_SAY, where=form["url"].strip())
            added = daily_edit.add_article(found, today, (got.cleaned + "\n").encode("utf-8"), ".txt", got.cleaned.splitlines()[0])
        else:
            _, text = compose.check_text("", form.get("text", ""))
            added = daily_edit.add_article(found, today, (text + "\n").encode("utf-8"), ".txt", text.splitlines()[0])
    except InputError as exc:
        return _back(found.name, error=compose.message_zh(exc))
    return _back(found.name, said=f"已添加稿件“{added.label}”。")


@daily.post("/daily/<name>/inbox/<path:file>/<any(up, down, delete):action>")
def inbox_change(name: str, file: str, action: str):
    found = _find(name)
    today = dt.date.today()
    try:
        if action == "delete":
            if request.form.get("confirm") != "1":
                label = next((a.label for a in daily_edit.articles(found, today) if a.file == file), file)
                return render_template("confirm.html", question=f"确定要删除稿件“{label}”吗？", yes="删除",
                                       back=url_for("daily.daily_page", _anchor=f"daily-{found.name}"), action=request.path, fields={})
            daily_edit.remove_article(found, today, file)
        else:
            daily_edit.move_article(found, today, file, -1 if action == "up" else 1)
    except InputError as exc:
        return _back(found.name, error=compose.message_zh(exc))
    return _back(found.name)


@daily.post("/daily/<name>/times")
def set_times(name: str):
    found = _find(name)
    try:
        said = daily_times.install(found.script, daily_times.parse_times(request.form.get("times", "")))
    except InputError as exc:
        return _back(found.name, error=compose.message_zh(exc))
    return _back(found.name, said=said)


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
