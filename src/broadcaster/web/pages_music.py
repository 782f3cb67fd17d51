"""背景音乐: upload, hear and remove the station's music beds (web/music.py keeps them)."""
from __future__ import annotations

import mimetypes

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, url_for

from broadcaster.errors import InputError
from broadcaster.web.music import BED_SUFFIXES, MAX_BED_BYTES, MusicLibrary

music = Blueprint("music", __name__)


def library() -> MusicLibrary:
    return MusicLibrary(g.ctx["data"].music_dir)


def _page(status: int = 200, **extra):
    return render_template("music.html", beds=library().beds(), suffixes=BED_SUFFIXES,
                           max_mb=MAX_BED_BYTES // 2**20, added=request.args.get("added"), **extra), status


@music.get("/music")
def music_page():
    return _page()


@music.post("/music")
def music_upload():
    upload = request.files.get("bed")
    if upload is None or not upload.filename:
        return _page(400, error="请选择一个音乐文件")
    try:
        bed = library().add(upload.filename, upload.read())
    except InputError as exc:
        return _page(400, error=exc.message)
    return redirect(url_for("music.music_page", added=bed.label), code=303)


@music.post("/music/<bed_id>/delete")
def music_delete(bed_id: str):
    library().remove(bed_id)
    return redirect(url_for("music.music_page"), code=303)


@music.get("/music/<bed_id>")
def music_file(bed_id: str):
    """A stored bed, to hear it in the page: looked up by id, so only files of music/ are ever served."""
    try:
        path = library().path(bed_id)
    except InputError:
        abort(404)
    return send_file(path, mimetype=mimetypes.guess_type(path.name)[0] or "application/octet-stream")
