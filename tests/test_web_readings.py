"""Readings in the web review (issue 27 part 1, issue 26 item 5): ruby pinyin over every polyphone and
dictionary word, the same reading the offline engine says; a character's other readings; a reading
chosen there written into the station dictionary and shown at once; bad choices refused in Chinese."""
from __future__ import annotations

import html
import re

import pytest
import yaml

from web_support import OPTIONS, csrf

NOTICE = "农商银行行长到村里调研。\n请把单据交给单书记。"


def _review(client, text: str = NOTICE, **extra):
    r = client.post("/prepare", data={"csrf": csrf(client), "title": "测试", "text": text, **OPTIONS, **extra})
    assert r.status_code == 200, r.text[:300]
    return r


def _said(page: str) -> list[str]:
    """Each review line as text with its ruby: 行(háng) a character to change, 潼[tóng] one shown only."""
    lines = re.findall(r'<span class="said">(.*?)</span>', page, re.S)
    out = []
    for line in lines:
        line = re.sub(r'<button type="submit" class="ruby [a-z]+"[^>]*><ruby>(.*?)<rt>(.*?)</rt></ruby></button>', r"\1(\2)", line)
        line = re.sub(r'<ruby class="[a-z]+"[^>]*>(.*?)<rt>(.*?)</rt></ruby>', r"\1[\2]", line)
        assert "<" not in line, line
        out.append(html.unescape(line))
    return out


def _picks(page: str) -> dict[str, str]:
    """What each changeable character's button sends, by its position: "行@1" → "银行行长|银行行长|1|…"."""
    out = {}
    for value in re.findall(r'name="pick" value="([^"]+)"', page):
        key, say, at, now = html.unescape(value).split("|")
        out.setdefault(f"{say[int(at)]}@{key}", html.unescape(value))
    return out


def test_ruby_marks_every_polyphone_with_what_the_engine_will_say(client):
    page = _review(client).text
    assert _said(page) == [
        "农商银行(háng)行(háng)长(zhǎng)到村里(lǐ)调(diào)研(yán)。",
        "请把(bǎ)单(dān)据(jù)交给(gěi)单(shàn)书记。",
    ]
    # the polyphones' words are what a choice writes into the dictionary
    assert _picks(page)["行@银行行长"] == "银行行长|银行行长|1|yin2 hang2 hang2 zhang3"
    assert _picks(page)["单@单"] == "单|单|0|shan4"


def test_the_ruby_is_the_engines_own_reading_after_tone_sandhi(client):
    """What is shown is what will be said: every ruby syllable is the one MandarinG2P says at that place."""
    from broadcaster.prepare import build_lexicon, prepare
    from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P
    from broadcaster.synthesise.engines.mandarin_readings import is_polyphone
    from broadcaster.web.readings import marked

    text = "各位村民：请大家一个一个来，不要着急。还有，把行李放好，长期住在这里的要登记。"
    page = _review(client, text).text
    shown = [(c, p) for line in _said(page) for c, p in re.findall(r"(.)[(\[]([^)\]]*)[)\]]", line)]
    g2p, expected = MandarinG2P(), []
    for seg in prepare(text, lexicon=build_lexicon(), headline=True):
        for piece in g2p.pieces(seg.spoken, seg.pinyin):
            if piece.kind == "han":
                expected += [(c, marked(s)) for c, s in zip(piece.text, piece.spoken) if is_polyphone(c)]
            elif piece.kind == "dictionary":
                expected += [(c, marked(s)) for c, s in zip(piece.text, piece.spoken)]
    assert shown == expected
    assert ("还", "hái") in shown and ("着", "zháo") in shown


def test_a_station_dictionary_word_has_ruby_and_the_online_respelling(client, app):
    path = app.extensions["broadcaster"]["data"].lexicon_file
    path.write_text(yaml.safe_dump({"溱潼": {"say": "溱潼", "pinyin": "qin2 tong2"}}, allow_unicode=True), encoding="utf-8")
    page = _review(client, "明天到溱潼镇开会。").text
    assert _said(page) == ["明天到溱(qín)潼[tóng]镇开会(huì)。"]
    assert '<span class="online-note">溱潼：在线语音读作“秦铜”</span>' in page
    assert 'class="segments" id="segments"' in page  # an offline voice: the respelling note is not shown
    online = _review(client, "明天到溱潼镇开会。", voice="edge:zh-CN-XiaoxiaoNeural").text
    assert 'class="segments online" id="segments"' in online
    assert '<p class="hint" id="online-hint" hidden>' in page and '<p class="hint" id="online-hint">' in online


