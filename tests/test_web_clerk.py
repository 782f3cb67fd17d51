"""What a village clerk meets on the pages, at the HTTP level (issue 26): messages in plain
Chinese, no duplicate broadcasts, confirmations, and what a render really did."""
from __future__ import annotations

import io
import re
import subprocess

import pytest

from web_support import OPTIONS, csrf, wait_job

LINE = "各位村民请注意，明天上午停水。"  # 15 characters, 45 bytes of UTF-8


def _prepare(client, text: str, **extra):
    # The new-broadcast form is multipart (it carries the upload), as the browser sends it.
    return client.post("/prepare", data={"csrf": csrf(client), "text": text, "document": (io.BytesIO(b""), ""), **OPTIONS, **extra},
                       content_type="multipart/form-data")


def test_a_long_paste_within_the_cap_is_read(client):
    text = LINE * 13_000  # 195,000 characters, 585 KB: over Flask's 500 KB for one form field
    r = _prepare(client, text)
    assert r.status_code == 200, r.text[:500]
    assert "明天上午停水" in r.text and "文件太大" not in r.text


def test_a_paste_over_the_cap_is_refused_as_text_not_as_a_file(client):
    r = _prepare(client, LINE * 14_000)  # 210,000 characters
    assert r.status_code == 400
    assert "文字太长：一次最多 20 万字，这次约 21.0 万字。请分成几次广播。" in r.text and "文件太大" not in r.text
    r = _prepare(client, LINE * 30_000)  # 1.35 MB in one field: refused while the form is read
    assert r.status_code == 413 and "文字太长：一次最多 20 万字。请分成几次广播。" in r.text and "文件太大" not in r.text


def test_a_file_too_large_is_still_called_a_file(client):
    r = client.post("/prepare", data={"csrf": csrf(client), "document": (io.BytesIO(b"a" * (22 * 2**20)), "big.txt")},
                    content_type="multipart/form-data")
    assert r.status_code == 413 and "文件太大（上限 20 MB）" in r.text


@pytest.mark.parametrize("text", ["。。。！！！", "……——", "*** ### ***", "“”《》【】、"])
def test_input_with_nothing_to_say_is_stopped_before_review(client, text):
    r = _prepare(client, text)
    assert r.status_code == 400
    assert "这段文字只有标点或符号，没有可以播报的字。请检查粘贴的内容后重试。" in r.text
    assert 'id="review"' not in r.text  # still the first page, the text kept for correcting
    assert client.application.extensions["broadcaster"]["store"].jobs() == []


def test_a_document_with_nothing_to_say_is_stopped_before_review(client):
    r = client.post("/prepare", data={"csrf": csrf(client), "document": (io.BytesIO("<html><body><p>。。。</p></body></html>".encode()), "通知.html"),
                                      **OPTIONS}, content_type="multipart/form-data")
    assert r.status_code == 400 and "没有可以播报的字" in r.text


def test_punctuation_posted_to_the_queue_makes_no_job(client):
    r = client.post("/broadcasts", data={"csrf": csrf(client), "title": "", "cleaned": "！！！", "spoken": "", "spoken_original": "",
                                         **OPTIONS})
    assert r.status_code == 400 and "没有可以播报的字" in r.text
    assert client.application.extensions["broadcaster"]["store"].jobs() == []


def test_the_empty_paste_message_has_no_field_name(client):
    r = _prepare(client, "  ")
    assert r.status_code == 400
    assert "没有要播报的文字。请粘贴通知的文字、上传文档或填写网页链接。" in r.text
    assert "text:" not in r.text and "text：" not in r.text


def test_a_bad_voice_is_said_without_the_field_name(client):
    r = client.post("/broadcasts", data={"csrf": csrf(client), "title": "", "cleaned": LINE, **{**OPTIONS, "voice": "fake:nobody"}})
    assert r.status_code == 400 and "没有这个声音" in r.text and "voice" not in r.text


def _review_form(client, text=LINE) -> dict:
    """The review page's form as the browser would send it (its one-time token included)."""
    page = _prepare(client, text).text
    fields = dict(re.findall(r'<input type="hidden" name="(csrf|once|spoken_original|source)" value="([^"]*)"', page))
    assert fields.get("once"), "the review form carries a one-time token"
    return {**fields, "title": "停水通知", "cleaned": text, "spoken": fields["spoken_original"], **OPTIONS}


def test_the_same_form_posted_twice_makes_one_broadcast(client):
    form = _review_form(client)
    first, again = client.post("/broadcasts", data=form), client.post("/broadcasts", data=form)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]  # to the job the first post made
    store = client.application.extensions["broadcaster"]["store"]
    assert len(store.jobs()) == 1 and len(store.broadcasts()) == 1
    # The page shown again (a new token) is a new broadcast, as staff mean it.
    assert client.post("/broadcasts", data=_review_form(client)).headers["Location"] != first.headers["Location"]
    assert len(store.jobs()) == 2


