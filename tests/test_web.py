"""broadcaster serve at the HTTP level: every route, through Flask's test client,
with renders run by the real job runner in child processes (fake engine)."""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from broadcaster.codec import decode_file
from web_support import NOTICE, OPTIONS, csrf, make_app, wait_job


def _render(client, text=NOTICE, title="停水通知", **extra) -> int:
    token = csrf(client)
    r = client.post("/broadcasts", data={"csrf": token, "title": title, "cleaned": text, "spoken": "", "spoken_original": "",
                                         **OPTIONS, **extra})
    assert r.status_code == 303
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_pages_are_in_chinese_and_have_no_outside_resources(client):
    for path in ("/", "/jobs", "/history", "/lexicon", "/daily", "/cache"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert '<html lang="zh-CN">' in r.text
        assert not re.search(r'(src|href)="(https?:)?//', r.text), path  # no CDN: works without internet
    assert client.get("/static/app.js").status_code == 200
    assert "找不到" in client.get("/no-such-page").text and "请从页面上的按钮操作" in client.get("/broadcasts").text


def test_prepare_shows_cleaned_and_spoken_text_side_by_side(client):
    r = client.post("/prepare", data={"csrf": csrf(client), "text": NOTICE, **OPTIONS})
    assert r.status_code == 200
    assert "12月1日8:00-12:00停水" in r.text  # the cleaned text, as written
    assert "十二月一日八点到十二点停水" in r.text  # the spoken form


def test_prepare_reads_an_uploaded_document(client):
    body = "<html><body><h1>防火通知</h1><p>请注意用火安全，电话12345。</p></body></html>".encode()
    r = client.post("/prepare", data={"csrf": csrf(client), "document": (io.BytesIO(body), "通知.html"), **OPTIONS},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    assert "幺二三四五" in r.text
    assert not list((client.application.extensions["broadcaster"]["data"].root / "uploads").iterdir())  # nothing left behind


@pytest.mark.parametrize("name, body, says", [
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "PNG 图片"),
    ("tool.exe", b"MZ\x90\0", "程序文件"),
    ("notes.xyz", b"hello", "不支持这种文件"),
    ("empty.txt", b"", "文件是空的"),
])
def test_uploads_are_type_checked(client, name, body, says):
    r = client.post("/prepare", data={"csrf": csrf(client), "document": (io.BytesIO(body), name), **OPTIONS},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and says in r.text


def test_uploads_are_size_capped(client):
    big = b"a" * (22 * 2**20)
    r = client.post("/prepare", data={"csrf": csrf(client), "document": (io.BytesIO(big), "big.txt")},
                    content_type="multipart/form-data")
    assert r.status_code == 413 and "文件太大" in r.text


def test_html_nested_50000_levels_deep_is_refused_in_seconds(client):
    """Refused by the depth check before any parser runs (how fast: docs/web.md, "Security")."""
    deep = ("<div>" * 50000 + "各位村民" + "</div>" * 50000).encode()
    r = client.post("/prepare", data={"csrf": csrf(client), "document": (io.BytesIO(deep), "deep.html")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "网页嵌套超过 500 层" in r.text


def test_a_reader_that_runs_too_long_is_stopped(tmp_path):
    from broadcaster.errors import TextError
    from broadcaster.web.extract import extract

    with pytest.raises(TextError, match="读取超过"):
        extract({"text": "各位村民" * 1000}, timeout_s=0.01)


def test_empty_text_is_refused_in_chinese(client):
    r = client.post("/prepare", data={"csrf": csrf(client), "text": "  ", **OPTIONS})
    assert r.status_code == 400 and "没有要播报的文字" in r.text


def test_every_post_needs_the_csrf_token(client):
    for path in ("/prepare", "/broadcasts", "/preview", "/lexicon", "/lexicon/delete", "/jobs/1/cancel", "/cache/clear"):
        r = client.post(path, data={"text": NOTICE, "word": "甲", "say": "乙", **OPTIONS})
        assert r.status_code == 400 and "页面已过期" in r.text, path
    assert client.post("/lexicon", data={"csrf": "forged", "word": "甲", "say": "乙"}).status_code == 400


def test_render_from_queue_to_result(client, app):
    job_id = _render(client)
    job = wait_job(client, job_id)
    assert job["state"] == "done" and job["done"] == job["total"] > 0, job
    page = client.get(job["result"])
    assert "停水通知" in page.text and "programme.mp3" in page.text and "秒" in page.text
    broadcast_id = int(job["result"].rsplit("/", 1)[1])
    mp3 = client.get(f"/broadcasts/{broadcast_id}/files/programme.mp3")
    vtt = client.get(f"/broadcasts/{broadcast_id}/captions.vtt").text
    assert vtt.startswith("WEBVTT\n\n1\n") and re.search(r"\d\d:\d\d:\d\d\.\d{3} --> ", vtt)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/broadcasts/{broadcast_id}/download.zip").data))
    names = set(archive.namelist())
    assert {"programme.mp3", "programme.srt", "programme.m3u8", "manifest.json"} <= names
    assert any(n.startswith("items/") for n in names)
    assert archive.read("programme.mp3") == mp3.data
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["title"] == "停水通知"
    assert abs(manifest["duration_s"] - _mp3_seconds(mp3.data)) < 0.1
    # A video or programme sheet another stage writes beside the programme is offered too.
    (app.extensions["broadcaster"]["data"].output_dir(broadcast_id) / "programme.mp4").write_bytes(b"\0" * 64)
    page = client.get(job["result"]).text
    assert "视频（MP4）" in page and "files/programme.mp4?download=1" in page
    assert client.get(f"/broadcasts/{broadcast_id}/files/programme.mp4").data == b"\0" * 64


def _mp3_seconds(data: bytes) -> float:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.mp3"
        path.write_bytes(data)
        samples = decode_file(path, 44100)
    return len(np.asarray(samples)) / 44100


def test_a_failed_render_says_why_in_chinese(client, app):
    data = app.extensions["broadcaster"]["data"]
    job_id = _render(client)
    # The job's script names a voice the engine does not have: bad input, found by the worker.
    script = data.broadcast_dir(1) / "script.yaml"
    wait_job(client, job_id)
    script.write_text(script.read_text(encoding="utf-8").replace("name: v1", "name: v9"), encoding="utf-8")
    again = app.extensions["broadcaster"]["runner"].submit("render", {"broadcast": 1, "title": "坏声音"})
    job = wait_job(client, again)
    assert job["state"] == "failed" and job["error"].startswith("输入有误") and "v9" in job["error"]
    assert "输入有误" in client.get(f"/jobs/{again}").text


def test_cancel_stops_a_running_render(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_DELAY_S", "1.0")
    app = make_app(tmp_path / "data")
    client = app.test_client()
    try:
        job_id = _render(client, text="各位村民。" * 3 + "请注意。\n" * 20)
        deadline = time.monotonic() + 30
        while client.get(f"/jobs/{job_id}.json").json["state"] != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        pid = app.extensions["broadcaster"]["store"].job(job_id)["pid"]
        r = client.post(f"/jobs/{job_id}/cancel", data={"csrf": csrf(client)})
        assert r.status_code == 303
        assert wait_job(client, job_id)["state"] == "cancelled"
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(pid)
    finally:
        app.extensions["broadcaster"]["runner"].stop()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_two_submissions_at_once_are_two_queued_jobs(client):
    from concurrent.futures import ThreadPoolExecutor

    token = csrf(client)
    app = client.application

    def submit(n):
        with app.test_client() as c:
            with c.session_transaction() as s:
                s["csrf"] = token
            return c.post("/broadcasts", data={"csrf": token, "title": f"通知{n}", "cleaned": NOTICE, **OPTIONS}).status_code

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(submit, (1, 2))) == [303, 303]
    ids = sorted(j["id"] for j in app.extensions["broadcaster"]["runner"].jobs())
    assert len(ids) == 2
    assert all(wait_job(client, i)["state"] == "done" for i in ids)


def test_the_queue_survives_a_restart(tmp_path):
    data = tmp_path / "data"
    first = make_app(data, start_runner=False)
    job_id = _render(first.test_client())
    store = first.extensions["broadcaster"]["store"]
    store.claim_next()  # as if a server had started it and then died
    assert store.job(job_id)["state"] == "running"
    second = make_app(data)
    try:
        assert wait_job(second.test_client(), job_id)["state"] == "done"
    finally:
        second.extensions["broadcaster"]["runner"].stop()


def test_preview_of_one_segment_then_from_the_preview_folder(client):
    token = csrf(client)
    r = client.post("/preview", data={"csrf": token, "segment": "各位村民请注意", **OPTIONS}, headers={"Accept": "application/json"})
    answer = r.json
    assert answer["job"] and wait_job(client, answer["job"])["state"] == "done"
    audio = client.get(answer["audio"])
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
    seconds = _mp3_seconds(audio.data)
    assert 7 * 0.2 < seconds < 7 * 0.2 + 3  # the fake speaks 0.2 s a character, plus lead-in and tail
    again = client.post("/preview", data={"csrf": token, "segment": "各位村民请注意", **OPTIONS}, headers={"Accept": "application/json"})
    assert again.json["job"] == 0 and again.json["key"] == answer["key"]
    page = client.post("/preview", data={"csrf": token, "segment": "各位村民请注意", **OPTIONS})
    assert page.status_code == 303 and "<audio" in client.get(page.headers["Location"]).text


def test_lexicon_add_use_and_remove(client, app):
    token = csrf(client, "/lexicon")
    assert client.post("/lexicon", data={"csrf": token, "word": "溱潼", "say": "琴潼"}).status_code == 303
    assert client.post("/lexicon", data={"csrf": token, "word": "湖东", "say": "", "pinyin": "hu2 dong1"}).status_code == 303
    page = client.get("/lexicon").text
    assert "溱潼" in page and "琴潼" in page and "hu2 dong1" in page
    r = client.post("/prepare", data={"csrf": token, "text": "溱潼镇通知", **OPTIONS})
    assert "琴潼镇通知" in r.text  # applies to the next text prepared, and renders (they read the same file)
    bad = client.post("/lexicon", data={"csrf": token, "word": "湖东", "pinyin": "hu dong"})
    assert bad.status_code == 400 and "拼音格式" in bad.text
    assert client.post("/lexicon/delete", data={"csrf": token, "word": "溱潼", "confirm": "1"}).status_code == 303
    assert "溱潼" not in client.get("/lexicon").text


def test_history_search_by_title_and_day_and_rerender(client):
    first = _render(client, title="停水通知")
    _render(client, title="防火通知")
    wait_job(client, first)
    assert "防火通知" in client.get("/history?q=防火").text and "停水通知" not in client.get("/history?q=防火").text
    today = time.strftime("%Y-%m-%d")
    assert "停水通知" in client.get(f"/history?day={today}").text
    assert "没有找到广播" in client.get("/history?day=2001-01-01").text
    assert "没有找到广播" in client.get("/history?q=%25").text  # LIKE wildcards are literal
    r = client.post("/broadcasts/1/rerender", data={"csrf": csrf(client), **OPTIONS, "voice": "fake:v2"})
    assert r.status_code == 303
    job = wait_job(client, int(r.headers["Location"].rsplit("/", 1)[1]))
    assert job["state"] == "done"
    new_id = int(job["result"].rsplit("/", 1)[1])
    manifest = json.loads(client.get(f"/broadcasts/{new_id}/files/manifest.json").data)
    spoken = [item for item in manifest["items"] if "segments" in item]
    assert [item["voice"] for item in spoken] == ["v2"]
    assert manifest["date"] == time.strftime("%Y-%m-%d")
    # Read as an article: the headline is its own segment, not run into the first sentence.
    assert spoken[0]["segments"][0]["written"] == "停水通知"


def test_no_file_outside_the_output_folder_is_served(client, app):
    job_id = _render(client)
    wait_job(client, job_id)
    for name in ("../script.yaml", "../../../secret_key", "%2e%2e/%2e%2e/password", "/etc/passwd", "items/../../script.yaml"):
        assert client.get(f"/broadcasts/1/files/{name}", follow_redirects=True).status_code == 404, name
    assert client.get("/previews/..%2fsecret_key.mp3").status_code == 404
    assert client.get("/broadcasts/99").status_code == 404


def test_login_needed_once_a_password_is_set(tmp_path):
    from broadcaster.web.serve import set_password
    from broadcaster.web.security import SESSION_S

    data = tmp_path / "data"
    set_password(data, "村村响广播2026")
    assert "scrypt$" in (data / "password").read_text() and "村村响" not in (data / "password").read_text()
    app = make_app(data, start_runner=False)
    client = app.test_client()
    r = client.get("/history")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    token = csrf(client, "/login")
    refused = client.post("/lexicon", data={"csrf": token, "word": "甲", "say": "乙"})
    assert refused.status_code == 401 and "请先登录" in refused.text
    assert client.post("/login", data={"csrf": token, "password": "wrong-password"}).status_code == 401
    r = client.post("/login", data={"csrf": token, "password": "村村响广播2026", "next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert client.get("/history").status_code == 200
    with client.session_transaction() as s:
        s["login_at"] -= SESSION_S + 1  # the session has expired
    assert client.get("/history").status_code == 302


def test_serve_refuses_another_address_without_a_password(tmp_path):
    r = subprocess.run([sys.executable, "-m", "broadcaster", "serve", "--host", "0.0.0.0", "--data", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("broadcaster: error: --host: 在 127.0.0.1 以外的地址上开放网页，要先设密码") and "Traceback" not in r.stderr
    assert "Listening on another address than 127.0.0.1 needs a password" in r.stderr and r.stderr.count("\n") == 1


def test_serve_prints_the_address_to_open_and_answers_there(tmp_path):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "broadcaster", "serve", "--port", str(port), "--data", str(tmp_path / "d")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        address = re.search(r"http://\S+/", first).group(0)
        assert address == f"http://127.0.0.1:{port}/" and "请用浏览器打开" in first
        deadline = time.monotonic() + 20
        while True:
            try:
                page = urllib.request.urlopen(address, timeout=5).read().decode("utf-8")
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert "新建广播" in page and "zf_xiaoxiao" in page  # the offline voices, with no engine loaded
        assert (tmp_path / "d" / "broadcaster.sqlite").exists() and (tmp_path / "d" / "lexicon.yaml").exists()
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_set_password_from_the_command_line(tmp_path):
    from broadcaster.web.security import check_password

    data = tmp_path / "d"
    short = subprocess.run([sys.executable, "-m", "broadcaster", "serve", "--set-password", "--data", str(data)],
                           input="short\n", capture_output=True, text=True, timeout=60)
    assert short.returncode == 2 and "密码至少 8 位" in short.stderr
    done = subprocess.run([sys.executable, "-m", "broadcaster", "serve", "--set-password", "--data", str(data)],
                          input="湖东村广播站密码\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    stored = (data / "password").read_text()
    assert check_password("湖东村广播站密码", stored) and not check_password("别的密码别的密码", stored)
    assert (data / "password").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("module", ["display", "vtt", "compose", "security", "extract", "job", "music", "media", "daily", "outcome",
                                    "once", "daily_edit", "daily_times", "voices_zh", "pages_make", "readings"])
def test_web_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"broadcaster.web.{module}"))
    assert result.failed == 0 and result.attempted > 0


def test_prepare_reads_a_link(client):
    import http.server
    import threading

    page = "<html><head><title>秋收通知</title></head><body><h1>秋收通知</h1><p>请于10月8日前完成收割。</p></body></html>".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        r = client.post("/prepare", data={"csrf": csrf(client), "url": f"http://127.0.0.1:{httpd.server_port}/n.html", **OPTIONS})
    finally:
        httpd.shutdown()
    assert r.status_code == 200, r.text
    assert "请于10月8日前完成收割" in r.text and "请于十月八日前完成收割" in r.text
    bad = client.post("/prepare", data={"csrf": csrf(client), "url": "file:///etc/passwd", **OPTIONS})
    assert bad.status_code == 400 and "链接须以" in bad.text


@pytest.mark.engine
def test_preview_with_the_real_offline_voice(tmp_path):
    """The default path, no fake: the job process loads Kokoro and speaks one line."""
    from broadcaster.web.app import create_app

    app = create_app(tmp_path / "data")
    client = app.test_client()
    try:
        token = csrf(client)
        form = {"csrf": token, "segment": "各位村民请注意", "voice": "kokoro:zf_xiaoxiao", "rate": "+0%", "profile": "loudspeaker"}
        answer = client.post("/preview", data=form, headers={"Accept": "application/json"}).json
        job = wait_job(client, answer["job"], timeout_s=300)
        assert job["state"] == "done", job
        seconds = _mp3_seconds(client.get(answer["audio"]).data)
        assert 1.0 < seconds < 6.0
    finally:
        app.extensions["broadcaster"]["runner"].stop()


def test_one_server_per_data_folder_and_a_busy_port_is_one_line(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = str(tmp_path / "d")
    first = subprocess.Popen([sys.executable, "-m", "broadcaster", "serve", "--port", str(port), "--data", data],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "请用浏览器打开" in first.stdout.readline()
        same_folder = subprocess.run([sys.executable, "-m", "broadcaster", "serve", "--port", str(port + 1), "--data", data],
                                     capture_output=True, text=True, timeout=60)
        assert same_folder.returncode == 2 and "another `broadcaster serve` is using this data folder" in same_folder.stderr
        same_port = subprocess.run([sys.executable, "-m", "broadcaster", "serve", "--port", str(port), "--data", data + "2"],
                                   capture_output=True, text=True, timeout=60)
        assert same_port.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in same_port.stderr
        assert "Traceback" not in same_port.stderr + same_folder.stderr
    finally:
        first.terminate()
        assert first.wait(timeout=20) == 0  # SIGTERM: a clean stop through the runner's shutdown


def test_queue_order_and_place_in_line(tmp_path):
    from broadcaster.web.store import Store

    store = Store(tmp_path)
    first, second, third = (store.add_job("render", {"n": n}) for n in range(3))
    preview = store.add_job("preview", {}, priority=1)
    assert [store.ahead_of(j) for j in (first, second, third, preview)] == [1, 2, 3, 0]
    assert store.claim_next()["id"] == preview  # a preview is short: it goes first
    assert store.claim_next()["id"] == first
    assert [store.ahead_of(j) for j in (first, second, third)] == [0, 2, 3]
    store.finish(preview, "done")
    store.request_cancel(second)
    assert store.job(second)["state"] == "cancelled" and store.ahead_of(third) == 1
    store.finish(first, "failed", "x")
    store.finish(first, "done")  # the first word on how a job ended stands
    assert store.job(first)["state"] == "failed"


def test_cache_page_shows_and_clears_the_segment_cache(client):
    wait_job(client, _render(client))
    page = client.get("/cache").text
    held = int(re.search(r'id="cache-segments">(\d+) 段', page).group(1))
    assert held == 2  # the headline and the sentence of NOTICE
    r = client.post("/cache/clear", data={"csrf": csrf(client), "confirm": "1"})
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).text
    assert "已清空 2 段语音" in page and 'id="cache-segments">0 段' in page


def test_the_form_offers_offline_voices_first():
    from broadcaster.web.app import default_voices

    voices = default_voices()
    assert voices[0][0] == "kokoro" and "离线" in voices[0][2]
    assert {e for e, _, _ in voices} == {"kokoro", "edge"}
    assert all("需联网" in label for e, _, label in voices if e == "edge")


def test_a_dictionary_broken_by_hand_is_reported_not_overwritten(client, app):
    path = app.extensions["broadcaster"]["data"].lexicon_file
    path.write_text("溱潼: [琴潼\n", encoding="utf-8")
    assert "格式有误" in client.get("/lexicon").text
    r = client.post("/lexicon", data={"csrf": csrf(client), "word": "湖东", "say": "湖东"})
    assert r.status_code == 500 and path.read_text(encoding="utf-8") == "溱潼: [琴潼\n"
