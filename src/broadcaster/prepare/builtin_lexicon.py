"""Built-in polyphone lexicon: words pypinyin (with jieba) reads wrong.

Only words that pypinyin 0.55 gets wrong are here, each checked by
tests/text/test_lexicon.py::test_builtin_entry_is_needed, which fails when
pypinyin starts reading the word right (then the entry can go).
Value: pinyin with tone numbers; the spoken text is the word itself.
Kept as a Python dict (not YAML) so it ships with the package without
package-data configuration.
"""
from __future__ import annotations

POLYPHONES: dict[str, str] = {
    # 为 wéi "to act as / be": pypinyin says wèi after these verbs
    "视为": "shi4 wei2",
    "评为": "ping2 wei2",
    "列为": "lie4 wei2",
    "尤为": "you2 wei2",
    "最为": "zui4 wei2",
    "为准": "wei2 zhun3",
    # 为 wèi "for": pypinyin says wéi here
    "为人民服务": "wei4 ren2 min2 fu2 wu4",
    # 处 chǔ "be in": pypinyin says chù
    "处在": "chu3 zai4",
    # 处 chù "place, point": pypinyin says chǔ
    "难处": "nan2 chu4",
    # 着 zhuó "really": pypinyin says zhe
    "着实": "zhuo2 shi2",
    # 重 chóng "again": pypinyin says zhòng
    "重走": "chong2 zou3",
    # 冲 chòng "towards": pypinyin says chōng
    "冲着": "chong4 zhe5",
    # 血 xuè in written compounds: pypinyin says xiě
    "流血": "liu2 xue4",
    # 给 jǐ "supply": pypinyin says gěi
    "给排水": "ji3 pai2 shui3",
    # 地 de, the adverbial particle: pypinyin says dì
    "更好地": "geng4 hao3 de5",
}