def test_other_readings(client):
    r = client.get("/readings/choices?char=行")
    assert r.status_code == 200
    assert r.json == {"char": "行", "readings": [{"pinyin": "hang2", "marked": "háng"}, {"pinyin": "hang4", "marked": "hàng"},
                                                  {"pinyin": "heng2", "marked": "héng"}, {"pinyin": "xing2", "marked": "xíng"}]}


@pytest.mark.parametrize("char", ["", "ab", "行长", "1", "\x00"])
def test_other_readings_of_no_single_character_is_a_chinese_400(client, char):
    r = client.get("/readings/choices", query_string={"char": char})
    assert r.status_code == 400 and r.json == {"error": "请给一个汉字"}


def _choose(client, pick: str, pinyin: str, text: str = NOTICE, json: bool = False, **extra):
    headers = {"Accept": "application/json"} if json else {}
    return client.post("/readings/choose", data={"csrf": csrf(client), "pick": pick, "pinyin": pinyin, "cleaned": text,
                                                "title": "测试", **OPTIONS, **extra}, headers=headers)


def test_without_script_a_choice_is_asked_then_written_and_the_review_shows_it(client, app):
    path = app.extensions["broadcaster"]["data"].lexicon_file
    before = path.read_text(encoding="utf-8")
    pick = _picks(_review(client).text)["长@银行行长"]
    asked = client.post("/readings/pick", data={"csrf": csrf(client), "pick": pick, "cleaned": NOTICE, "title": "测试", **OPTIONS})
    assert asked.status_code == 200
    question = re.search(r'<p id="choice-question">(.*?)</p>', asked.text, re.S).group(1)
    assert re.sub(r"<.*?>", "", question) == ("“银行行长”里的“长”现在读 zhǎng。选一个读音，会把“银行行长”加入本站读音词典，"
                                              "以后所有广播都按新读音读：")
    assert re.findall(r'name="pinyin" value="([a-z0-9]+)"', asked.text) == ["chang2", "zhang3"]
    assert f'name="cleaned" value="{NOTICE}"' in asked.text  # the review comes back as it was
    # The same choice without confirm=1 only asks again: nothing is written.
    again = _choose(client, pick, "chang2")
    assert again.status_code == 200 and 'id="choice-question"' in again.text and path.read_text(encoding="utf-8") == before

    done = _choose(client, pick, "chang2", confirm="1")
    assert done.status_code == 200
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"银行行长": {"say": "银行行长", "pinyin": "yin2 hang2 hang2 chang2"}}
    assert '<p class="notice" id="reading-said" role="status">已加入读音词典：“银行行长”读 yín háng háng cháng。</p>' in done.text
    assert _said(done.text)[0] == "农商银[yín]行(háng)行(háng)长(cháng)到村里(lǐ)调(diào)研(yán)。"
    assert 'id="review"' in done.text and f'name="once"' in done.text  # the review, ready to render


def test_without_script_a_spoken_column_staff_edited_is_kept_through_a_choice(client):
    page = _review(client).text
    original = html.unescape(re.search(r'name="spoken_original" value="([^"]*)"', page).group(1))
    r = _choose(client, _picks(page)["单@单"], "dan1", confirm="1", spoken=original + "\n谢谢大家。", spoken_original=original)
    assert r.status_code == 200
    assert re.search(r'<textarea name="spoken"[^>]*>(.*?)</textarea>', r.text, re.S).group(1) == html.escape(original + "\n谢谢大家。")
    assert html.unescape(re.search(r'name="spoken_original" value="([^"]*)"', r.text).group(1)) == original


def test_with_script_a_choice_answers_with_the_new_lines(client, app):
    pick = _picks(_review(client).text)["单@单"]
    r = _choose(client, pick, "dan1", json=True, confirm="1")
    assert r.status_code == 200
    assert r.json["said"] == "已加入读音词典：“单”读 dān。"
    assert _said(r.json["segments"])[1] == "请把(bǎ)单(dān)据(jù)交给(gěi)单(dān)书记。"
    lexicon = yaml.safe_load(app.extensions["broadcaster"]["data"].lexicon_file.read_text(encoding="utf-8"))
    assert lexicon == {"单": {"say": "单", "pinyin": "dan1"}}
    # Posted twice (a double click, a resubmit): the same entry, nothing more.
    assert _choose(client, pick, "dan1", json=True, confirm="1").status_code == 200
    assert yaml.safe_load(app.extensions["broadcaster"]["data"].lexicon_file.read_text(encoding="utf-8")) == lexicon


