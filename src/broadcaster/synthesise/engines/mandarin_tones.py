"""From dictionary tones to spoken ones, over a whole phrase: neutral tones,
一 and 不, third tones, 儿化 (`spoken_tones`). Which reading a character has
is decided before, in `mandarin_readings`.

    >>> spoken_tones(["我", "很", "好"], ["wo3", "hen3", "hao3"])
    ['wo3', 'hen2', 'hao3']
"""
from __future__ import annotations

# -- from dictionary tones to spoken ones ------------------------------------
# Words whose last syllable is neutral in standard Mandarin (现代汉语词典,
# the 普通话水平测试 list) but has a full tone in pypinyin 0.55. Left out on
# purpose: 地方 (dìfāng "local" in 地方政府), 人家 (rénjiā "household"),
# 实在, 东家, 精神 (jīngshén "spirit" in 会议精神), 地道 (dìdào "tunnel"). tests/test_g2p.py checks that pypinyin still needs each one.
NEUTRAL_LAST = frozenset("""
    时候 事情 衣服 师傅 师父 朋友 清楚 关系 休息 告诉 麻烦 明白 认识 知识 先生 学生
    客气 舒服 商量 打算 收拾 困难 粮食 庄稼 豆腐 名字 眼睛 耳朵 热闹 消息 力气 脑袋
    亲戚 姑娘 媳妇 东西 多少 漂亮 喜欢 规矩 队伍 部分 合同 窗户 月亮 太阳 本事 故事
    道理 生意 主意 价钱 凉快 利索 结实 踏实 扎实 老实 聪明 糊涂 答应 打听 招呼 吩咐
    嘱咐 琢磨 张罗 大夫 丈夫 头发 嘴巴 下巴 葡萄 芝麻 棉花 行李 伙计 买卖 对付 凑合
    应付 包袱 口袋 脾气 福气 运气 志气 小气 和气 阔气
    爸爸 妈妈 哥哥 姐姐 妹妹 爷爷 奶奶 叔叔 宝宝 娃娃 星星 谢谢
    看看 想想 说说 试试 问问 听听 走走 讲讲 查查 算算
    知道 晚上 早上 咳嗽 玻璃 苍蝇 蘑菇 喇叭 唠叨 溜达 嘀咕 扫帚 笤帚 篱笆 泥巴 云彩
    胳膊 巴掌 稳当 妥当 热乎 勤快 利落 麻利 模糊 马虎 厉害 能耐 委屈 打扮 打量 比划
    收成 年成 护士 会计 风筝 灯笼 裁缝 木匠 铁匠 外甥 舅舅 婶婶 秀才 学问 见识 交情
    本钱 算盘 铺盖 状元
""".split())
# Words ending in 儿 where 儿 is a syllable of its own ("child"), not 儿化.
NOT_ERHUA = frozenset("""
    女儿 男儿 婴儿 幼儿 孤儿 患儿 少儿 胎儿 健儿 宠儿 育儿 托儿 弃儿 乳儿 侄儿 孙儿
    新生儿 婴幼儿 早产儿 残疾儿 孤残儿 流浪儿 混血儿
""".split())
_NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两")
_DIGITS = frozenset("零〇一二三四五六七八九")


def _tone(syllable: str) -> str:
    return syllable[-1] if syllable[-1:].isdigit() else "5"


def _retone(syllable: str, tone: str) -> str:
    return (syllable[:-1] if syllable[-1:].isdigit() else syllable) + tone


def spoken_tones(words: list[str], syllables: list[str]) -> list[str]:
    """Dictionary pinyin (one syllable per character of `words`, one phrase
    with no pause inside) -> the tones as spoken, over word boundaries:

        >>> spoken_tones(["我", "很", "好"], ["wo3", "hen3", "hao3"])
        ['wo3', 'hen2', 'hao3']

    1. neutral tones: NEUTRAL_LAST words (also at the end of a longer word),
       一 between a doubled verb (看一看); the particles (得 de, 地 de) are
       readings, chosen before (`mandarin_context`);
    2. 不: bú before a fourth tone, neutral in A不A and in the middle of a
       three-character word (看不清), else bù;
    3. 一: yī in numbers (十一, 一九), as an ordinal (第一) and at the end of a
       word or phrase (统一); else yí before a fourth or neutral tone, yì
       before the others;
    4. third tones: inside a word every third tone before another becomes
       second (展览馆 zhán lán guǎn; four-character words as two pairs),
       then across words from the end of the phrase backwards (很好);
    5. 儿化: a word ending in 儿 (not NOT_ERHUA) joins it to the syllable
       before, "dianr3", and the 儿 syllable becomes "" (nothing spoken).

    Returns one entry per character, like its input.
    """
    chars = "".join(words)
    citation = list(syllables)
    out = list(syllables)
    starts, n = [], 0
    for word in words:
        starts.append(n)
        n += len(word)
    if n != len(out):  # not one syllable per character: leave the dictionary's reading
        return out

    # 1. neutral tones
    for word, start in zip(words, starts):
        end = start + len(word)
        if word in NEUTRAL_LAST or (len(word) > 2 and word[-2:] in NEUTRAL_LAST):
            out[end - 1] = _retone(out[end - 1], "5")
    for i in range(1, n - 1):
        # 看一看, but not 一个一个 (one by one: yí gè yí gè)
        if chars[i] == "一" and chars[i - 1] == chars[i + 1] and chars[i - 1] not in _NUMERALS and chars[i - 2:i - 1] != "一":
            out[i] = "yi5"

    # 2. and 3. 不 and 一, decided by the dictionary tone of what follows
    word_end = {start + len(word) - 1 for word, start in zip(words, starts)}
    word_of = [w for w, word in enumerate(words) for _ in word]
    for i, c in enumerate(chars):
        nxt = _tone(citation[i + 1]) if i + 1 < n else None
        if c == "不":
            word = words[word_of[i]]
            middle = len(word) == 3 and word[1] == "不" and starts[word_of[i]] + 1 == i
            if 0 < i < n - 1 and (chars[i - 1] == chars[i + 1] or middle):
                out[i] = "bu5"
            else:
                out[i] = "bu2" if nxt == "4" else "bu4"
        elif c == "一" and out[i] != "yi5":
            number = (i > 0 and chars[i - 1] in _NUMERALS) or (i + 1 < n and chars[i + 1] in _DIGITS)
            ordinal = i > 0 and chars[i - 1] == "第"
            last = i == n - 1 or (i in word_end and len(words[word_of[i]]) > 1)
            if number or ordinal or last:
                out[i] = "yi1"
            else:
                out[i] = "yi2" if nxt in ("4", "5") else "yi4"

    # 4. third tones: inside words, then across them from the end backwards
    for word, start in zip(words, starts):
        spans = [(start, start + len(word))] if len(word) != 4 else [(start, start + 2), (start + 2, start + 4)]
        for a, b in spans:
            for i in range(a, b - 1):
                if _tone(out[i]) == "3" and _tone(out[i + 1]) == "3":
                    out[i] = _retone(out[i], "2")
    for start in reversed(starts[1:]):
        if _tone(out[start - 1]) == "3" and _tone(out[start]) == "3":
            out[start - 1] = _retone(out[start - 1], "2")

    # 5. 儿化
    for word, start in zip(words, starts):
        end = start + len(word)
        if len(word) > 1 and word[-1] == "儿" and word not in NOT_ERHUA and word[-2:] not in NOT_ERHUA:
            before = out[end - 2]
            if before[-1:].isdigit() and not before.startswith("er"):
                out[end - 2] = before[:-1] + "r" + before[-1]
                out[end - 1] = ""
    return out
