"""The daily job's part of loading a script: `articles_from:` items and templates.

Called from `script.load.parse_script`. `articles_from: inbox/` becomes one ordinary article item per
file of the day (see daily/inbox.py), so nothing after loading knows about
inboxes; templates are filled once, on the finished `Programme`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from broadcaster.errors import ScriptError
from broadcaster.model import ArticleItem, Item, Programme, TextItem, Voice
from broadcaster.script.fields import Ctx, line_of, parse_voice
from broadcaster.script.inbox import select_articles
from broadcaster.script.items import ARTICLE_SUFFIXES, parse_item
from broadcaster.script.templates import TemplateContext, TemplateError, fill
from broadcaster.yaml_lines import LocatedDict, LocatedList

_INBOX_KEYS = {"articles_from", "max_items", "voice", "repeat"}


def items_with_articles(ctx: Ctx, items_raw: LocatedList, voice: Voice, date: dt.date):
    """The items, with each `articles_from: inbox/` item replaced by one article
    item per file of the day (see daily/inbox.py), numbered in order.

    Returns (items, ((inbox, file), ...), warnings)."""
    items: list[Item] = []
    taken: list[tuple[Path, Path]] = []
    warnings: list[str] = []
    for i in range(len(items_raw)):
        raw = items_raw[i]
        if not (isinstance(raw, dict) and "articles_from" in raw):
            items.append(replace(parse_item(ctx, items_raw, i, voice), index=len(items) + 1))
            continue
        label, line = f"items[{i + 1}]", items_raw.line_of(i)
        for k in raw:
            if k not in _INBOX_KEYS:
                raise ctx.fail(f"unknown key; allowed: {', '.join(sorted(_INBOX_KEYS))}", f"{label}.{k}", line_of(raw, k, line))
        folder = raw["articles_from"]
        if not isinstance(folder, str) or not folder.strip():
            raise ctx.fail("must be a folder path", f"{label}.articles_from", line_of(raw, "articles_from", line))
        inbox = (ctx.path.parent / folder).resolve()
        if not inbox.is_dir():
            raise ctx.fail(f"folder not found: {folder}", f"{label}.articles_from", line_of(raw, "articles_from", line))
        max_items = raw.get("max_items")
        if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or not 1 <= max_items <= 50):
            raise ctx.fail("must be a whole number from 1 to 50", f"{label}.max_items", line_of(raw, "max_items", line))
        v = parse_voice(ctx, raw["voice"], voice, f"{label}.voice", line_of(raw, "voice", line)) if "voice" in raw else voice
        repeat = raw.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 5:
            raise ctx.fail("must be a whole number from 1 to 5", f"{label}.repeat", line_of(raw, "repeat", line))
        selection = select_articles(inbox, date, max_items=max_items, suffixes=ARTICLE_SUFFIXES)
        warnings += selection.warnings
        for path in selection.paths:
            items.append(ArticleItem(index=len(items) + 1, where=str(path), voice=v, path=path, repeat=repeat))
            taken.append((inbox, path))
    return tuple(items), tuple(taken), tuple(warnings)


def templated(ctx: Ctx, doc: LocatedDict, programme: Programme) -> Programme:
    """Fill {date}, {weekday}, {lunar}, {station} in titles, texts and `output:`."""
    context = TemplateContext(programme.date, programme.station)

    def filled(value: str | None, key: str, where: str, *, for_path: bool = False) -> str | None:
        if value is None:
            return None
        try:
            return fill(value, context, for_path=for_path)
        except TemplateError as exc:
            raise ScriptError(f"{key}: {exc}", where=where) from None

    top = f"{ctx.name}:{doc.line_of('title')}"
    items = tuple(
        replace(item, title=filled(item.title, "title", item.where),
                **({"text": filled(item.text, "text", item.where)} if isinstance(item, TextItem) else {}))
        for item in programme.items
    )
    output = filled(str(programme.output), "output", f"{ctx.name}:{doc.line_of('output')}", for_path=True) if programme.output else None
    return replace(programme, title=filled(programme.title, "title", top), items=items,
                   output=(ctx.path.parent / output) if output else None)
