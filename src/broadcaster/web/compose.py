"""From the page's form to a script.yaml the render reads, exactly as the CLI would.

    >>> print(script_yaml("通知", "各位村民：", Options("kokoro", "zf_xiaoxiao", "+0%", "loudspeaker", intro="chime",
    ...                   bed="ab", bed_file="/d/music/ab.mp3"), Path("/d/lexicon.yaml"), dt.date(2026, 12, 1)))
    title: 通知
    date: 2026-12-01
    voice:
      engine: kokoro
      name: zf_xiaoxiao
      rate: +0%
    lexicon_file: /d/lexicon.yaml
    profile: loudspeaker
    intro: chime
    music:
      file: /d/music/ab.mp3
      level_db: -20.0
      duck_db: -12.0
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
# The built-in jingles (mix/jingles.py BUILTIN_JINGLES) and the bed's defaults
# (model MusicBed), named here rather than imported: those modules bring numpy,
# which the web server's own process never needs (a test checks they agree).
JINGLES_ZH = {"chime": "钟声", "chime-end": "钟声（收尾）", "start": "三声上行提示音", "end": "三声下行提示音",
              "attention": "“请注意”提示音", "alert": "紧急警报音"}
BED_LEVEL_DB, BED_DUCK_DB = -20.0, -12.0
# The bed's level and ducking, as the page offers them: the script's own limits (script/fields.py parse_music).
LEVEL_DB_RANGE = (-60.0, 0.0)
DUCK_DB_RANGE = (-40.0, 0.0)


@dataclass(frozen=True)
class Options:
    engine: str
    voice: str
    rate: str
    profile: str
    intro: str = ""  # a built-in jingle before the first item (the script's `intro:`), or none
    outro: str = ""
    bed: str = ""  # the music library's id of the bed under the whole programme, or none
    bed_file: str = ""  # its stored file, for script.yaml
    bed_level_db: float = BED_LEVEL_DB
    bed_duck_db: float = BED_DUCK_DB

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def options_from(form: Mapping[str, str], voices: list[tuple[str, str, str]], rates: tuple[str, ...],
                 profiles: list[str], beds: Mapping[str, Path] | None = None) -> Options:
    """The form's choices, each checked against what the page offered (`beds`: id → stored file)."""
    engine, _, voice = (form.get("voice") or f"{voices[0][0]}:{voices[0][1]}").partition(":")
    if (engine, voice) not in {(e, v) for e, v, _ in voices}:
        raise InputError("没有这个声音", where="voice")
    rate = form.get("rate") or "+0%"
    if rate not in rates:
        raise InputError("语速不在可选范围内", where="rate")
    profile = form.get("profile") or profiles[0]
    if profile not in profiles:
        raise InputError("没有这个声音配置", where="profile")
    if "intro" in form or "outro" in form:
        intro, outro = form.get("intro", ""), form.get("outro", "")
    else:  # the earlier form's one checkbox (and clients written for it): the chime at both ends
        intro, outro = ("chime", "chime-end") if form.get("jingles") == "1" else ("", "")
    for value in (intro, outro):
        if value and value not in JINGLES_ZH:
            raise InputError("没有这个提示音", where="intro")
    bed = form.get("bed", "")
    bed_file = ""
    if bed:
        if bed not in (beds or {}):
            raise InputError("没有这个背景音乐（可能已被删除），请重新选择", where="bed")
        bed_file = str((beds or {})[bed])
    level = _db(form, "bed_level_db", BED_LEVEL_DB, LEVEL_DB_RANGE, "背景音乐音量")
    duck = _db(form, "bed_duck_db", BED_DUCK_DB, DUCK_DB_RANGE, "说话时背景音乐压低")
    return Options(engine, voice, rate, profile, intro, outro, bed, bed_file, level, duck)


