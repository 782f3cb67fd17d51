"""What a village clerk meets on the pages, at the HTTP level (issue 26): messages in plain
Chinese, no duplicate broadcasts, confirmations, and what a render really did."""
from __future__ import annotations

import io

import pytest

from web_support import OPTIONS, csrf, running_app

LINE = "各位村民请注意，明天上午停水。"  # 15 characters, 45 bytes of UTF-8


@pytest.fixture
def app(tmp_path):
    with running_app(tmp_path / "data") as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


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
