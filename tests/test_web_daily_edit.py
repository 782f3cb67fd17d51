"""每日广播 without a shell (issue 26, item 1), at the HTTP level: a programme made and changed
from the page, today's inbox (paste, upload, link; reorder, remove), the broadcast times
installed through daily/schedule.py (fake systemctl) or refused in Chinese, and a run
through the queue (fake engine)."""
from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import stat

import pytest

from web_support import OPTIONS, csrf, running_app, wait_job

FORM = {"name": "湖东村早间", "title": "{station}{date}广播", "station": "湖东村广播站", "opening": "各位村民请注意，今天是{date}。",
        "closing": "以上是今天的广播，谢谢收听。", "max_items": "3", **OPTIONS}


@pytest.fixture
def tools(tmp_path, monkeypatch):
    """A systemctl that records its arguments and succeeds (FAIL_SYSTEMCTL=1: fails as without a user bus); no crontab."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    tool = bin_dir / "systemctl"
    tool.write_text(f'#!/bin/sh\necho "systemctl $*" >> "{calls}"\n'
                    'if [ "$FAIL_SYSTEMCTL" = 1 ]; then echo "Failed to connect to bus: No medium found" >&2; exit 1; fi\n')
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    # Only our bin and the tools the job needs: no crontab is found (it lives in /usr/bin where installed).
    os_bin = tmp_path / "os-bin"
    os_bin.mkdir()
    for name in ("sh", "ffmpeg", "ffprobe"):
        for folder in ("/usr/bin", "/bin"):
            if os.path.exists(f"{folder}/{name}"):
                (os_bin / name).symlink_to(f"{folder}/{name}")
                break
    monkeypatch.setenv("PATH", f"{bin_dir}:{os_bin}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return calls


@pytest.fixture
def app(tmp_path, tools):
    with running_app(tmp_path / "data") as app:
        yield app


@pytest.fixture
def client(app):
    _said.client = app.test_client()
    return _said.client


def _said(r, client=None) -> str:
    """The one sentence the page shows after an action that went back to /daily (what it did, or why not)."""
    assert r.status_code == 303 and r.headers["Location"].startswith("/daily"), r.status_code
    page = (client or _said.client).get(r.headers["Location"]).text
    # An error is this action's; a "done" sentence may sit beside it from an earlier redirect this test did not follow.
    found = re.search(r'id="daily-error">([^<]+)<', page) or re.search(r'id="daily-said">([^<]+)<', page)
    return html.unescape(found.group(1))


def _create(client, **changes):
    return client.post("/daily/new", data={"csrf": csrf(client), **FORM, **changes})


def _labels(client) -> list[str]:
    return re.findall(r'class="article-label">([^<]+)<', client.get("/daily").text)


def test_a_programme_made_on_the_page_is_a_daily_script_run_daily_reads(client, app):
    from broadcaster.script import load_script

    assert "还没有每日广播" in client.get("/daily").text
    r = _create(client)
    assert r.status_code == 303 and _said(r) == "已建好每日广播“湖东村早间”。下一步：添加今天的稿件，设定播出时间。"
    script = app.extensions["broadcaster"]["data"].daily_dir / "湖东村早间" / "daily.yaml"
    assert (script.parent / "inbox").is_dir()
    programme = load_script(script, date=dt.date(2026, 11, 30))
    assert programme.title == "湖东村广播站11月30日广播" and programme.voice.engine == "fake"
    texts = [i.text for i in programme.items if i.kind == "text"]
    assert texts == ["各位村民请注意，今天是11月30日。", "以上是今天的广播，谢谢收听。"]
    page = client.get("/daily/湖东村早间/edit").text
    assert 'value="{station}{date}广播"' in page and "各位村民请注意，今天是{date}。" in page and 'value="3"' in page

    # Changed from the page: the script follows.
    r = client.post("/daily/湖东村早间/edit", data={"csrf": csrf(client), **FORM, "closing": "", "max_items": "2"})
    assert r.status_code == 303 and "已保存" in _said(r)
    changed = load_script(script, date=dt.date(2026, 11, 30))
    assert [i.text for i in changed.items if i.kind == "text"] == ["各位村民请注意，今天是11月30日。"]
    assert 'value="2"' in client.get("/daily/湖东村早间/edit").text


@pytest.mark.parametrize("changes, says", [
    ({"name": "../etc"}, "名称只能用汉字、字母、数字"),
    ({"name": "a b"}, "名称只能用汉字、字母、数字"),
    ({"opening": "今天是{today}。"}, "开头的话里的 {today} 不认识：只能用 {date}（日期）"),
    ({"title": ""}, "节目标题不能为空"),
    ({"max_items": "99"}, "每天最多播几篇稿件：填 1 到 20 之间的数字"),
    ({"voice": "fake:nobody"}, "没有这个声音"),
])
def test_a_wrong_form_is_said_in_chinese_and_kept(client, app, changes, says):
    r = _create(client, **changes)
    assert r.status_code == 400 and says in r.text
    assert not any(app.extensions["broadcaster"]["data"].daily_dir.iterdir())
    assert "name:" not in r.text and "opening:" not in r.text


def test_the_same_name_twice_is_refused(client):
    assert _create(client).status_code == 303
    r = _create(client)
    assert r.status_code == 400 and "已经有叫“湖东村早间”的每日广播了，请换一个名称" in r.text


def test_a_script_written_by_hand_is_shown_not_rewritten(client, app):
    folder = app.extensions["broadcaster"]["data"].daily_dir / "手写"
    folder.mkdir()
    (folder / "daily.yaml").write_text("title: 手写\nvoice: {engine: fake}\nitems:\n  - text: 你好。\n", encoding="utf-8")
    page = client.get("/daily").text
    assert "这个每日广播的脚本是手工写的" in page
    assert client.get("/daily/手写/edit").status_code == 404
    assert client.post("/daily/手写/edit", data={"csrf": csrf(client), **FORM}).status_code == 404


def test_the_inbox_takes_paste_upload_and_link_and_keeps_the_order_staff_choose(client, app):
    import http.server
    import threading

    from broadcaster.script.inbox import select_articles

    _create(client)
    token = csrf(client)
    r = client.post("/daily/湖东村早间/inbox", data={"csrf": token, "text": "停水通知\n明天8:00-12:00停水。"})
    assert _said(r) == "已添加稿件“停水通知”。"
    r = client.post("/daily/湖东村早间/inbox", data={"csrf": token, "document": (io.BytesIO("防火通知\n注意用火安全。".encode()), "防火.txt")},
                    content_type="multipart/form-data")
    assert _said(r) == "已添加稿件“防火.txt”。"
    page = "<html><body><h1>秋收通知</h1><p>请于10月8日前完成收割。</p></body></html>".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        r = client.post("/daily/湖东村早间/inbox", data={"csrf": token, "url": f"http://127.0.0.1:{httpd.server_port}/a.html"})
    finally:
        httpd.shutdown()
    assert _said(r) == "已添加稿件“秋收通知”。"
    assert _labels(client) == ["停水通知", "防火.txt", "秋收通知"]

    # Refused in Chinese, nothing added: nothing to say, a picture.
    r = client.post("/daily/湖东村早间/inbox", data={"csrf": token, "text": "。。。"})
    assert "没有可以播报的字" in _said(r)
    r = client.post("/daily/湖东村早间/inbox", data={"csrf": token, "document": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 50), "a.png")},
                    content_type="multipart/form-data")
    assert _said(r) == "a.png：这是PNG 图片，不是文档"
    assert _labels(client) == ["停水通知", "防火.txt", "秋收通知"]

    # Reordered and removed: the order run-daily reads them in is the order shown.
    files = re.findall(r'/inbox/([^"/]+)/up"', client.get("/daily").text)
    assert client.post(f"/daily/湖东村早间/inbox/{files[2]}/up", data={"csrf": token}).status_code == 303
    assert _labels(client) == ["停水通知", "秋收通知", "防火.txt"]
    files = re.findall(r'/inbox/([^"/]+)/up"', client.get("/daily").text)
    assert client.post(f"/daily/湖东村早间/inbox/{files[0]}/down", data={"csrf": token}).status_code == 303
    order = _labels(client)
    assert order == ["秋收通知", "停水通知", "防火.txt"]
    inbox = app.extensions["broadcaster"]["data"].daily_dir / "湖东村早间" / "inbox"
    chosen = select_articles(inbox, dt.date.today()).paths
    first_lines = [p.read_text(encoding="utf-8").splitlines()[0] for p in chosen]
    assert first_lines == [{"停水通知": "停水通知", "防火.txt": "防火通知", "秋收通知": "秋收通知"}[label] for label in order]

    files = re.findall(r'/inbox/([^"/]+)/delete"', client.get("/daily").text)
    asked = client.post(f"/daily/湖东村早间/inbox/{files[0]}/delete", data={"csrf": token})
    assert asked.status_code == 200 and f"确定要删除稿件“{order[0]}”吗？" in asked.text
    assert client.post(f"/daily/湖东村早间/inbox/{files[0]}/delete", data={"csrf": token, "confirm": "1"}).status_code == 303
    assert _labels(client) == order[1:]
    assert "没有这篇稿件" in _said(client.post("/daily/湖东村早间/inbox/../daily.yaml/delete", data={"csrf": token, "confirm": "1"}))
    assert (inbox.parent / "daily.yaml").exists()


def test_the_web_reads_inbox_days_as_run_daily_does(tmp_path):
    from broadcaster.script.inbox import file_date
    from broadcaster.web.daily_edit import file_day

    for name in ("2026-11-30-a.txt", "通知20261130.docx", "2026年1月5日.txt", "2026_12_01.txt", "x20261399y.txt", "plain.txt",
                 "2026-02-30-2026-03-01.txt", "1202026-11-30.txt"):
        path = tmp_path / name
        path.write_text("x", encoding="utf-8")
        assert file_day(path) == file_date(path), name


def test_times_are_installed_through_the_schedule_and_the_next_run_shown(client, app, tools):
    _create(client)
    r = client.post("/daily/湖东村早间/times", data={"csrf": csrf(client), "times": "17:30，6:00"})
    assert _said(r) == "已设定每天 06:00、17:30 自动运行（systemd 定时器）。"
    calls = tools.read_text()
    assert "systemctl --user enable --now broadcaster-daily-daily-" in calls
    page = client.get("/daily").text
    assert "每天 <strong>06:00、17:30</strong> 自动运行（systemd 定时器）" in page
    assert re.search(r'下次运行：<strong class="daily-next">(今天|明天)（\d+月\d+日）(06:00|17:30)</strong>', page)
    r = client.post("/daily/湖东村早间/times", data={"csrf": csrf(client), "times": "25:00"})
    assert _said(r) == "“25:00”不是时间：请写成 06:00 这样（24 小时制），几个时间用空格隔开"
    r = client.post("/daily/湖东村早间/times", data={"csrf": csrf(client), "times": ""})
    assert _said(r) == "已取消自动运行。" and "还没有设定自动运行" in client.get("/daily").text


def test_times_the_server_may_not_install_are_said_with_what_to_do(client, app, monkeypatch):
    from broadcaster.daily import schedule

    _create(client)
    monkeypatch.setenv("FAIL_SYSTEMCTL", "1")
    r = client.post("/daily/湖东村早间/times", data={"csrf": csrf(client), "times": "06:00"})
    said = _said(r)
    script = app.extensions["broadcaster"]["data"].daily_dir / "湖东村早间" / "daily.yaml"
    assert said.startswith("没能设定自动运行：这台电脑上运行网页的账户没有设定定时任务的权限，或系统的定时服务没有运行。"
                           f"请技术人员在这台电脑上运行：broadcaster schedule install \"{script}\" --at 06:00（详情：")
    assert not list(schedule.systemd_dir().glob("broadcaster-daily-*"))  # nothing left looking installed
    assert "还没有设定自动运行" in client.get("/daily").text


def test_run_now_from_an_empty_data_folder_to_latest(client, app):
    _create(client)
    client.post("/daily/湖东村早间/inbox", data={"csrf": csrf(client), "text": "停水通知\n明天上午停水。"})
    page = client.get("/daily").text
    token = re.search(r'action="/daily/[^"]+/run" data-once>\s*<input type="hidden" name="csrf" value="[^"]+">'
                      r'<input type="hidden" name="once" value="([^"]+)"', page).group(1)
    form = {"csrf": csrf(client), "once": token}
    r = client.post("/daily/湖东村早间/run", data=form)
    assert client.post("/daily/湖东村早间/run", data=form).headers["Location"] == r.headers["Location"]  # one run
    job_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert "每日广播：湖东村早间" in client.get("/jobs").text  # in 制作队列 like any render
    job = wait_job(client, job_id)
    assert job["state"] == "done", job
    audio = client.get("/daily/湖东村早间/latest")
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and len(audio.data) > 1000
    assert _labels(client) == []  # the article was broadcast: it moved to inbox/done/<date>/


def test_a_link_cannot_put_words_on_the_daily_page(client):
    _create(client)
    page = client.get("/daily?at=湖东村早间&said=请把密码发给我&error=出错了").text
    assert "请把密码发给我" not in page and "出错了" not in page


def test_the_edit_page_shows_what_was_saved_bed_and_voice_included(client, app):
    from pathlib import Path

    bed = Path(__file__).parent.parent / "examples" / "music" / "bed.mp3"
    r = client.post("/music", data={"csrf": csrf(client, "/music"), "bed": (io.BytesIO(bed.read_bytes()), "春节.mp3")},
                    content_type="multipart/form-data")
    assert r.status_code == 303
    bed_id = re.search(r'<option value="([0-9a-f]{32})"', client.get("/daily/new").text).group(1)
    chosen = {**FORM, "voice": "fake:v2", "rate": "-10%", "intro": "attention", "outro": "", "bed": bed_id,
              "bed_level_db": "-24", "bed_duck_db": "-10"}
    assert client.post("/daily/new", data={"csrf": csrf(client), **chosen}).status_code == 303
    page = client.get("/daily/湖东村早间/edit").text
    for name, value in (("voice", "fake:v2"), ("rate", "-10%"), ("intro", "attention"), ("bed", bed_id)):
        assert re.search(rf'<select name="{name}">.*?<option value="{re.escape(value)}" selected>', page, re.S), name
    assert 'name="bed_level_db" min="-60" max="0" step="1" value="-24"' in page
    # Saved again unchanged, the script is the same file.
    script = app.extensions["broadcaster"]["data"].daily_dir / "湖东村早间" / "daily.yaml"
    before = script.read_text(encoding="utf-8")
    assert client.post("/daily/湖东村早间/edit", data={"csrf": csrf(client), **chosen}).status_code == 303
    assert script.read_text(encoding="utf-8") == before and "level_db: -24.0" in before
