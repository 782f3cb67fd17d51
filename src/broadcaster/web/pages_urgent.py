"""紧急插播: paste a notice, get it back in seconds as an MP3 to play and download.

The notice skips the render queue: `web/urgent.py` hands it to the warm
worker at once, even while a long render runs. It is spoken offline, with
the chosen profile's urgent setting (the alert tone, the text twice).
Opening the page already starts the worker if it had been let go, so that
the model is loaded while the clerk types.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, send_file, url_for

from broadcaster.errors import InputError
from broadcaster.web import compose
from broadcaster.web.display import STATE_ZH, profile_options
from broadcaster.web.store import FINISHED
from broadcaster.web.urgent import KIND, ONLINE_ENGINES

urgent = Blueprint("urgent", __name__)
MAX_URGENT_CHARS = 2000  # a notice, not an article: a minute or two when spoken twice


def offline_voices(voices: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [v for v in voices if v[0] not in ONLINE_ENGINES]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _page(error: str = "", form=None, status: int = 200):
    g.ctx["urgent"].warm()
    recent = g.ctx["store"].jobs(10, (KIND,))
    return render_template("urgent.html", voices=offline_voices(g.ctx["voices"]), profiles=profile_options(), recent=recent,
                           error=error, form=form or {}), status


@urgent.get("/urgent")
def urgent_page():
    return _page()


@urgent.post("/urgent")
def submit():
    form = request.form
    text = form.get("text", "").replace("\r\n", "\n").strip()
    voices = {f"{e}:{v}" for e, v, _ in offline_voices(g.ctx["voices"])}
    voice, profile = form.get("voice", ""), form.get("profile", "loudspeaker")
    try:
        if not text:
            raise InputError("请先填写紧急通知的文字。")
        if len(text) > MAX_URGENT_CHARS:
            raise InputError(f"紧急通知太长（{len(text)} 字，上限 {MAX_URGENT_CHARS} 字）；长文请用“新建广播”。")
        if voice not in voices or profile not in dict(profile_options()):
            raise InputError("请从列表中选择声音和用途。")
    except InputError as exc:
        if _wants_json():
            return jsonify(error=exc.message), 400
        return _page(exc.message, form, 400)
    title = "紧急插播：" + text.splitlines()[0][: compose.MAX_TITLE_CHARS - 5]
    job_id = g.ctx["urgent"].submit(text, voice, profile, title)
    if _wants_json():
        return jsonify(job=job_id, status=url_for("urgent.notice_json", job_id=job_id),
                       audio=url_for("urgent.audio", job_id=job_id)), 202
    return redirect(url_for("urgent.notice", job_id=job_id), code=303)


def _job_or_404(job_id: int):
    job = g.ctx["store"].job(job_id)
    return job if job and job["kind"] == KIND else abort(404)


@urgent.get("/urgent/<int:job_id>")
def notice(job_id: int):
    job = _job_or_404(job_id)
    return render_template("urgent_job.html", job=job, finished=job["state"] in FINISHED)


@urgent.get("/urgent/<int:job_id>.json")
def notice_json(job_id: int):
    job = _job_or_404(job_id)
    return jsonify(id=job["id"], state=job["state"], state_zh=STATE_ZH[job["state"]], error=job["error"],
                   finished=job["state"] in FINISHED, result=job["result"],
                   audio=url_for("urgent.audio", job_id=job_id) if job["state"] == "done" else None)


@urgent.get("/urgent/<int:job_id>.mp3")
def audio(job_id: int):
    job = _job_or_404(job_id)
    path = g.ctx["data"].urgent_file(job_id)
    if job["state"] != "done" or not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/mpeg", as_attachment=request.args.get("download") == "1",
                     download_name=f"紧急插播-{job_id}.mp3")