def test_posts_of_one_form_at_the_same_moment_make_one_broadcast(app, tmp_path):
    """Eight threads post the same form at once (a double click, a retrying browser): one job,
    and every answer leads to it. Repeated: the race is different each time."""
    from concurrent.futures import ThreadPoolExecutor

    store = app.extensions["broadcaster"]["store"]
    for round_ in range(5):
        client = app.test_client()
        form = _review_form(client)
        before = len(store.jobs())

        def post(_):
            return client.post("/broadcasts", data=form).headers["Location"]

        with ThreadPoolExecutor(8) as pool:
            places = set(pool.map(post, range(8)))
        assert len(store.jobs()) == before + 1, round_
        assert len(places) == 1 and "/jobs/" in places.pop()


def test_a_refused_form_can_be_corrected_and_sent_again(client):
    form = _review_form(client)
    assert client.post("/broadcasts", data={**form, "voice": "fake:nobody"}).status_code == 400
    assert client.post("/broadcasts", data=form).status_code == 303  # the token was not used up by the refusal
    assert len(client.application.extensions["broadcaster"]["store"].jobs()) == 1


def test_rerender_and_run_now_are_made_once(client, app):
    form = _review_form(client)
    job_id = int(client.post("/broadcasts", data=form).headers["Location"].rsplit("/", 1)[1])
    broadcast_id = app.extensions["broadcaster"]["store"].job(job_id)["params"]["broadcast"]
    page = client.get(f"/broadcasts/{broadcast_id}").text
    token = re.search(r'action="/broadcasts/\d+/rerender" data-once>\s*<input type="hidden" name="csrf" value="[^"]+">'
                      r'<input type="hidden" name="once" value="([^"]+)"', page).group(1)
    again = {"csrf": form["csrf"], "once": token, **OPTIONS}
    first = client.post(f"/broadcasts/{broadcast_id}/rerender", data=again)
    assert client.post(f"/broadcasts/{broadcast_id}/rerender", data=again).headers["Location"] == first.headers["Location"]
    assert len(app.extensions["broadcaster"]["store"].jobs()) == 2


def test_delete_and_clear_ask_first_without_script(client, app, monkeypatch, tmp_path):
    token = csrf(client)
    assert client.post("/lexicon", data={"csrf": token, "word": "溱潼", "say": "琴潼"}).status_code == 303
    page = client.get("/lexicon").text
    assert 'data-confirm="确定要从读音词典里删除“溱潼”吗？删除后，下次制作会按一般读法读这个词。"' in page  # for the script's dialog
    asked = client.post("/lexicon/delete", data={"csrf": token, "word": "溱潼"})
    assert asked.status_code == 200 and "确定要从读音词典里删除“溱潼”吗？" in asked.text
    assert "溱潼" in client.get("/lexicon").text  # asked, not done
    yes = dict(re.findall(r'<input type="hidden" name="(csrf|confirm|word)" value="([^"]*)"', asked.text.split('id="confirm-question"')[1]))
    assert yes == {"csrf": token, "confirm": "1", "word": "溱潼"}
    assert client.post("/lexicon/delete", data=yes).status_code == 303
    assert "溱潼" not in client.get("/lexicon").text

    monkeypatch.setenv("BROADCASTER_CACHE_DIR", str(tmp_path / "cache"))
    wait_job(client, int(client.post("/broadcasts", data=_review_form(client)).headers["Location"].rsplit("/", 1)[1]))
    held = int(re.search(r'id="cache-segments">(\d+) 段', client.get("/cache").text).group(1))
    assert held > 0
    asked = client.post("/cache/clear", data={"csrf": token})
    assert asked.status_code == 200 and f"确定要清空语音缓存吗？已保存的 {held} 段语音会被删除" in asked.text
    assert f'id="cache-segments">{held} 段' in client.get("/cache").text
    assert client.post("/cache/clear", data={"csrf": token, "confirm": "1"}).status_code == 303
    assert 'id="cache-segments">0 段' in client.get("/cache").text


def test_a_fallback_is_said_on_the_job_and_result_pages(client, app, monkeypatch):
    """The online voice chosen while the network is down: the render falls back, and says so; progress stays true."""
    monkeypatch.setenv("FAKE_NETWORK_DOWN", "1")  # read by the job's process (tests/fake_web_job.py)
    job_id = int(client.post("/broadcasts", data=_review_form(client, "停水通知\n" + LINE)).headers["Location"].rsplit("/", 1)[1])
    job = wait_job(client, job_id)
    said = "因为连不上网络，“停水通知”没有用所选的声音“测试女声”，改用“v1”读。"
    assert job["state"] == "done" and job["notes"] == [said]
    assert job["done"] == job["total"] == 2  # the headline and the sentence, each counted once (not "4/2 段")
    assert said in client.get(f"/jobs/{job_id}").text
    broadcast_id = app.extensions["broadcaster"]["store"].job(job_id)["params"]["broadcast"]
    assert said in client.get(f"/broadcasts/{broadcast_id}").text
    monkeypatch.delenv("FAKE_NETWORK_DOWN")
    job_id = int(client.post("/broadcasts", data=_review_form(client)).headers["Location"].rsplit("/", 1)[1])
    assert wait_job(client, job_id)["notes"] == []  # nothing to say when the chosen voice read it all