def _db(form: Mapping[str, str], key: str, default: float, bounds: tuple[float, float], label: str) -> float:
    raw = (form.get(key) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{label}要填数字（分贝），例如 {default:g}", where=key) from None
    if not bounds[0] <= value <= bounds[1]:
        raise InputError(f"{label}要在 {bounds[0]:g} 到 {bounds[1]:g} 分贝之间", where=key)
    return value


def check_text(title: str, text: str) -> tuple[str, str]:
    """The title and text to broadcast, or an InputError whose message says in Chinese what to do.

    >>> check_text("", "。。。！！！")
    Traceback (most recent call last):
    broadcaster.errors.InputError: text: 这段文字只有标点或符号，没有可以播报的字。请检查粘贴的内容后重试。
    """
    title, text = title.strip(), text.replace("\r\n", "\n").strip()
    if not text:
        raise InputError("没有要播报的文字。请粘贴通知的文字、上传文档或填写网页链接。", where="text")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"文字太长：一次最多 {MAX_TEXT_CHARS // 10_000} 万字，这次约 {len(text) / 10_000:.1f} 万字。"
                         "请分成几次广播。", where="text")
    if not any(ch.isalnum() for ch in text):  # letters, digits and every Chinese character are alnum
        raise InputError(NOTHING_TO_SAY, where="text")
    return (title or text.splitlines()[0])[:MAX_TITLE_CHARS], text


NOTHING_TO_SAY = "这段文字只有标点或符号，没有可以播报的字。请检查粘贴的内容后重试。"
# Form fields named in `InputError.where` (check_text, options_from): for the log, not for staff.
_FORM_KEYS = {"text", "voice", "rate", "profile", "intro", "bed", "bed_level_db", "bed_duck_db",
              "name", "title", "station", "opening", "closing", "max_items", "times"}  # the daily programme's form


def message_zh(exc: InputError) -> str:
    """What the page shows for `exc`: the message alone when `where` is one of our form's
    keys (staff never see "text:"), else the file or link it is about, then the message.

    >>> message_zh(InputError("没有要播报的文字", where="text")), message_zh(InputError("文件是空的", where="通知.docx"))
    ('没有要播报的文字', '通知.docx：文件是空的')
    """
    if not exc.where or exc.where in _FORM_KEYS:
        return exc.message
    return f"{exc.where}：{exc.message}"


def script_yaml(title: str, text: str, options: Options, lexicon_file: Path, day: dt.date,
                article: str | None = None) -> str:
    """`article` names a file beside the script holding `text`: read as an article, its
    first line is a headline (its own segment, with the headline pause) instead of
    running into the first sentence."""
    doc: dict[str, Any] = {"title": title, "date": day,
                           "voice": {"engine": options.engine, "name": options.voice, "rate": options.rate},
                           "lexicon_file": str(lexicon_file), "profile": options.profile}
    if options.intro:
        doc["intro"] = options.intro
    if options.outro:
        doc["outro"] = options.outro
    if options.bed_file:
        doc["music"] = {"file": options.bed_file, "level_db": options.bed_level_db, "duck_db": options.bed_duck_db}
    doc["items"] = [{"article": article, "title": title} if article else {"text": text}]
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6)


def preview_key(script: str, lexicon_file: Path) -> str:
    """Same words, voice and dictionary → same preview file (heard again without rendering)."""
    digest = hashlib.sha256(script.encode("utf-8"))
    digest.update(lexicon_file.read_bytes() if lexicon_file.exists() else b"")
    return digest.hexdigest()[:32]


def form_values(form: Mapping[str, Any] | None) -> dict[str, str]:
    """What the options fieldset shows as chosen: the form as sent back, a broadcast's stored
    options (to render it again; `Options.as_dict`, or the earlier `{"jingles": bool}`), or the defaults.

    >>> form_values({"engine": "kokoro", "voice": "zf_xiaoxiao", "rate": "+0%", "jingles": False, "profile": "web"})["intro"]
    ''
    >>> form_values(None)["intro"], form_values(None)["bed_level_db"]
    ('chime', '-20')
    """
    form = form or {}
    out = {"voice": "", "rate": "+0%", "profile": "loudspeaker", "intro": "chime", "outro": "chime-end", "bed": "",
           "bed_level_db": f"{BED_LEVEL_DB:g}", "bed_duck_db": f"{BED_DUCK_DB:g}"}
    if "engine" in form:  # stored options
        out["voice"] = f"{form['engine']}:{form.get('voice', '')}"
        if "jingles" in form and "intro" not in form:
            out["intro"], out["outro"] = ("chime", "chime-end") if form["jingles"] else ("", "")
        for key in ("rate", "profile", "intro", "outro", "bed"):
            if key in form:
                out[key] = str(form[key])
        for key in ("bed_level_db", "bed_duck_db"):
            if key in form:
                out[key] = f"{float(form[key]):g}"
        return out
    for key in out:
        if form.get(key) is not None:
            out[key] = str(form[key])
    if "intro" not in form and "outro" not in form and "jingles" in form:
        out["intro"], out["outro"] = ("chime", "chime-end") if form.get("jingles") == "1" else ("", "")
    return out
