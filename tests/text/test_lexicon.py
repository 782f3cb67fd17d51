"""Lexicon: sources, validation, word boundaries, pinyin spans, built-in polyphones."""
from __future__ import annotations

import pytest
from pypinyin import Style, lazy_pinyin

from broadcaster.errors import ScriptError
from broadcaster.prepare import LexiconEntry, build_lexicon, prepare
from broadcaster.prepare.builtin_lexicon import POLYPHONES
from broadcaster.prepare.lexicon import find_matches


@pytest.mark.parametrize("word,pinyin", sorted(POLYPHONES.items()))
def test_builtin_entry_is_needed(word, pinyin):
    """pypinyin (with jieba) reads the word differently from the entry; when it
    starts getting it right this fails and the entry can be removed."""
    assert " ".join(lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)) != pinyin


def test_builtin_is_carried_as_pinyin_spans():
    seg = prepare("他被评为先进个人。", lexicon=build_lexicon())[0]
    start, end, py = seg.pinyin[0]
    assert seg.spoken[start:end] == "评为" and py == "ping2 wei2"


def test_inline_string_and_mapping_entries():
    lex = build_lexicon({"溱潼": "琴潼", "姜堰": {"pinyin": "jiang1 yan4"}, "APP": {"say": "A P P"}}, builtin=False)
    assert lex.entries == {
        "溱潼": LexiconEntry("琴潼"),
        "姜堰": LexiconEntry("姜堰", "jiang1 yan4"),
        "APP": LexiconEntry("A P P"),
    }


def test_say_and_pinyin_spans_over_spoken_text():
    lex = build_lexicon({"溱潼": {"say": "琴潼", "pinyin": "qin2 tong2"}}, builtin=False)
    seg = prepare("全镇28个村，溱潼镇最美。", lexicon=lex)[0]
    assert seg.written == "全镇28个村，溱潼镇最美。"
    assert seg.spoken == "全镇二十八个村，琴潼镇最美。"
    (start, end, py), = seg.pinyin
    assert seg.spoken[start:end] == "琴潼" and py == "qin2 tong2"


def test_longest_match_first():
    lex = build_lexicon({"溱潼": "甲", "溱潼镇": "乙"}, builtin=False)
    assert prepare("溱潼镇的溱潼古寿圣寺。", lexicon=lex)[0].spoken == "乙的甲古寿圣寺。"


def test_not_inside_a_longer_word():
    lex = build_lexicon({"长期": {"pinyin": "chang2 qi1"}, "APP": "应用"}, builtin=False)
    assert find_matches("成长期的企业", lex) == []  # 成长期 is its own word
    assert find_matches("银行长期贷款", lex) == [(2, 4, "长期")]  # 长期贷款 = 长期 + 贷款
    assert find_matches("WHATSAPP和APP", lex) == [(9, 12, "APP")]


def test_files_env_and_inline_precedence(tmp_path, monkeypatch):
    env = tmp_path / "env.yaml"
    env.write_text("溱潼: 甲\n姜堰: 甲\n", encoding="utf-8")
    shared = tmp_path / "shared.yaml"
    shared.write_text("lexicon:\n  姜堰: 乙\n  泰州: {say: 泰州, pinyin: tai4 zhou1}\n", encoding="utf-8")
    monkeypatch.setenv("BROADCASTER_LEXICON", str(env))
    lex = build_lexicon({"泰州": "丙"}, [shared], builtin=False)
    assert {w: e.say for w, e in lex.entries.items()} == {"溱潼": "甲", "姜堰": "乙", "泰州": "丙"}


@pytest.mark.parametrize(
    "value,message",
    [
        ("", "empty"),
        (None, "needs what to say"),
        ({"sound": "x"}, "unknown key 'sound'"),
        ({}, "needs 'say', 'pinyin'"),
        ({"pinyin": "qin tong"}, "tone number"),
        ({"pinyin": "qin2"}, "1 syllables for 2 characters"),
        (["琴潼"], "expected a string or a mapping"),
    ],
)
def test_bad_inline_entries(value, message):
    with pytest.raises(ScriptError) as exc:
        build_lexicon({"溱潼": value}, builtin=False, inline_where="script.yaml")
    assert message in exc.value.message
    assert exc.value.where == "script.yaml: lexicon.溱潼"


def test_bad_file_entry_names_the_file(tmp_path):
    f = tmp_path / "lex.yaml"
    f.write_text("溱潼: {pinyin: 7}\n", encoding="utf-8")
    with pytest.raises(ScriptError) as exc:
        build_lexicon(None, [f])
    assert exc.value.where == f"{f}: lexicon.溱潼"


@pytest.mark.parametrize("content,match", [("- a\n- b\n", "must be a mapping"), ("a: [\n", "invalid YAML")])
def test_bad_files(tmp_path, content, match):
    f = tmp_path / "lex.yaml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(ScriptError, match=match):
        build_lexicon(None, [f])


def test_missing_files(tmp_path, monkeypatch):
    with pytest.raises(ScriptError, match="not found"):
        build_lexicon(None, [tmp_path / "nope.yaml"])
    monkeypatch.setenv("BROADCASTER_LEXICON", str(tmp_path / "nope.yaml"))
    with pytest.raises(ScriptError) as exc:
        build_lexicon()
    assert exc.value.where == "BROADCASTER_LEXICON"
