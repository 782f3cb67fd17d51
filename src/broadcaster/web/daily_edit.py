"""每日广播 made and changed from the page: the programme's daily.yaml and its inbox.

A programme the page makes is an ordinary daily script in the layout
`broadcaster run-daily` and `schedule install` use (web/daily.py): a folder
under daily/ with daily.yaml and inbox/. The page writes the script in one
fixed shape (the opening words, today's articles from inbox/, the closing
words; the programme's voice, profile, jingles and bed) and edits only scripts
of that shape; one written by hand is run and shown, not rewritten.

The programme's name becomes its folder's name, so only a short name of
Chinese characters, letters, digits, "-" and "_" is accepted: it can hold no
path separator, dot or space. Inbox files get names of our own,
`<date>-<NNN><suffix>`, so that name order (the order run-daily reads them in)
is the order staff chose; what staff called each is kept in `inbox/.labels.json`
(a hidden file, which the inbox never takes for an article).

    >>> check_name("湖东村早间"), check_template("今天是{date}，{weekday}。", "开头")
    ('湖东村早间', '今天是{date}，{weekday}。')
    >>> check_name("../x")
    Traceback (most recent call last):
    broadcaster.errors.InputError: name: 名称只能用汉字、字母、数字、“-”和“_”，最多 20 个字，例如“湖东村早间”
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from broadcaster.durable import write_atomic
from broadcaster.errors import InputError
from broadcaster.web.compose import JINGLES_ZH, Options
from broadcaster.web.daily import SCRIPT_NAME, DailyScript

_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z0-9_-]{1,20}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = ("date", "weekday", "lunar", "station")  # script/templates.py (not imported: the server stays light)
MAX_LINE_CHARS = 60
MAX_WORDS_CHARS = 500
MAX_ITEMS_RANGE = (1, 20)
INBOX, LABELS = "inbox", ".labels.json"
_OURS = re.compile(r"^(\d{4}-\d{2}-\d{2})-(\d{3})(\.[a-z0-9]+)$")
HEAD = "# 每日广播（由网页管理：请在网页“每日广播”里修改）\n"


@dataclass(frozen=True)
class DailySettings:
    """What the page's form says about a programme (the voice and effects are compose.Options)."""

    title: str = "{station}{date}广播"
    station: str = ""
    opening: str = "各位村民请注意，今天是{date}，{weekday}。现在开始广播。"
    closing: str = "以上是{station}今天的广播，谢谢收听。"
    max_items: int = 5


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise InputError("名称只能用汉字、字母、数字、“-”和“_”，最多 20 个字，例如“湖东村早间”", where="name")
    return name


def check_template(text: str, label: str, key: str = "", max_chars: int = MAX_WORDS_CHARS) -> str:
    """`text` with only the placeholders a daily script fills in ({date} …), or InputError naming the field."""
    text = text.replace("\r\n", "\n").strip()
    if len(text) > max_chars:
        raise InputError(f"{label}太长（最多 {max_chars} 字）", where=key)
    for found in _PLACEHOLDER.findall(text):
        if found.split(":")[0] not in PLACEHOLDERS:
            raise InputError(f"{label}里的 {{{found}}} 不认识：只能用 {{date}}（日期）、{{weekday}}（星期）、"
                             "{lunar}（农历）、{station}（广播站）", where=key)
    return text


def settings_from(form: Mapping[str, str]) -> DailySettings:
    """The form's settings, each checked, with a Chinese message naming the field when one is wrong."""
    title = check_template(form.get("title", ""), "节目标题", "title", MAX_LINE_CHARS)
    if not title or "\n" in title:
        raise InputError("节目标题不能为空，只写一行", where="title")
    station = form.get("station", "").strip()
    if len(station) > MAX_LINE_CHARS or "\n" in station or "{" in station:
        raise InputError(f"广播站名称只写一行，最多 {MAX_LINE_CHARS} 字", where="station")
    try:
        max_items = int(form.get("max_items") or DailySettings.max_items)
    except ValueError:
        max_items = 0
    if not MAX_ITEMS_RANGE[0] <= max_items <= MAX_ITEMS_RANGE[1]:
        raise InputError(f"每天最多播几篇稿件：填 {MAX_ITEMS_RANGE[0]} 到 {MAX_ITEMS_RANGE[1]} 之间的数字", where="max_items")
    return DailySettings(title, station, check_template(form.get("opening", ""), "开头的话", "opening"),
                         check_template(form.get("closing", ""), "结尾的话", "closing"), max_items)


