"""Voices as a clerk knows them: a Chinese name, then sex, accent and character, then whether it
needs the internet. The engines name voices for programmers (zf_xiaoxiao, zh-CN-YunyangNeural).

    >>> voice_label("kokoro", "zf_xiaoxiao", "female"), voice_label("kokoro", "jm_kumo", "male")
    ('晓晓（女声，普通话，语速较快，离线）', '男声甲（男声，有口音，离线）')
    >>> voice_label("edge", "zh-CN-YunyangNeural", "Male")
    '云扬（男声，普通话，播新闻的声音，需联网）'
"""
from __future__ import annotations

# name -> (Chinese name, accent or dialect, character). The offline voices' character is what
# kokoro_voices.py measured; the online ones' is Microsoft's own description of them.
NAMES_ZH = {
    "zf_xiaobei": ("小贝", "普通话", "语速最慢，最平稳"),
    "zf_xiaoxiao": ("晓晓", "普通话", "语速较快"),
    "zf_xiaoyi": ("晓伊", "普通话", "声音年轻"),
    "zm_yunjian": ("云健", "普通话", "声音低沉"),
    "zm_yunxi": ("云希", "普通话", "声音年轻"),
    "zm_yunxia": ("云夏", "普通话", "男孩的声音"),
    "zm_yunyang": ("云扬", "普通话", "声音低沉，语速最快"),
    "jf_alpha": ("女声甲", "有口音", ""),
    "jf_gongitsune": ("女声乙", "有口音", ""),
    "jf_nezumi": ("女声丙", "有口音", ""),
    "jf_tebukuro": ("女声丁", "有口音", ""),
    "jm_kumo": ("男声甲", "有口音", ""),
    "zh-CN-XiaoxiaoNeural": ("晓晓", "普通话", "温暖"),
    "zh-CN-XiaoyiNeural": ("晓伊", "普通话", "活泼"),
    "zh-CN-YunjianNeural": ("云健", "普通话", "有激情"),
    "zh-CN-YunxiNeural": ("云希", "普通话", "活泼"),
    "zh-CN-YunxiaNeural": ("云夏", "普通话", "男孩的声音"),
    "zh-CN-YunyangNeural": ("云扬", "普通话", "播新闻的声音"),
    "zh-CN-liaoning-XiaobeiNeural": ("晓北", "东北话", ""),
    "zh-CN-shaanxi-XiaoniNeural": ("晓妮", "陕西话", ""),
    "zh-CN-henan-YundengNeural": ("云登", "河南话", ""),
}


def voice_label(engine: str, name: str, gender: str) -> str:
    sex = "女声" if gender.lower() == "female" else "男声"
    zh, accent, character = NAMES_ZH.get(name, (name, "", ""))
    where = "需联网" if engine == "edge" else "离线"
    return f"{zh}（{'，'.join(p for p in (sex, accent, character, where) if p)}）"


def accented(name: str) -> bool:
    return NAMES_ZH.get(name, ("", "", ""))[1] == "有口音"
