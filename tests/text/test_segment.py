"""Segmentation, breaks, limits, bad input, explain, long input."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadcaster.prepare import Break, Limits, build_lexicon, explain, prepare
from broadcaster.prepare.pipeline import sounding_length


def written(segs):
    return [s.written for s in segs]


def test_sentences_lines_and_breaks():
    segs = prepare("关于冬训的通知\n今天上午开会，请准时参加。下午分组讨论。\n请各户相互转告。", headline=True)
    assert written(segs) == ["关于冬训的通知", "今天上午开会，请准时参加。", "下午分组讨论。", "请各户相互转告。"]
    assert [s.break_after for s in segs] == [Break.HEADLINE, Break.SENTENCE, Break.PARAGRAPH, Break.PARAGRAPH]


def test_closing_quote_stays_with_its_sentence():
    segs = prepare("他说：“今年一定要干出成绩来。”大家都鼓起了掌。")
    assert written(segs) == ["他说：“今年一定要干出成绩来。”", "大家都鼓起了掌。"]


def test_no_split_inside_quotes_or_book_titles():
    text = "会议学习了《关于加强基层治理体系。和治理能力现代化建设的意见》全文。"
    assert written(prepare(text)) == [text]


def test_lone_short_sentence_is_merged():
    segs = prepare("注意！明天上午八点在村委会开会。")
    assert written(segs) == ["注意！明天上午八点在村委会开会。"]
    segs = prepare("注意！\n明天上午八点在村委会开会。")  # a paragraph of its own joins the next
    assert written(segs) == ["注意！明天上午八点在村委会开会。"]


def test_long_sentence_split_at_commas_as_clauses():
    text = "，".join(["各村要组织党员干部认真学习文件精神"] * 8) + "。"
    segs = prepare(text)
    assert len(segs) > 1
    assert all(sounding_length(s.spoken) <= 60 for s in segs)
    assert all(s.break_after == Break.CLAUSE for s in segs[:-1])
    assert all(s.written.endswith(("，", "。")) for s in segs)
    assert "".join(written(segs)) == text


def test_split_order_comma_before_enumeration_comma():
    text = "、".join(["党员"] * 10) + "，" + "、".join(["群众"] * 20) + "。"
    segs = prepare(text, limits=Limits(max_chars=50, min_chars=4))
    assert segs[0].written.endswith("，")


def test_unsplittable_run_is_cut_without_breaking_numbers():
    text = "甲" * 50 + "12345678901" + "乙" * 50
    segs = prepare(text, limits=Limits(max_chars=30, min_chars=4))
    assert "".join(written(segs)) == text
    assert any("12345678901" in s.written for s in segs)


def test_empty_and_unspeakable_text_gives_no_segments():
    for text in ["", "   \n\t ", "😀😀", "……！！", "\x00\x07"]:
        assert prepare(text) == []


def test_bad_input_never_crashes():
    for text in ["“没有结尾的引号。继续。", "结尾”多了引号。", "Hello world. This is English, mixed 中文 text!",
                 "表情😀符号🎉很多🎉。", "控制\x07字符\x1b[0m。", "（（（））", "1" * 500, "。" * 100]:
        segs = prepare(text)
        assert all(s.spoken and s.written for s in segs)


def test_segment_lengths_default_limits_on_long_article():
    rng = random.Random(7)
    words = ["村干部", "冬训", "乡村振兴", "28个村", "12.5亩", "7:30", "“实干”", "￥120元", "2023-05-08", "100%"]
    text = "".join(rng.choice(words) + rng.choice(["，", "、", "。", "", "；", "\n"]) for _ in range(20000))
    segs = prepare(text, lexicon=build_lexicon())
    assert all(sounding_length(s.spoken) <= 60 for s in segs)


def test_two_hundred_thousand_characters():
    rng = random.Random(1)
    base = "今年全镇28个村(社区)种植12.5亩，于2023-05-08召开会议，每亩补助￥120元，覆盖率达到100%。"
    text = "".join(base[: rng.randint(10, len(base))] + str(rng.randint(1, 99999)) + "。\n" for _ in range(4000))
    text = (text * (200_000 // len(text) + 1))[:200_000]
    segs = prepare(text, lexicon=build_lexicon())
    assert len(segs) > 2000
    assert "".join(s.written for s in segs) == "".join(text.split())


def test_explain_lines():
    lines = explain("　　会议于2023-05-08召开。", lexicon=build_lexicon({"会议": {"pinyin": "hui4 yi4"}}, builtin=False))
    assert lines == [
        "[1] paragraph",
        "  original: 会议于2023-05-08召开。",
        "  written:  会议于2023-05-08召开。",
        "  spoken:   会议于二零二三年五月八日召开。",
        "  rule:     numeric_dates  2023-05-08 → 二零二三年五月八日",
        "  pinyin:   会议 = hui4 yi4",
    ]


def test_explain_names_every_rule_and_lexicon_word():
    # a Latin entry: its matching does not depend on jieba's (process-wide) dictionary
    lines = explain("用APP查询气温-5~3℃，PM2.5≥75。", lexicon=build_lexicon({"APP": "应用"}, builtin=False))
    assert [line for line in lines if line.startswith("  rule:")] == [
        "  rule:     lexicon  APP → 应用",
        "  rule:     comparison_signs  ≥ → 大于等于",
        "  rule:     temperatures  -5~3℃ → 零下五摄氏度到零上三摄氏度",
        "  rule:     dotted_names  2.5 → 二点五",
        "  rule:     integers  75 → 七十五",
    ]


CHARS = st.sampled_from(list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动")
                        + list("。！？；，、：…“”‘’《》（）\n  ") + list("0123456789.-%:") + ["😀", "ab"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CHARS, max_size=300).map("".join), st.integers(10, 80), st.integers(1, 9))
def test_segmentation_loses_nothing_and_respects_limits(text, max_chars, min_chars):
    limits = Limits(max_chars=max_chars, min_chars=min_chars)
    segs = prepare(text, limits=limits)
    joined = "".join("".join(s.written.split()) for s in segs)
    squashed = "".join(text.split())
    if segs:
        # segments whose spoken form is silent (only punctuation/emoji) are the only thing dropped
        assert len(joined) <= len(squashed)
        assert all(ch in squashed for ch in joined)
    for s in segs:
        n = sounding_length(s.spoken)
        assert 0 < n <= max_chars or len(s.written) == 1, (s, n)
    # a short segment inside a paragraph stays short only when joining the next would overflow
    for a, b in zip(segs, segs[1:]):
        if a.break_after in (Break.SENTENCE, Break.CLAUSE) and sounding_length(a.spoken) < min_chars:
            assert sounding_length(a.spoken) + sounding_length(b.spoken) > max_chars, (a, b)
    # no characters lost as long as nothing silent had to be dropped: a line
    # of punctuation alone (e.g. "。，" before the first paragraph) is silent
    lines = [line for line in text.splitlines() if line.strip()]
    if all(ch not in "😀" for ch in text) and lines and all(any(ch.isalnum() for ch in line) for line in lines):
        assert joined == squashed


def test_headings_and_list_items_are_never_merged_across_lines():
    text = "关于做好冬季防火工作的通知\n一、总体要求\n为切实做好冬季防火工作，现通知如下。\n二、工作措施\n（一）加强领导\n1. 不准私自下水；\n②禁止野炊\n六不准\n(1)严禁烧荒"
    segs = prepare(text, headline=True)
    assert [(s.written, s.spoken) for s in segs] == [
        ("关于做好冬季防火工作的通知", "关于做好冬季防火工作的通知"),
        ("一、总体要求", "一、总体要求"),
        ("为切实做好冬季防火工作，现通知如下。", "为切实做好冬季防火工作，现通知如下。"),
        ("二、工作措施", "二、工作措施"),
        ("（一）加强领导", "一、加强领导"),
        ("1. 不准私自下水；", "一、不准私自下水；"),
        ("②禁止野炊", "二、禁止野炊"),
        ("六不准", "六不准"),
        ("(1)严禁烧荒", "一、严禁烧荒"),
    ]


def test_a_short_line_still_joins_a_list_item_before_it():
    # only headings refuse what follows; an item that ends a sentence takes a short closing line
    segs = prepare("1. 各村要按时上报。\n特此通知。")
    assert written(segs) == ["1. 各村要按时上报。特此通知。"]
