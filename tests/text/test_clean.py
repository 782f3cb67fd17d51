"""Article cleaning: golden files for fixture pages, the shared samples, rules."""
from __future__ import annotations


import pytest
from text_helpers import FIXTURES, check_golden, spoken_listing

from broadcaster.errors import TextError
from broadcaster.prepare import clean as C
from broadcaster.prepare import prepare, read_article

FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir())
_spoken_listing = spoken_listing
_golden = check_golden


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_cleaned_article_matches_golden(name):
    _golden(name + ".clean.txt", read_article(FIXTURES / name) + "\n")


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_spoken_segments_match_golden(name):
    _golden(name + ".spoken.txt", _spoken_listing(read_article(FIXTURES / name)))


BOILERPLATE = ["来源", "责编", "责任编辑", "听新闻", "字号", "分享", "上一篇", "下一篇", "版权", "ICP",
               "公网安备", "当前位置", "阅读原文", "在看", "点赞", "浏览次数", ".jpg", ".png", "END", "标签"]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_no_boilerplate_left(name):
    text = read_article(FIXTURES / name)
    assert not [b for b in BOILERPLATE if b in text]


def test_html_keeps_headline_first_and_drops_scripts():
    text = read_article(FIXTURES / "news-site.html")
    lines = text.splitlines()
    assert lines[0] == "梅垛镇启动高标准农田改造提升工程"
    assert "document.write" not in text and "font-size" not in text and "统计代码" not in text
    assert "一、完善灌排体系。新建泵站2座，衬砌渠道8.5公里。" in lines  # list numbering kept
    assert "“今年我们要把每一块田都建成‘旱能灌、涝能排’的好田。”" in text  # quotation kept


def test_gbk_office_notice_keeps_signature_and_date():
    lines = read_article(FIXTURES / "office-notice-gbk.txt").splitlines()
    assert lines[0] == "关于做好2024年秋季秸秆禁烧工作的通知"
    assert lines[-2:] == ["溱潼镇人民政府", "2024年9月15日"]
    assert "- 2 -" not in lines


def test_to_simplified(tmp_path):
    p = tmp_path / "trad.txt"
    p.write_text("關於開展冬季農田水利建設的通知\n請各戶相互轉告。\n", encoding="utf-8")
    assert read_article(p).startswith("關於開展")
    assert read_article(p, to_simplified=True) == "关于开展冬季农田水利建设的通知\n请各户相互转告。"


@pytest.mark.parametrize("content", ["", "   \n\n", "责编:张静\n上一篇\n下一篇\n", "<html><script>x()</script></html>"])
def test_nothing_left_is_a_text_error(tmp_path, content):
    p = tmp_path / ("x.html" if content.startswith("<") else "x.txt")
    p.write_text(content, encoding="utf-8")
    # an empty file is named as such; a page of furniture has nothing left after cleaning
    with pytest.raises(TextError, match="the document is empty" if not content.strip() else "nothing left"):
        read_article(p)


@pytest.mark.parametrize(
    "rule,line,drop",
    [
        (C.is_image_name, "W020180517505687875841.jpg", True),
        (C.is_image_name, "照片展示了新建的泵站.jpg很清楚", False),
        (C.is_dateline, "2022-01-27 15:11:00  来源:中国江苏网", True),
        (C.is_dateline, "2026年11月30日", False),
        (C.is_meta, "责任编辑：李娟", True),
        (C.is_meta, "三、时间安排。每天上午7:30集合", False),
        (C.is_toolbar, "字号：大 中 小 | 分享 | 打印", True),
        (C.is_toolbar, "分享经验、促进发展", False),
        (C.is_page_number, "1", True),
        (C.is_page_number, "- 2 -", True),
        (C.is_page_number, "2026", False),
        (C.is_crumbs, "当前位置：首页 > 新闻中心 > 正文", True),
        (C.is_copyright, "苏ICP备12345678号-1", True),
        (C.is_neighbour_link, "上一篇：大垛镇开展春季植树活动", True),
        (C.is_wechat_furniture, "阅读 2.3万", True),
        (C.is_wechat_furniture, "原创 宣传办 沈高镇发布 2024-05-20 18:06 发表于江苏", True),
    ],
)
def test_drop_rules(rule, line, drop):
    assert rule(line) is drop


# ----------------------------------------------------------------- shared samples


def test_qintong_sample(shared):
    text = read_article(shared / "samples" / "qintong-winter-training.txt")
    segments = prepare(text, headline=True)
    assert segments[0].written == "泰州姜堰溱潼镇:党员冬训创新方案、实干为先走出一条新路子"
    assert segments[0].break_after.value == "headline"
    spoken = "".join(s.spoken for s in segments)
    for junk in ["W020180517505687875841", "jpg", "2022-01-27", "15:11", "来源", "中国江苏网", "听新闻",
                 "标签", "责编", "张静", "上一篇", "下一篇"]:
        assert junk not in spoken and junk not in text
    assert "镇党委书记李伯群" in spoken
    assert text.splitlines()[-1].endswith("为溱潼镇高质量发展夯实了基础。")


def test_village_notice_sample_keeps_everything(shared):
    path = shared / "samples" / "village-notice.txt"
    raw_lines = [l.strip() for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    assert read_article(path).splitlines() == raw_lines
    spoken = "".join(s.spoken for s in prepare(read_article(path), headline=True))
    for expected in ["二零二六年十二月五日至二零二七年一月二十日", "一、清淤范围", "每亩补助一百二十元",
                     "上午七点三十分集合", "零下五摄氏度", "零五二三八八二六", "溱潼镇湖南村村民委员会",
                     "二零二六年十一月三十日"]:
        assert expected in spoken
