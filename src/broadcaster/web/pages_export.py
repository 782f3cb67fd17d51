"""导出到U盘或SD卡: a rendered broadcast onto a player's card, stick or a folder.

The one place the web application writes outside its data folder, so it is
narrow: only a POST carrying the session's CSRF token (app.py refuses any
POST without it), only into a target that is not inside the data folder, and
only through `export_render`, which writes into a fresh staging folder on the
medium, replaces only what an earlier export wrote (its record on the medium)
and removes nothing else unless staff tick 清除 (the CLI's --clean).

Why the export runs in the request rather than through the job queue: it is
bounded and quick (a programme is one MP3 of some MB, at most an hour at
128 kbps, ~60 MB; written, synced and read back at a slow stick's 5 MB/s that
is seconds, not minutes), it needs no CPU the renders want, and the person
is standing at the computer with the stick in hand, waiting to be told that
it may come out. Queued, it would wait behind renders of several minutes for
no reason. Exports are done one at a time (`_busy`): two at once to the same
stick would meet in its staging folder.
"""
from __future__ import annotations

import threading
from pathlib import Path

from flask import Blueprint, abort, g, render_template, request

from broadcaster.errors import BroadcasterError
from broadcaster.web.display import zh_duration
from broadcaster.web.media import DEVICES_ZH, LAYOUTS_ZH, WHAT_ZH, detected_media, export_error_zh

export = Blueprint("export", __name__)
_busy = threading.Lock()


def export_form_context() -> dict:
    return dict(media=detected_media(), devices=DEVICES_ZH, layouts=LAYOUTS_ZH, whats=WHAT_ZH)


def _from_this_computer() -> bool:
    return (request.remote_addr or "") in ("127.0.0.1", "::1") or (request.remote_addr or "").startswith("127.")


def _target(form) -> Path:
    """The typed path when there is one, else the chosen medium; absolute and not inside the data folder.

    A typed path is taken only from someone at this computer: 清除 (clean)
    removes audio files and numbered folders at the top of the target, so a
    colleague logged in over the network (`serve --host`) may only choose
    one of the cards and sticks detected here, never name a folder of the
    server's disk."""
    typed = form.get("target_path", "").strip()
    if typed and not _from_this_computer():
        raise ValueError("通过网络访问时只能导出到这台电脑上插着的U盘或SD卡，请从列表里选择")
    chosen = typed or form.get("target", "").strip()
    if not chosen:
        raise ValueError("请选择一个U盘或SD卡，或填写要导出到的位置")
    if not typed and chosen not in {m.path for m in detected_media()}:
        raise ValueError("没有找到这个U盘或SD卡，可能已经拔出，请刷新页面后重新选择")
    path = Path(chosen)
    if not path.is_absolute() or "\0" in chosen:
        raise ValueError(f"请填写完整的位置，例如 /media/用户名/U盘 或 E:\\（现在是“{chosen}”）")
    if path.resolve().is_relative_to(g.ctx["data"].root) or g.ctx["data"].root.is_relative_to(path.resolve()):
        raise ValueError("不能导出到本软件的数据文件夹里（或它的上级文件夹），请选择U盘或SD卡")
    return path


def _page(broadcast, status: int, **extra):
    return render_template("export.html", b=broadcast, form=request.form, **export_form_context(), **extra), status


@export.post("/broadcasts/<int:broadcast_id>/export")
def export_broadcast(broadcast_id: int):
    from broadcaster.package.export import DEVICES, LAYOUTS, WHAT, export_render
    from broadcaster.package.export_media import open_target

    broadcast = g.ctx["store"].broadcast(broadcast_id)
    if not broadcast:
        abort(404)
    out = g.ctx["data"].output_dir(broadcast_id)
    if not (out / "manifest.json").is_file():
        return _page(broadcast, 400, error="这期广播还没有制作好，制作完成后才能导出。")
    form = request.form
    device, layout, what = form.get("device", "usb"), form.get("layout", "folders"), form.get("what", "programme")
    if device not in DEVICES or layout not in LAYOUTS or what not in WHAT:
        return _page(broadcast, 400, error="导出选项不在可选范围内，请从页面上选择。")
    try:
        target = _target(form)
    except ValueError as exc:
        return _page(broadcast, 400, error=str(exc))
    if not _busy.acquire(blocking=False):
        return _page(broadcast, 409, error="另一个导出正在进行，请等它完成后再试。")
    try:
        medium = open_target(target, device)
        try:
            report = export_render(out, medium, device=device, layout=layout, what=what, clean=form.get("clean") == "1")
        finally:
            medium.close()
    except (BroadcasterError, OSError) as exc:
        return _page(broadcast, 400, error=export_error_zh(exc))
    finally:
        _busy.release()
    files = [{"rel": p.rel, "title": p.title, "duration": zh_duration(p.duration_s)} for p in report.placements]
    return _page(broadcast, 200, report=report, files=files, megabytes=f"{report.total_bytes / 1e6:.1f}")