def script_yaml(settings: DailySettings, options: Options, lexicon_file: Path) -> str:
    """The daily script, as `broadcaster run-daily` reads it.

    >>> print(script_yaml(DailySettings(station="湖东村广播站", closing=""), Options("kokoro", "zf_xiaoxiao", "+0%", "loudspeaker",
    ...       intro="chime"), Path("/d/lexicon.yaml")), end="")
    # 每日广播（由网页管理：请在网页“每日广播”里修改）
    title: '{station}{date}广播'
    station: 湖东村广播站
    voice:
      engine: kokoro
      name: zf_xiaoxiao
      rate: +0%
    lexicon_file: /d/lexicon.yaml
    profile: loudspeaker
    intro: chime
    items:
    - text: 各位村民请注意，今天是{date}，{weekday}。现在开始广播。
    - articles_from: inbox/
      max_items: 5
    """
    doc: dict[str, Any] = {"title": settings.title}
    if settings.station:
        doc["station"] = settings.station
    doc.update(voice={"engine": options.engine, "name": options.voice, "rate": options.rate},
               lexicon_file=str(lexicon_file), profile=options.profile)
    if options.intro:
        doc["intro"] = options.intro
    if options.outro:
        doc["outro"] = options.outro
    if options.bed_file:
        doc["music"] = {"file": options.bed_file, "level_db": options.bed_level_db, "duck_db": options.bed_duck_db}
    items: list[dict[str, Any]] = [{"text": settings.opening}] if settings.opening else []
    items.append({"articles_from": f"{INBOX}/", "max_items": settings.max_items})
    if settings.closing:
        items.append({"text": settings.closing})
    doc["items"] = items
    return HEAD + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6)


def read_settings(script: Path, beds: Mapping[str, Path]) -> tuple[DailySettings, dict[str, Any]] | None:
    """The settings and options (as compose.form_values reads stored options) of a script the
    page wrote; None for a script written by hand (or changed by hand beyond the page's shape)."""
    try:
        text = script.read_text(encoding="utf-8")
        doc = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not text.startswith(HEAD) or not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return None
    items = doc["items"]
    kinds = [next(iter(i), None) if isinstance(i, dict) else None for i in items]
    if kinds.count("articles_from") != 1 or any(k not in ("text", "articles_from") for k in kinds):
        return None
    at = kinds.index("articles_from")
    if at > 1 or len(items) - at > 2:
        return None
    voice = doc.get("voice") or {}
    music = doc.get("music") or {}
    bed = next((bed_id for bed_id, path in beds.items() if str(path) == str(music.get("file"))), "")
    settings = DailySettings(str(doc.get("title", "")), str(doc.get("station", "")),
                             str(items[0]["text"]) if at == 1 else "", str(items[-1]["text"]) if at == len(items) - 2 else "",
                             int(items[at].get("max_items") or DailySettings.max_items))
    options = {"engine": voice.get("engine", ""), "voice": voice.get("name", ""), "rate": voice.get("rate", "+0%"),
               "profile": doc.get("profile", "loudspeaker"), "intro": doc.get("intro", ""), "outro": doc.get("outro", ""),
               "bed": bed, "bed_level_db": music.get("level_db", -20.0), "bed_duck_db": music.get("duck_db", -12.0)}
    if options["intro"] not in JINGLES_ZH:
        options["intro"] = ""
    if options["outro"] not in JINGLES_ZH:
        options["outro"] = ""
    return settings, options


def create(daily_dir: Path, name: str, text: str) -> Path:
    """A new programme's folder with its script and an empty inbox; InputError when the name is taken."""
    folder = daily_dir / check_name(name)
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        raise InputError(f"已经有叫“{name}”的每日广播了，请换一个名称", where="name") from None
    (folder / INBOX).mkdir()
    write_atomic(folder / SCRIPT_NAME, text.encode("utf-8"))
    return folder / SCRIPT_NAME


