"""Pages for making a broadcast: new → check the text → queue → result.

Every form works without script; `static/app.js` only adds live progress
and in-page preview playback.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path, PurePosixPath

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request, send_file, url_for

from broadcaster.durable import write_atomic
from broadcaster.errors import InputError
from broadcaster.web import compose, once
from broadcaster.web.display import RATES, STATE_ZH, profile_options
from broadcaster.web.extract import check_upload, extract
from broadcaster.web.once import submit_once
from broadcaster.web.outcome import fallback_sentences, fallbacks_in
from broadcaster.web.pages_export import export_form_context
from broadcaster.web.pages_music import library
from broadcaster.web.store import FINISHED, MAX_ROW_ID
from broadcaster.web.vtt import srt_to_vtt

make = Blueprint("make", __name__)
KNOWN_FILES = {"programme.mp3", "programme.srt", "programme.m3u8", "manifest.json"}
# The other files a render writes (package/screen_options.py names them for the command line), said for staff.
EXTRAS_ZH = {"programme.html": "节目单（网页，可在浏览器里打开收听）", "programme.png": "节目单（图片，可打印或发到群里）",
             "programme.mp4": "带字幕的视频（MP4）", "programme.ticker.txt": "滚动字幕文字（给只能显示文字的屏幕）"}


def _form_context(**extra):
    return dict(voices=g.ctx["voices"], rates=RATES, profiles=profile_options(), beds=library().beds(), jingles=compose.JINGLES_ZH,
                **extra)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@make.get("/")
def new():
    return render_template("new.html", **_form_context())


@make.post("/prepare")
def prepare():
    """Read the pasted text, the upload or the link (bounded, in a child process) and show both forms side by side."""
    data = g.ctx["data"]
    form = request.form
    try:
        upload = request.files.get("document")
        if form.get("source") == "cleaned":
            source = {"text": form.get("cleaned", "")}
        elif upload is not None and upload.filename:
            body = upload.read()
            check_upload(upload.filename, body)
            # A name of our own: the user's file name is only shown, never used as a path.
            saved = data.root / "uploads" / (secrets.token_hex(16) + Path(upload.filename).suffix.lower())
            saved.write_bytes(body)
            source = {"file": str(saved), "name": Path(upload.filename).name}
        elif form.get("url", "").strip():
            source = {"url": form["url"].strip()}
        else:
            compose.check_text(form.get("title", ""), form.get("text", ""))
            source = {"text": form.get("text", "")}
        try:
            got = extract(source, data.lexicon_file)
        finally:
            if "file" in source:
                Path(source["file"]).unlink(missing_ok=True)
    except InputError as exc:
        return render_template("new.html", error=compose.message_zh(exc), **_form_context(form=form)), 400
    if not got.spoken:  # only punctuation, symbols or markup: stopped here, not in a job that fails later
        return render_template("new.html", error=compose.NOTHING_TO_SAY, **_form_context(form=form)), 400
    return review_page(got, form)


def review_page(got, form, said: str = "", keep_edits: bool = False) -> str:
    """The review: both texts side by side, and each spoken line with its 试听 button and ruby pinyin.
    With `keep_edits`, a spoken column staff edited stays as they left it (it is what will be rendered)."""
    title = form.get("title", "").strip() or got.cleaned.splitlines()[0][:compose.MAX_TITLE_CHARS]
    spoken = "\n".join(got.spoken)
    shown = spoken
    if keep_edits and _norm(form.get("spoken", "")) != _norm(form.get("spoken_original", "")):
        shown = form.get("spoken", "")
    return render_template("review.html", title=title, cleaned=got.cleaned, spoken=spoken, spoken_shown=shown, reader=got.reader,
                           notes=got.notes, form=form, said=said, **segments_context(got, form), **_form_context())


def segments_context(got, form) -> dict:
    from broadcaster.web.urgent import ONLINE_ENGINES

    online = form.get("voice", "").split(":", 1)[0] in ONLINE_ENGINES
    return {"lines": list(zip(got.spoken, got.readings)), "online_voice": online}


def _options():
    beds = {b.id: g.ctx["data"].music_dir / b.file for b in library().beds()}
    return compose.options_from(request.form, g.ctx["voices"], RATES, [n for n, _ in profile_options()], beds)


@make.post("/broadcasts")
def create():
    """Queue a render. The spoken column is rendered when staff edited it, else the cleaned text
    (so the dictionary and the reading rules apply once, on the text as written)."""
    form = request.form
    try:
        options = _options()
        edited = _norm(form.get("spoken", "")) != _norm(form.get("spoken_original", ""))
        title, text = compose.check_text(form.get("title", ""), form.get("spoken" if edited else "cleaned", ""))
    except InputError as exc:
        return render_template("error.html", message=compose.message_zh(exc)), 400
    return _to_job(submit_once(g.ctx["store"], form.get(once.FIELD),
                               lambda: _queue_render(title, text, options, {"edited_spoken": edited}, as_article=not edited)))


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _to_job(job_id: int | None):
    """To the job's page; to the queue when a second post of a form finds the first one's job not made yet."""
    return redirect(url_for("make.job_page", job_id=job_id) if job_id else url_for("make.jobs"), code=303)


def _queue_render(title: str, text: str, options: compose.Options, extra: dict, as_article: bool) -> int:
    """Save the broadcast (its text, and script.yaml as the CLI would read it) and queue its render.
    The cleaned text goes in as an article (headline first); an edited spoken form as plain text."""
    data, store = g.ctx["data"], g.ctx["store"]
    broadcast_id = store.add_broadcast(title, text, {**options.as_dict(), **extra, "as_article": as_article})
    folder = data.broadcast_dir(broadcast_id)
    folder.mkdir(parents=True, exist_ok=True)
    if as_article:
        write_atomic(folder / "article.txt", (text + "\n").encode("utf-8"))
    script = compose.script_yaml(title, text, options, data.lexicon_file, dt.date.today(), "article.txt" if as_article else None)
    write_atomic(folder / "script.yaml", script.encode("utf-8"))
    job_id = g.ctx["runner"].submit("render", {"broadcast": broadcast_id, "title": title})
    store.set_last_job(broadcast_id, job_id)
    return job_id


@make.post("/preview")
def preview():
    """One segment, heard before rendering: from the preview folder when made before, else a short job."""
    data = g.ctx["data"]
    try:
        options = _options()
        _, text = compose.check_text("试听", request.form.get("segment", ""))
    except InputError as exc:
        message = compose.message_zh(exc)
        return (jsonify(error=message), 400) if _wants_json() else (render_template("error.html", message=message), 400)
    # A fixed date: the same words in the same voice are the same preview, whatever the day.
    script = compose.script_yaml("试听", text, replace(options, intro="", outro="", bed="", bed_file=""), data.lexicon_file, dt.date(2000, 1, 1))
    key = compose.preview_key(script, data.lexicon_file)
    job_id = 0
    if not data.preview_file(key).exists():
        job_id = g.ctx["runner"].submit("preview", {"script": script, "key": key, "text": text[:40]}, priority=1)
    if _wants_json():
        return jsonify(key=key, job=job_id, audio=url_for("make.preview_audio", key=key),
                       status=url_for("make.job_json", job_id=job_id) if job_id else None)
    return redirect(url_for("make.preview_page", key=key, job=job_id), code=303)


@make.get("/preview/<key>")
def preview_page(key: str):
    try:
        ready = g.ctx["data"].preview_file(key).exists()
    except InputError:
        abort(404)
    job_id = request.args.get("job", 0, type=int)
    job = g.ctx["runner"].job(job_id) if 0 < job_id <= MAX_ROW_ID else None
    return render_template("preview.html", key=key, job=job, ready=ready)


@make.get("/previews/<key>.mp3")
def preview_audio(key: str):
    try:
        path = g.ctx["data"].preview_file(key)
    except InputError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="audio/mpeg")


@make.get("/jobs")
def jobs():
    return render_template("jobs.html", jobs=g.ctx["runner"].jobs())


def _job_or_404(job_id: int):
    job = g.ctx["runner"].job(job_id)
    return job if job else abort(404)


def _voice_label(engine: str, voice: str) -> str:
    """A voice as the form names it (its own name when the form does not offer it)."""
    return next((label for e, v, label in g.ctx["voices"] if (e, v) == (engine, voice)), voice or engine)


def _fallback_notes(fallbacks: list[dict], options: dict | None) -> list[str]:
    chosen = _voice_label(options["engine"], options["voice"]) if options and "engine" in options else None
    return fallback_sentences(fallbacks, _voice_label, chosen)


def _job_notes(job) -> list[str]:
    """What staff should know about a job beside its state: a restart, and the items another voice read."""
    notes = []
    if job["restarts"]:
        notes.append("服务器中途停止过，这个任务已自动重新开始（已经合成的句子不用重做）。")
    if job["state"] == "done" and job["result"].get("fallbacks"):
        broadcast = g.ctx["store"].broadcast(job["params"]["broadcast"]) if job["params"].get("broadcast") else None
        notes += _fallback_notes(job["result"]["fallbacks"], broadcast["options"] if broadcast else None)
    return notes


@make.get("/jobs/<int:job_id>")
def job_page(job_id: int):
    job = _job_or_404(job_id)
    return render_template("job.html", job=job, finished=job["state"] in FINISHED, ahead=g.ctx["store"].ahead_of(job_id),
                           notes=_job_notes(job))


@make.get("/jobs/<int:job_id>.json")
def job_json(job_id: int):
    job = _job_or_404(job_id)
    return jsonify(id=job["id"], state=job["state"], state_zh=STATE_ZH[job["state"]], stage=job["stage"], done=job["done"],
                   total=job["total"], error=job["error"], finished=job["state"] in FINISHED, ahead=g.ctx["store"].ahead_of(job_id),
                   result=_result_url(job) if job["state"] == "done" else None, notes=_job_notes(job))


def _result_url(job) -> str | None:
    if job["params"].get("broadcast"):
        return url_for("make.result", broadcast_id=job["params"]["broadcast"])
    return url_for("daily.daily_page") if job["kind"] == "daily" else None


@make.post("/jobs/<int:job_id>/cancel")
def cancel(job_id: int):
    _job_or_404(job_id)
    g.ctx["runner"].cancel(job_id)
    return redirect(url_for("make.job_page", job_id=job_id), code=303)


def _broadcast_or_404(broadcast_id: int):
    broadcast = g.ctx["store"].broadcast(broadcast_id)
    return broadcast if broadcast else abort(404)


@make.get("/broadcasts/<int:broadcast_id>")
def result(broadcast_id: int):
    broadcast = _broadcast_or_404(broadcast_id)
    out = g.ctx["data"].output_dir(broadcast_id)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8")) if (out / "manifest.json").exists() else None
    items = sorted(p.relative_to(out).as_posix() for p in (out / "items").glob("*.mp3")) if manifest else []
    # Whatever else a render wrote beside the programme (the video, the programme sheet: issue 11), by name.
    extras = sorted(p.name for p in out.glob("*") if p.is_file() and p.name not in KNOWN_FILES) if manifest else []
    job = g.ctx["runner"].job(broadcast["last_job"]) if broadcast["last_job"] else None
    options = broadcast["options"]
    profile = dict(profile_options()).get(options.get("profile", ""), options.get("profile", ""))
    bed = next((b.label for b in library().beds() if b.id == options.get("bed")), "已删除的音乐" if options.get("bed") else "")
    return render_template("result.html", b=broadcast, manifest=manifest, items=items, job=job, used_profile=profile, used_bed=bed,
                           extras=[(name, EXTRAS_ZH.get(name, name)) for name in extras],
                           notes=_fallback_notes(fallbacks_in(manifest), options), **export_form_context(), **_form_context())


def download_name(broadcast, name: str) -> str:
    """What a download is called on staff's computer: the broadcast's title and day, not programme.mp3.

    >>> download_name({"title": "停水/通知：12月1日", "created": dt.datetime(2026, 11, 30, 9).timestamp()}, "programme.mp3")
    '停水_通知：12月1日_2026-11-30.mp3'
    >>> download_name({"title": "停水通知", "created": dt.datetime(2026, 11, 30, 9).timestamp()}, "items/02-各位村民.mp3")
    '停水通知_2026-11-30_02-各位村民.mp3'
    """
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "_", broadcast["title"]).strip(" ._") or "广播"
    day = dt.date.fromtimestamp(broadcast["created"]).isoformat()
    path = PurePosixPath(name)
    if path.stem == "programme" or not path.suffix:
        return f"{title}_{day}{path.suffix}"
    return f"{title}_{day}_{path.name}"


@make.get("/broadcasts/<int:broadcast_id>/files/<path:name>")
def output_file(broadcast_id: int, name: str):
    broadcast = _broadcast_or_404(broadcast_id)
    try:
        path = g.ctx["data"].output_file(broadcast_id, name)
    except InputError:
        abort(404)
    # A Chinese name goes in Content-Disposition's filename* (UTF-8), with an ASCII filename beside it.
    return send_file(path, as_attachment=request.args.get("download") == "1", download_name=download_name(broadcast, name))


@make.get("/broadcasts/<int:broadcast_id>/captions.vtt")
def captions(broadcast_id: int):
    _broadcast_or_404(broadcast_id)
    try:
        srt = g.ctx["data"].output_file(broadcast_id, "programme.srt").read_text(encoding="utf-8")
    except InputError:
        abort(404)
    return Response(srt_to_vtt(srt), mimetype="text/vtt")


@make.get("/broadcasts/<int:broadcast_id>/download.zip")
def download_zip(broadcast_id: int):
    broadcast = _broadcast_or_404(broadcast_id)
    out = g.ctx["data"].output_dir(broadcast_id)
    if not (out / "manifest.json").exists():
        abort(404)
    # Spooled: a programme of an hour is some tens of MB; MP3s do not shrink, so they are stored.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(out).as_posix())
    spool.seek(0)
    return send_file(io.BufferedReader(spool), mimetype="application/zip", as_attachment=True,
                     download_name=download_name(broadcast, "programme.zip"))


@make.post("/broadcasts/<int:broadcast_id>/rerender")
def rerender(broadcast_id: int):
    """The same text again, with today's date and the voice chosen now (the dictionary as it is today)."""
    broadcast = _broadcast_or_404(broadcast_id)
    try:
        options = _options()
    except InputError as exc:
        return render_template("error.html", message=compose.message_zh(exc)), 400
    return _to_job(submit_once(g.ctx["store"], request.form.get(once.FIELD),
                               lambda: _queue_render(broadcast["title"], broadcast["text"], options, {"rerender_of": broadcast_id},
                                                     as_article=broadcast["options"].get("as_article", False))))
