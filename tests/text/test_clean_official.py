"""Cleaning rules for official documents (公文, GB/T 9704), glued headings
and Traditional-character furniture, one rule at a time."""
from __future__ import annotations

import pytest

from broadcaster.prepare import clean as C
from broadcaster.prepare.pipeline import clean_article

BODY = "现将有关事项通知如下，请认真贯彻执行，确保各项工作落到实处。"


@pytest.mark.parametrize("line", [
    "秘密★1年", "机密★十年", "特急", "秘密 特急", "泰政办发〔2026〕58号", "泰政发[2026]3号", "苏政办发（2025）112号",
    "泰政发〔2026〕3号 签发人：张三", "签发人：李四", "泰县人民政府办公室 2026年11月30日印发", "（此件公开发布）", "（此页无正文）",
])
def test_official_furniture_anywhere(line):
    assert C.is_official_furniture(line)


@pytest.mark.parametrize("line", ["根据泰政发〔2026〕3号文件精神，现通知如下。", "秘密通道已封闭。", "2026年11月30日"])
def test_body_lines_are_not_furniture(line):
    assert not C.is_official_furniture(line)


@pytest.mark.parametrize("line, mark", [
    ("000128", True), ("泰县人民政府办公室文件", True), ("中共泰县委员会 泰县人民政府文件", True),
    ("学习贯彻中央一号文件", False), ("关于转发省政府文件", False),
])
def test_header_marks(line, mark):
    assert C.is_header_mark(line) is mark


def test_a_gong_wen_as_plain_text():
    raw = "\n".join([
        "000128", "秘密★1年", "特急", "泰县人民政府文件", "泰政发〔2026〕3号", "泰县人民政府关于做好", "冬季水利建设工作的通知",
        "各镇人民政府：", BODY + "一、总体要求", "各村要按时完成任务。（一）明确责任。各镇要落实责任人。", "— 2 —",
        "附件：1.任务清单", "2.资金分配表", "泰县人民政府", "2026年11月30日", "（此件公开发布）",
        "抄送：县委办公室。", "泰县人民政府办公室 2026年11月30日印发",
    ])
    assert clean_article(raw).splitlines() == [
        "泰县人民政府关于做好冬季水利建设工作的通知", "各镇人民政府：", BODY, "一、总体要求", "各村要按时完成任务。",
        "（一）明确责任。各镇要落实责任人。", "泰县人民政府", "2026年11月30日",
    ]


def test_a_headline_ending_in_wenjian_is_kept():
    raw = f"学习贯彻中央一号文件\n{BODY}"
    assert clean_article(raw).splitlines()[0] == "学习贯彻中央一号文件"


@pytest.mark.parametrize("line, parts", [
    ("按时完成。（二）强化保障。", ["按时完成。", "（二）强化保障。"]),
    ("完成率98.5%。2.加强宣传", ["完成率98.5%。", "2.加强宣传"]),
    ("共计2.5万元。", ["共计2.5万元。"]),
    ("分三类：（1）农户；（2）合作社。", ["分三类：（1）农户；（2）合作社。"]),
])
def test_glued_headings(line, parts):
    assert C.split_glued_headings(line) == parts


def test_traditional_furniture():
    raw = "\n".join(["鄉村振興新聞", "發佈時間：2026-11-30 10:00 來源：鎮政府", "聽新聞", "本月起，全鎮各村將集中清理溝渠，確保明年春耕用水。",
                     "責任編輯：王明", "上一篇：冬季防火", "版權所有 © 鄉鎮新聞網"])
    assert clean_article(raw).splitlines() == ["鄉村振興新聞", "本月起，全鎮各村將集中清理溝渠，確保明年春耕用水。"]
