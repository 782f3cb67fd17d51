"""From the page's form to a script.yaml the render reads, exactly as the CLI would.

    >>> print(script_yaml("通知", "各位村民：", Options("kokoro", "zf_xiaoxiao", "+0%", False, "loudspeaker"),
    ...                   Path("/d/lexicon.yaml"), dt.date(2026, 12, 1)))
    title: 通知
    date: 2026-12-01
    voice:
      engine: kokoro
      name: zf_xiaoxiao
      rate: +0%
    lexicon_file: /d/lexicon.yaml
    profile: loudspeaker
    items:
    - text: 各位村民：
    <BLANKLINE>
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from broadcaster.errors import InputError

MAX_TEXT_CHARS = 200_000
MAX_TITLE_CHARS = 60


@dataclass(frozen=True)
class Options:
    engine: str
    voice: str
    rate: str
    jingles: bool
    profile: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def options_from(form: Mapping[str, str], voices: list[tuple[str, str, str]], rates: tuple[str, ...],
                 profiles: list[str]) -> Options:
    """The form's choices, each checked against what the page offered."""
    engine, _, voice = (form.get("voice") or f"{voices[0][0]}:{voices[0][1]}").partition(":")
    if (engine, voice) not in {(e, v) for e, v, _ in voices}:
        raise InputError("没有这个声音", where="voice")
    rate = form.get("rate") or "+0%"
    if rate not in rates:
        raise InputError("语速不在可选范围内", where="rate")
    profile = form.get("profile") or profiles[0]
    if profile not in profiles:
        raise InputError("没有这个声音配置", where="profile")
    return Options(engine, voice, rate, form.get("jingles") == "1", profile)


def check_text(title: str, text: str) -> tuple[str, str]:
    title, text = title.strip(), text.replace("\r\n", "\n").strip()
    if not text:
        raise InputError("没有要播报的文字", where="text")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"文字太长（上限 {MAX_TEXT_CHARS} 字）", where="text")
    return (title or text.splitlines()[0])[:MAX_TITLE_CHARS], text


def script_yaml(title: str, text: str, options: Options, lexicon_file: Path, day: dt.date,
                article: str | None = None) -> str:
    """`article` names a file beside the script holding `text`: read as an article, its
    first line is a headline (its own segment, with the headline pause) instead of
    running into the first sentence."""
    items: list[dict[str, Any]] = [{"jingle": "chime"}] if options.jingles else []
    items.append({"article": article, "title": title} if article else {"text": text})
    if options.jingles:
        items.append({"jingle": "chime-end"})
    doc = {"title": title, "date": day, "voice": {"engine": options.engine, "name": options.voice, "rate": options.rate},
           "lexicon_file": str(lexicon_file), "profile": options.profile, "items": items}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6)


def preview_key(script: str, lexicon_file: Path) -> str:
    """Same words, voice and dictionary → same preview file (heard again without rendering)."""
    digest = hashlib.sha256(script.encode("utf-8"))
    digest.update(lexicon_file.read_bytes() if lexicon_file.exists() else b"")
    return digest.hexdigest()[:32]
