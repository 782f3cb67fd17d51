"""The built-in list of Chinese Edge voices, used when the live list is out of reach,
and the order in which voices are shown: Mandarin first, then the Chinese
dialects, Cantonese (zh-HK), Taiwanese Mandarin (zh-TW), then everything else."""
from __future__ import annotations

import re

from broadcaster.model import VoiceInfo

BUILTIN_NOTE = (
    "built-in list (the live Edge voice list could not be fetched); "
    "it holds the Chinese voices only"
)

# (short name, gender, note). The zh-* voices the edge-tts project documents for the
# free read-aloud service, plus zh-CN-henan-YundengNeural, an Azure dialect voice.
_ZH_VOICES: list[tuple[str, str, str]] = [
    ("zh-CN-XiaoxiaoNeural", "Female", "Mandarin; warm, news and novels (default)"),
    ("zh-CN-XiaoyiNeural", "Female", "Mandarin; lively, cartoons and novels"),
    ("zh-CN-YunjianNeural", "Male", "Mandarin; passionate, sports and novels"),
    ("zh-CN-YunxiNeural", "Male", "Mandarin; lively, novels"),
    ("zh-CN-YunxiaNeural", "Male", "Mandarin; cute, cartoons and novels"),
    ("zh-CN-YunyangNeural", "Male", "Mandarin; professional, news"),
    ("zh-CN-liaoning-XiaobeiNeural", "Female", "Northeastern (Liaoning) dialect; humorous"),
    ("zh-CN-shaanxi-XiaoniNeural", "Female", "Shaanxi (Zhongyuan) dialect; bright"),
    ("zh-CN-henan-YundengNeural", "Male",
     "Henan (Zhongyuan) dialect; an Azure voice the free service may not offer"),
    ("zh-HK-HiuGaaiNeural", "Female", "Cantonese (Hong Kong)"),
    ("zh-HK-HiuMaanNeural", "Female", "Cantonese (Hong Kong)"),
    ("zh-HK-WanLungNeural", "Male", "Cantonese (Hong Kong)"),
    ("zh-TW-HsiaoChenNeural", "Female", "Taiwanese Mandarin"),
    ("zh-TW-HsiaoYuNeural", "Female", "Taiwanese Mandarin"),
    ("zh-TW-YunJheNeural", "Male", "Taiwanese Mandarin"),
]

# xx-XX-NameNeural, xx-XX-dialect-NameNeural (the short names edge-tts rewrites),
# or the long form edge-tts sends.
SHORT_NAME = re.compile(r"^([a-z]{2,3})-([A-Z]{2})(?:-([a-z]+))?-([A-Z][A-Za-z0-9]*Neural)$")
LONG_NAME = re.compile(
    r"^Microsoft Server Speech Text to Speech Voice \(([a-z]{2,3})-([A-Z]{2})(?:-[a-z]+)?, "
    r"[A-Z][A-Za-z0-9]*Neural\)$"
)


def locale_of(short_name: str) -> str:
    m = SHORT_NAME.match(short_name)
    if not m:
        return ""
    lang, region, dialect, _ = m.groups()
    return f"{lang}-{region}-{dialect}" if dialect else f"{lang}-{region}"


def builtin_voices() -> list[VoiceInfo]:
    return sort_voices(
        [VoiceInfo("edge", name, locale_of(name), gender, note) for name, gender, note in _ZH_VOICES]
    )


def voice_rank(name: str) -> tuple[int, str]:
    """Mandarin (zh-CN) first, then zh-CN-<dialect>, zh-HK, zh-TW, other zh, the rest."""
    m = SHORT_NAME.match(name)
    if m:
        lang, region, dialect, _ = m.groups()
        if lang == "zh" and region == "CN":
            rank = 1 if dialect else 0
        elif lang == "zh" and region == "HK":
            rank = 2
        elif lang == "zh" and region == "TW":
            rank = 3
        elif lang == "zh":
            rank = 4
        else:
            rank = 5
    else:
        rank = 4 if name.startswith("zh-") else 6
    return rank, name


def sort_voices(voices: list[VoiceInfo]) -> list[VoiceInfo]:
    return sorted(voices, key=lambda v: voice_rank(v.name))
