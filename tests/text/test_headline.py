"""A space inside a headline is a pause; elsewhere spaces say nothing."""
from __future__ import annotations

from broadcaster.prepare import Break, prepare
from broadcaster.prepare.pipeline import headline_gaps


def test_headline_space_between_phrases_is_spoken_as_a_comma():
    segments = prepare("湖东村启动冬季水利建设 确保明年春耕用水\n村里召开了冬季农田水利建设动员会，大家积极报名参加。", headline=True)
    assert segments[0].written == "湖东村启动冬季水利建设 确保明年春耕用水"
    assert segments[0].spoken == "湖东村启动冬季水利建设，确保明年春耕用水"
    assert segments[0].break_after is Break.HEADLINE


def test_body_spaces_are_not_pauses():
    [segment] = prepare("村里召开了冬季农田 水利建设动员会，大家积极报名参加。")
    assert segment.spoken == "村里召开了冬季农田水利建设动员会，大家积极报名参加。"


def test_headline_gaps_leave_numbers_and_latin_alone():
    assert headline_gaps("2026年 冬季水利") == "2026年，冬季水利"
    assert headline_gaps("第 3 期") == "第 3 期"
    assert headline_gaps("APP 上线") == "APP 上线"
    assert headline_gaps("“百姓名嘴” “文艺专家”") == "“百姓名嘴”，“文艺专家”"