# -- the inbox -------------------------------------------------------------------------

@dataclass(frozen=True)
class Article:
    file: str  # its name in inbox/
    label: str  # what staff called it (the uploaded file's name, the link, the text's first line)


def inbox(daily: DailyScript) -> Path:
    return daily.script.parent / INBOX


def _labels(folder: Path) -> dict[str, str]:
    try:
        found = json.loads((folder / LABELS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


# The day an inbox file is for, as script/inbox.py's file_date decides it (named here, not
# imported: the script package brings numpy, which the server never loads; a test checks they agree).
_ISO_LIKE = re.compile(r"(?<!\d)(20\d\d)([-_.]?)(\d\d)\2(\d\d)(?!\d)")
_WRITTEN = re.compile(r"(20\d\d)年(\d{1,2})月(\d{1,2})日")


def file_day(path: Path) -> dt.date:
    for pattern, groups in ((_WRITTEN, (1, 2, 3)), (_ISO_LIKE, (1, 3, 4))):
        for match in pattern.finditer(path.name):
            try:
                return dt.date(*(int(match.group(g)) for g in groups))
            except ValueError:
                continue
    return dt.datetime.fromtimestamp(path.stat().st_mtime).date()


def articles(daily: DailyScript, day: dt.date) -> list[Article]:
    """The day's articles waiting in the inbox, in the order run-daily will read them (name order)."""
    folder = inbox(daily)
    if not folder.is_dir():
        return []
    labels = _labels(folder)
    found = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")) and file_day(p) == day)
    return [Article(name, labels.get(name, name)) for name in found]


def add_article(daily: DailyScript, day: dt.date, body: bytes, suffix: str, label: str) -> Article:
    """Keep `body` as the day's next article, under a name of our own, last in the order."""
    folder = inbox(daily)
    folder.mkdir(exist_ok=True)
    numbers = [int(m.group(2)) for a in articles(daily, day) if (m := _OURS.match(a.file)) and m.group(1) == day.isoformat()]
    name = f"{day.isoformat()}-{max(numbers, default=0) + 1:03d}{suffix.lower()}"
    write_atomic(folder / name, body)
    labels = _labels(folder)
    labels[name] = label[:MAX_LINE_CHARS]
    write_atomic(folder / LABELS, json.dumps(labels, ensure_ascii=False, indent=1).encode("utf-8"))
    return Article(name, labels[name])


def remove_article(daily: DailyScript, day: dt.date, name: str) -> None:
    folder = inbox(daily)
    if name not in {a.file for a in articles(daily, day)}:
        raise InputError("没有这篇稿件（可能已经删除或已经播出）", where=name)
    (folder / name).unlink()
    labels = _labels(folder)
    labels.pop(name, None)
    write_atomic(folder / LABELS, json.dumps(labels, ensure_ascii=False, indent=1).encode("utf-8"))


def move_article(daily: DailyScript, day: dt.date, name: str, step: int) -> None:
    """Move one article `step` places (-1 earlier, +1 later): the day's files are renamed
    `<date>-001…` in the new order (through temporary names, so no two ever collide)."""
    folder = inbox(daily)
    order = articles(daily, day)
    at = next((i for i, a in enumerate(order) if a.file == name), None)
    if at is None:
        raise InputError("没有这篇稿件（可能已经删除或已经播出）", where=name)
    to = min(max(at + step, 0), len(order) - 1)
    order.insert(to, order.pop(at))
    labels = _labels(folder)
    staged = []
    for article in order:
        temporary = f".moving-{secrets.token_hex(8)}"
        os.replace(folder / article.file, folder / temporary)
        staged.append((temporary, article))
    for article in order:
        labels.pop(article.file, None)
    for n, (temporary, article) in enumerate(staged, start=1):
        final = f"{day.isoformat()}-{n:03d}{Path(article.file).suffix.lower()}"
        os.replace(folder / temporary, folder / final)
        labels[final] = article.label
    write_atomic(folder / LABELS, json.dumps(labels, ensure_ascii=False, indent=1).encode("utf-8"))