def test_a_dictionary_word_changed_keeps_its_own_name(client, app):
    """A station entry that says other characters than its word is changed under its word, its say kept."""
    path = app.extensions["broadcaster"]["data"].lexicon_file
    path.write_text(yaml.safe_dump({"洪洞县": {"say": "洪洞县", "pinyin": "hong2 dong4 xian4"}}, allow_unicode=True), encoding="utf-8")
    page = _review(client, "洪洞县发布通知。").text
    assert _said(page)[0].startswith("洪[hóng]洞[dòng]县[xiàn]")
    path.write_text(yaml.safe_dump({"单县": {"say": "单县", "pinyin": "dan1 xian4"}}, allow_unicode=True), encoding="utf-8")
    page = _review(client, "单县发布通知。").text
    assert _said(page)[0].startswith("单(dān)县[xiàn]")
    r = _choose(client, _picks(page)["单@单县"], "shan4", text="单县发布通知。", json=True, confirm="1")
    assert _said(r.json["segments"])[0].startswith("单(shàn)县[xiàn]")
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"单县": {"say": "单县", "pinyin": "shan4 xian4"}}


@pytest.mark.parametrize("pick, pinyin, message", [
    ("行长|行长|0|hang2 zhang3", "ma1", "“ma1”不是“行”的读音，请从列出的读音里选"),
    ("行长|行长|0|hang2 zhang3", "", "“”不是“行”的读音，请从列出的读音里选"),
    ("行长|行长|5|hang2 zhang3", "xing2", "要改的字不在这个词语里"),
    ("行长|行长|0|hang2", "xing2", "现在的读音和词语对不上，请回到“检查文字”重新生成后再选"),
    ("行长|行长|0|hang2 <b>", "xing2", "现在的读音和词语对不上，请回到“检查文字”重新生成后再选"),
    ("ab|ab|0|a1 b2", "a1", "词语要是 1 到 30 个汉字"),
    ("行长", "xing2", "没有选中要改读音的字，请回到“检查文字”点一个标了拼音的字"),
    ("", "xing2", "没有选中要改读音的字，请回到“检查文字”点一个标了拼音的字"),
])
def test_a_bad_choice_is_a_chinese_400_and_writes_nothing(client, app, pick, pinyin, message):
    path = app.extensions["broadcaster"]["data"].lexicon_file
    before = path.read_text(encoding="utf-8")
    r = _choose(client, pick, pinyin, confirm="1")
    assert r.status_code == 400 and f'<p class="error" role="alert">{html.escape(message)}</p>' in r.text
    r = _choose(client, pick, pinyin, json=True, confirm="1")
    assert r.status_code == 400 and r.json == {"error": message}
    assert path.read_text(encoding="utf-8") == before


@pytest.mark.parametrize("pick, message", [
    ("", "没有选中要改读音的字，请回到“检查文字”点一个标了拼音的字"),
    ("行长|行长|9|hang2 zhang3", "要改的字不在这个词语里"),
    ("ab|ab|0|a1 b2", "词语要是 1 到 30 个汉字"),
])
def test_a_bad_character_to_change_is_a_chinese_400_without_script_too(client, pick, message):
    r = client.post("/readings/pick", data={"csrf": csrf(client), "pick": pick, "cleaned": NOTICE})
    assert r.status_code == 400 and f'<p class="error" role="alert">{html.escape(message)}</p>' in r.text
    assert 'id="choice"' not in r.text


def test_a_choice_without_the_forms_token_is_refused(client, app):
    path = app.extensions["broadcaster"]["data"].lexicon_file
    before = path.read_text(encoding="utf-8")
    r = client.post("/readings/choose", data={"pick": "行长|行长|0|hang2 zhang3", "pinyin": "xing2", "confirm": "1"})
    assert r.status_code == 400 and "页面已过期或来源不明，请刷新页面后重试。" in r.text
    assert path.read_text(encoding="utf-8") == before


def test_a_dictionary_file_broken_by_hand_is_said_and_left_alone(client, app):
    path = app.extensions["broadcaster"]["data"].lexicon_file
    path.write_text("行长: [xing2\n", encoding="utf-8")
    r = _choose(client, "行长|行长|0|hang2 zhang3", "xing2", json=True, confirm="1")
    assert r.status_code == 500 and r.json["error"].startswith(f"词典文件 {path} 格式有误，请修正或删除后再试")
    assert path.read_text(encoding="utf-8") == "行长: [xing2\n"
