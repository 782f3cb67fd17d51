"""Readings chosen by a character's neighbours, where no phrase decides.

Each rule is small and says why; `mandarin_readings` applies them to a
character that no phrase covers (`lone_reading`), to a polyphonic surname
(`surname_reading`) and to the few phrases whose reading depends on what
comes before (`phrase_override`). A rule that does not apply returns None and
the character keeps its most common reading.

    >>> lone_reading("以身份证为准", 4, ["以", "身份证", "为", "准"], 2)
    ('wei2', '为 wéi after a naming verb or before 准/主/止/期')
"""
from __future__ import annotations

from broadcaster.synthesise.engines.mandarin_phrases import phrase_reading
from broadcaster.words import in_dictionary

# 量 is liáng "to measure" before what is measured (为老年人量血压) and,
# standing alone, before what follows a verb (量了, 量好); 数 shǔ likewise (数着).
_VERB_AFTER = frozenset("了着过好完")
_COUNT_AFTER = _VERB_AFTER | {"不", "得"}
# 着 zháo "catch" in 着了凉, 着了火.
_CATCH = frozenset("凉火急迷")
MEASURED = frozenset("血压 体温 体重 身高 尺寸 血糖 腰围".split())
# 为 is wéi "as, to be" after verbs of naming and changing (被评为, 改为, 分为)
# and before 准/主/止/期/宜/限 (以…为准); otherwise wèi "for".
_WEI2_AFTER = frozenset("评列视选称改定变分划作成认译化转当任封拜聘推奉命更最尤较极甚广")
_WEI2_BEFORE = frozenset("准主止期宜限重辅本荣伍")
# 还 is huán "give back" before what is given back, and after 归/偿/退/送.
_HUAN2_BEFORE = frozenset("款钱贷债清账本给回书")
_HUAN2_AFTER = frozenset("归偿退送返奉交")
# 得 is děi "must" after who must (大家得准时到场); de after anything else.
_MUST_SUBJECTS = frozenset("我 你 您 他 她 我们 你们 他们 她们 大家 咱们 咱 谁 人人 都 就 也 总 可 还是 必须 还".split())
# 地 is the adverbial de after a description (认真地学习), dì after a measure
# or pointer (这块地) and before a place word (地上, 地里).
_DI4_AFTER = frozenset("块片亩垄这那哪此某该各本外内土荒耕草田旱水空种下落")
_DI4_BEFORE = frozenset("上里下中面头方区块的区边")
# 行 is háng "row" after a number (两行, 每行); 一行 is left alone (一行人 xíng).
_COUNTED = frozenset("两三四五六七八九十几每")
# 长 is cháng "long" after a degree word (又宽又长, 很长); zhǎng "grow" before 得.
_DEGREE = frozenset("很 太 较 更 最 又 挺 真 多 好 全 这么 那么 特别 非常 比较 越来越 有点 不".split())
# 长 is zhǎng "head" after a unit in a word jieba knows but pypinyin does not (户长, 站长).
_HEADS = frozenset("户村镇乡县市省组队站所局处科部班校院社行团船机厂店馆家族首兄")
# 血 is xiě on its own after an amount (流了好多血, 一滴血).
_AMOUNTS = ("点", "滴", "些", "多", "口", "身", "摊", "了")
# 空 is kòng "free time" after 有/没/抽.
_FREE_AFTER = ("有", "没", "没有", "抽", "得")

# Polyphonic surnames and their surname readings.
SURNAMES = {"单": "shan4", "曾": "zeng1", "解": "xie4", "仇": "qiu2", "区": "ou1", "查": "zha1", "朴": "piao2",
            "盖": "ge3", "覃": "qin2", "缪": "miao4", "冼": "xian3", "尉": "wei4"}
# Titles that follow a surname (单书记, 曾主任).
TITLES = ("书记", "主任", "老师", "医生", "大夫", "师傅", "先生", "女士", "大爷", "大妈", "大娘", "大姐", "大哥",
          "大叔", "阿姨", "会计", "村长", "镇长", "乡长", "县长", "市长", "主席", "同志", "校长", "经理", "队长",
          "组长", "站长", "所长", "局长", "处长", "科长", "部长", "委员", "老板", "教授", "总", "警官", "支书", "婆婆", "奶奶", "爷爷")

# Who someone is, before their name (村民仇建国).
ROLES = ("村民", "党员", "村医", "群众", "老人", "同志", "干部", "居民", "农民", "学生", "代表", "户主", "网格员",
         "志愿者", "医生", "老师", "书记", "主任", "会计", "队员", "社员", "职工", "老党员")
_RULED = frozenset("行为还得地着量数教空血长种")  # the characters lone_reading has rules for


def _word_end(words: list[str], w: int, k: int) -> bool:
    """Whether chars[k] is the last character of words[w]."""
    return sum(len(word) for word in words[:w + 1]) == k + 1


def _neighbours(words: list[str], w: int) -> tuple[str, str]:
    return (words[w - 1] if w > 0 else ""), (words[w + 1] if w + 1 < len(words) else "")


