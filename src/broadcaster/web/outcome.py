"""What a render really did, said in Chinese: which items another voice read, and why.

A render whose chosen voice cannot speak an item (an online voice while the
network is down) reads that item with the fallback voice and records it in
the manifest (`items[].fallback`). The job page and the result page say so
in one sentence per cause instead of leaving staff to notice a voice change.

    >>> fallbacks = [{"title": "停水通知", "engine": "kokoro", "voice": "zf_xiaoxiao", "from_engine": "edge",
    ...               "reason": "edge-tts failed for x after 3 attempt(s): cannot connect to speech.platform.bing.com:443"}]
    >>> fallback_sentences(fallbacks, lambda e, v: {"kokoro": "晓晓（女声，离线）"}.get(e, v), "晓晓（在线）")
    ['因为连不上网络，“停水通知”没有用所选的声音“晓晓（在线）”，改用“晓晓（女声，离线）”读。']
"""
from __future__ import annotations

import re
from typing import Callable

# The engine's reason (English, for whoever helps) → the cause staff can act on.
_REASONS_ZH = (
    (r"^offline", "设定了离线制作"),
    (r"cannot connect|timed out|timeout|gave up on the service|Connect|Name or service|getaddrinfo|network", "连不上网络"),
    (r"HTTP \d+", "在线语音服务拒绝了请求"),
    (r"truncated", "在线语音服务送回的声音不完整"),
)
MAX_TITLES = 3


def reason_zh(reason: str | None) -> str:
    """Why the chosen voice was not used, as staff can act on it.

    >>> reason_zh("offline: --offline given"), reason_zh("fake refused '开工'")
    ('设定了离线制作', '所选的声音读不了这段文字')
    """
    for pattern, said in _REASONS_ZH:
        if re.search(pattern, reason or ""):
            return said
    return "所选的声音读不了这段文字"


def fallbacks_in(manifest: dict | None) -> list[dict]:
    """The items another voice read, from a manifest: title, the voice used, the engine asked for, why."""
    out = []
    for item in (manifest or {}).get("items", []):
        fell = item.get("fallback")
        if isinstance(fell, dict):
            out.append({"title": str(item.get("title") or ""), "engine": str(item.get("engine") or ""),
                        "voice": str(item.get("voice") or ""), "from_engine": str(fell.get("from_engine") or ""),
                        "reason": str(fell.get("reason") or "")})
    return out


def fallback_sentences(fallbacks: list[dict], label: Callable[[str, str], str], chosen: str | None = None) -> list[str]:
    """One sentence per cause and voice used. `label(engine, voice)` names a voice as the form does;
    `chosen` is the label of the voice staff chose (None: "所选的声音")."""
    groups: dict[tuple[str, str], list[str]] = {}
    for fell in fallbacks:
        groups.setdefault((reason_zh(fell["reason"]), label(fell["engine"], fell["voice"])), []).append(fell["title"])
    out = []
    for (why, used), titles in groups.items():
        named = "、".join(f"“{t}”" for t in titles[:MAX_TITLES]) + (f"等 {len(titles)} 条内容" if len(titles) > MAX_TITLES else "")
        asked = f"所选的声音“{chosen}”" if chosen else "所选的声音"
        out.append(f"因为{why}，{named}没有用{asked}，改用“{used}”读。")
    return out
