"""The Flask application: configuration, security hooks and shared helpers.

`create_app(data_dir)` makes the app; the pages are in `pages_make.py`
(new broadcast, queue, results), `pages_readings.py` (a reading changed from the review), `pages_urgent.py` (紧急插播), `pages_export.py` (onto a card or stick),
`pages_music.py` (music beds), `pages_daily.py` (the daily broadcast) and
`pages_station.py` (dictionary, history, cache, login). Renders never run here: pages put jobs on
the `JobRunner` and read the queue.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from werkzeug.routing import IntegerConverter

from broadcaster import settings
from broadcaster.web import security
from broadcaster.web.compose import MAX_TEXT_CHARS, form_values
from broadcaster.web.display import STATE_ZH, zh_date, zh_duration, zh_time
from broadcaster.web.extract import MAX_UPLOAD_BYTES
from broadcaster.web.once import once_token
from broadcaster.web.paths import DataDir
from broadcaster.web.runner import LocalRunner
from broadcaster.web.store import MAX_ROW_ID, Store
from broadcaster.web.urgent import ONLINE_ENGINES, UrgentRunner

OPEN_PATHS = ("/login", "/static/")


class RowIdConverter(IntegerConverter):
    """`<int:…>` in our routes: a number SQLite can hold, else the route does not match (404, not an overflow's 500)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ROW_ID, signed: bool = False):
        super().__init__(map, fixed_digits, min, max, signed)


def default_voices() -> list[tuple[str, str, str]]:
    """(engine, voice, label) for the form: the offline voices first (always available),
    then the mainland Edge voices, which need the internet (a render falls back offline)."""
    from broadcaster.synthesise.engines.edge_voices import builtin_voices
    from broadcaster.synthesise.engines.kokoro_voices import VOICES

    from broadcaster.web.voices_zh import accented, voice_label

    # Mandarin-trained offline voices, then the online ones, then those that speak with an accent.
    offline = [("kokoro", name, voice_label("kokoro", name, gender)) for name, (gender, _) in VOICES.items()]
    online = [("edge", v.name, voice_label("edge", v.name, v.gender)) for v in builtin_voices() if v.locale == "zh-CN"]
    return [v for v in offline if not accented(v[1])] + online + [v for v in offline if accented(v[1])]


def create_app(data_dir: Path, *, job_command: Sequence[str] | None = None, workers: int = 1,
               start_runner: bool = True, voices: list[tuple[str, str, str]] | None = None,
               require_login: bool | None = None, urgent_command: Sequence[str] | None = None) -> Flask:
    """The web application on `data_dir` (made if absent).

    `job_command` runs one job (default `python -m broadcaster.web.job`;
    tests pass one that registers a fake engine), `urgent_command` the warm
    urgent worker (web/urgent.py). Login is required when a password has
    been set, unless `require_login` says otherwise."""
    data = DataDir(data_dir).create()
    store = Store(data.root)
    runner = LocalRunner(data.root, store, job_command, workers)
    voices = voices or default_voices()
    urgent = UrgentRunner(data.root, store, _warm_voice(voices), command=urgent_command,
                          idle_s=60 * settings.read("BROADCASTER_URGENT_IDLE_MIN"))
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=data.secret_key(),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES + 2**20,  # the document plus the form around it
        # One text field of a multipart form (Flask's default is 500 KB, a third of the
        # text cap): the longest text allowed, at up to 4 bytes a character, with room.
        MAX_FORM_MEMORY_SIZE=4 * MAX_TEXT_CHARS + 2**16,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(seconds=security.SESSION_S),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.extensions["broadcaster"] = {
        "data": data, "store": store, "runner": runner, "voices": voices, "urgent": urgent,
        "require_login": data.password_file.exists() if require_login is None else require_login,
        "throttle": security.LoginThrottle(),
    }
    app.url_map.converters["int"] = RowIdConverter
    app.jinja_env.filters.update(zh_duration=zh_duration, zh_time=zh_time, zh_date=zh_date, zh_state=lambda s: STATE_ZH.get(s, s))
    app.jinja_env.globals.update(csrf_token=lambda: security.csrf_token(session), option_values=form_values, once_token=once_token)

    @app.before_request
    def _guard():
        if "\0" in request.path:
            abort(404)  # no file or page has a NUL in its name (and the OS would refuse it with a 500)
        session.permanent = True
        ctx = app.extensions["broadcaster"]
        if ctx["require_login"] and not request.path.startswith(OPEN_PATHS) and not security.logged_in(session):
            session.pop("login_at", None)
            if request.method == "GET":
                return redirect(url_for("station.login", next=security.local_target(request.path)))
            abort(401)
        if request.method == "POST":
            sent = request.form.get("csrf") or request.headers.get("X-CSRF-Token")
            if not security.csrf_ok(session, sent):
                return render_template("error.html", message="页面已过期或来源不明，请刷新页面后重试。"), 400
        g.ctx = ctx

    @app.errorhandler(413)
    def _too_large(_):
        if (request.content_length or 0) <= app.config["MAX_CONTENT_LENGTH"]:  # a text field, not the whole request
            message = f"文字太长：一次最多 {MAX_TEXT_CHARS // 10_000} 万字。请分成几次广播。"
        else:
            message = f"文件太大（上限 {MAX_UPLOAD_BYTES // 2**20} MB）。请上传较小的文件，或只粘贴要播报的文字。"
        return render_template("error.html", message=message), 413

    @app.errorhandler(401)
    def _login_needed(_):
        return render_template("error.html", message="请先登录。"), 401

    @app.errorhandler(405)
    def _wrong_method(_):
        return render_template("error.html", message="请从页面上的按钮操作。"), 405

    @app.errorhandler(500)
    def _server_error(_):
        return render_template("error.html", message="服务器出错了，请稍后重试；如果一直出错，请把 logs 文件夹发给技术人员。"), 500

    @app.errorhandler(404)
    def _not_found(_):
        return render_template("error.html", message="找不到这个页面或文件。"), 404

    @app.after_request
    def _headers(response):
        # No page of ours is ever framed by another site, and nothing is loaded from elsewhere.
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; media-src 'self' blob:; frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    from broadcaster.web.pages_daily import daily
    from broadcaster.web.pages_export import export
    from broadcaster.web.pages_make import make
    from broadcaster.web.pages_music import music
    from broadcaster.web.pages_readings import readings
    from broadcaster.web.pages_station import station
    from broadcaster.web.pages_urgent import urgent as urgent_pages

    for blueprint in (make, export, music, daily, station, urgent_pages, readings):
        app.register_blueprint(blueprint)
    if start_runner:
        runner.start()
        urgent.start()  # its worker starts with the first notice or visit to 紧急插播 (serve starts it at once)
    return app


def _warm_voice(voices: list[tuple[str, str, str]]) -> str:
    """The urgent worker's voice to load: the first offline one offered."""
    engine, name, _ = next((v for v in voices if v[0] not in ONLINE_ENGINES), ("kokoro", "", ""))
    return f"{engine}:{name}"