def lone_reading(chars: str, k: int, words: list[str], w: int) -> tuple[str, str] | None:
    """(syllable, rule) for chars[k], which no phrase covers (words[w] holds it), or None."""
    c = chars[k]
    if c not in _RULED:
        return None
    before, after = chars[k - 1] if k > 0 else "", chars[k + 1] if k + 1 < len(chars) else ""
    alone = len(words[w]) == 1
    prev_word, next_word = _neighbours(words, w) if alone else ("", "")
    if c == "行" and before in _COUNTED:
        return "hang2", "行 háng: a row"
    if c == "为":
        if before in _WEI2_AFTER or after in _WEI2_BEFORE:
            return "wei2", "为 wéi after a naming verb or before 准/主/止/期"
        if "以" in words[:w] and alone:
            return "wei2", "以…为 wéi"
        return None
    if c == "还":
        if after in _HUAN2_BEFORE or before in _HUAN2_AFTER:
            return "huan2", "还 huán: give back"
        return None
    if c == "得" and alone and k > 0:
        if prev_word in _MUST_SUBJECTS and next_word:
            return "dei3", "得 děi: must"
        return "de5", "得 de after a verb or adjective"
    if c == "地" and alone and k > 0 and next_word:
        if before in _DI4_AFTER or next_word[0] in _DI4_BEFORE or len(prev_word) < 2:
            return None
        if len(next_word) == 1 and in_dictionary(c + next_word):
            return None  # 土壤地力: 地力 is a word jieba cut apart
        return "de5", "地 de after a description"
    if c == "着" and before in "不得" and k > 1 and _word_end(words, w, k):
        return "zhao2", "V不着 zháo"
    if c == "着" and alone and after == "了" and chars[k + 2:k + 3] in _CATCH:
        return "zhao2", "着了凉 zháo"
    if c == "着" and alone and k > 0:
        return "zhe5", "着 zhe after a verb"
    if c == "量" and alone and (next_word in MEASURED or next_word[:1] in _VERB_AFTER):
        return "liang2", "量 liáng: to measure"
    if c == "数" and (after in _COUNT_AFTER or chars[k + 1:k + 3] == "一数" or chars[max(0, k - 2):k] == "数一"):
        return "shu3", "数 shǔ: to count"
    if c == "教" and alone:
        return "jiao1", "教 jiāo: to teach"
    if c == "空" and alone and prev_word in _FREE_AFTER:
        return "kong4", "空 kòng: free time"
    if c == "血" and alone and prev_word.endswith(_AMOUNTS) and next_word[:1] in ("", "了", "的"):
        return "xie3", "血 xiě on its own"
    if c == "长" and not alone and before in _HEADS and len(words[w]) == 2 and _word_end(words, w, k):
        return "zhang3", "X长 zhǎng: the head of X"
    if c == "种" and alone and next_word[:1] in ("了", "着", "过"):
        return "zhong4", "种 zhòng: to plant"
    if c == "长" and alone:
        if after == "得":
            return "zhang3", "长 zhǎng: grow"
        if prev_word in _DEGREE:
            return "chang2", "长 cháng after a degree word"
    return None


def surname_reading(chars: str, k: int, word: str) -> tuple[str, str] | None:
    """(syllable, rule) when chars[k] (the first of `word`) is a surname, else None."""
    c = chars[k]
    reading = SURNAMES[c]
    if k > 0 and chars[k - 1] == "姓":
        return reading, f"姓{c}"
    if len(word) == 1 and chars[k + 1:].startswith(TITLES):
        return reading, f"{c} before a title"
    if len(word) == 1 and chars[:k].endswith(ROLES) and k + 1 < len(chars):
        return reading, f"{c} after who they are"
    if len(word) == 1 and k > 0 and chars[k - 1] in "老小" and not in_dictionary(chars[k - 1:k + 1]):
        return reading, f"{chars[k - 1]}{c}"
    if 2 <= len(word) <= 3 and not in_dictionary(word) and not _phrase_inside(word):
        return reading, f"{word}: a name"
    return None


def _phrase_inside(word: str) -> bool:
    return any(phrase_reading(word[:n]) for n in range(2, len(word) + 1))


# 看好 is kān hǎo "look after" before who or what is looked after (看好自己的孩子),
# kàn hǎo "think well of" otherwise (看好市场).
_LOOKED_AFTER = ("孩子", "小孩", "老人", "门", "东西", "物品", "财物", "家")
# 结果 is jiē guǒ "bear fruit" after these (开始结果); jié guǒ "result" otherwise.
_BEAR_FRUIT_AFTER = ("开花", "开始", "已经", "陆续", "不", "没", "能", "会", "树", "年")


def phrase_override(chars: str, k: int, piece: str) -> tuple[tuple[str, ...], str] | None:
    """A phrase's other reading where its neighbours decide it, or None."""
    if piece == "结果" and chars[:k].endswith(_BEAR_FRUIT_AFTER):
        return ("jie1", "guo3"), "结果 jiē guǒ: bear fruit"
    if piece == "看好" and any(w in chars[k + 2:k + 8] for w in _LOOKED_AFTER):
        return ("kan1", "hao3"), "看好 kān: look after"
    return None