def test_a_job_restarted_after_the_server_stopped_says_so(tmp_path):
    from web_support import make_app

    app = make_app(tmp_path / "data", start_runner=False)
    store = app.extensions["broadcaster"]["store"]
    job_id = store.add_job("render", {"broadcast": 1, "title": "停水通知"})
    assert store.claim_next()["id"] == job_id  # running when the server stopped
    app.extensions["broadcaster"]["runner"].recover()  # what the next start does
    client = app.test_client()
    said = "服务器中途停止过，这个任务已自动重新开始（已经合成的句子不用重做）。"
    assert said in client.get(f"/jobs/{job_id}").text and client.get(f"/jobs/{job_id}.json").json["notes"] == [said]
    assert "服务器停止后重新开始过" in client.get("/jobs").text


def test_daily_runs_are_listed_in_the_queue(tmp_path):
    from web_support import make_app

    app = make_app(tmp_path / "data", start_runner=False)
    store = app.extensions["broadcaster"]["store"]
    store.add_job("daily", {"daily": "早间", "title": "每日广播：早间"})
    store.add_job("preview", {"key": "ab", "text": "试听"})
    page = app.test_client().get("/jobs").text
    assert "每日广播：早间" in page and "试听" not in page


def test_voices_are_named_as_a_clerk_knows_them():
    from broadcaster.web.app import default_voices

    voices = default_voices()
    labels = {name: label for _, name, label in voices}
    assert labels["zf_xiaoxiao"] == "晓晓（女声，普通话，语速较快，离线）"
    assert labels["zh-CN-YunyangNeural"] == "云扬（男声，普通话，播新闻的声音，需联网）"
    assert not [label for label in labels.values() if re.search(r"[A-Za-z]", label)]  # no zf_…, no …Neural
    accented = [name for _, name, label in voices if "有口音" in label]
    assert accented == [name for _, name, _ in voices if name.startswith(("jf_", "jm_"))]  # the Japanese-trained ones …
    assert [name for _, name, _ in voices][-len(accented):] == accented  # … listed last


def test_downloads_are_named_for_the_title_and_day(client, app):
    from urllib.parse import quote

    job_id = int(client.post("/broadcasts", data=_review_form(client)).headers["Location"].rsplit("/", 1)[1])
    wait_job(client, job_id)
    broadcast = app.extensions["broadcaster"]["store"].broadcast(app.extensions["broadcaster"]["store"].job(job_id)["params"]["broadcast"])
    import datetime as dt

    day = dt.date.fromtimestamp(broadcast["created"]).isoformat()
    for path, name in ((f"/broadcasts/{broadcast['id']}/files/programme.mp3?download=1", f"停水通知_{day}.mp3"),
                       (f"/broadcasts/{broadcast['id']}/download.zip", f"停水通知_{day}.zip")):
        disposition = client.get(path).headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(name)}" in disposition, disposition
    page = client.get(f"/broadcasts/{broadcast['id']}").text
    assert "声音配置：室外大喇叭（村村响）；背景音乐：没有" in page
    if "programme.png" in page:
        assert ">节目单（图片，可打印或发到群里）<" in page and ">programme.png<" not in page


def test_a_folder_export_does_not_say_to_pull_out_a_card(client, app, tmp_path, monkeypatch):
    monkeypatch.setenv("BROADCASTER_MEDIA_ROOTS", str(tmp_path / "media"))
    job_id = int(client.post("/broadcasts", data=_review_form(client)).headers["Location"].rsplit("/", 1)[1])
    wait_job(client, job_id)
    broadcast_id = app.extensions["broadcaster"]["store"].job(job_id)["params"]["broadcast"]
    (tmp_path / "media").mkdir()
    form = {"csrf": csrf(client), "device": "folder", "layout": "folders", "what": "programme", "target_path": str(tmp_path / "media" / "拷贝")}
    r = client.post(f"/broadcasts/{broadcast_id}/export", data=form)
    assert r.status_code == 200 and "以后把这个文件夹里的内容复制到U盘或SD卡上即可" in r.text and "拔出" not in r.text
    card = tmp_path / "media" / "card.img"  # an SD card's image (a card itself needs a mount)
    subprocess.run(["mkfs.fat", "-F", "16", "-C", str(card), str(32 * 1024)], check=True, capture_output=True)
    r = client.post(f"/broadcasts/{broadcast_id}/export", data={**form, "device": "sdcard", "target_path": str(card)})
    assert r.status_code == 200 and "现在可以拔出SD卡（先在电脑上点“弹出”）" in r.text
