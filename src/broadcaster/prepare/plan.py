"""Programme → plan: every item with the segments it will speak.

This is the prepare stage of the flow; nothing here synthesises. `broadcaster
check` prints a plan, `broadcaster text` prints its spoken segments.

Voices are resolved (the engine's default name filled in, the voice checked)
by a function the caller passes in, `engines.base.resolve_voice` in a
render: the prepare stage knows voices only as values.
"""
from __future__ import annotations

from typing import Callable

from broadcaster.errors import InputError, TextError
from broadcaster.model import (
    ArticleItem, Break, Cue, Item, ItemPlan, Lexicon, Programme, Segment, SpeechItem, SpeechRequest, Voice,
)
from broadcaster.prepare.pipeline import build_lexicon, finish_document, open_article, prepare
from broadcaster.prepare.readers import Article

VoiceResolver = Callable[[Voice], Voice]


def programme_lexicon(programme: Programme) -> Lexicon:
    return build_lexicon(programme.lexicon, list(programme.lexicon_files))


def item_article(item: Item, *, offline: bool = False) -> Article:
    """The cleaned article of an article item, from its file or its link
    (raises TextError naming the file or the link)."""
    if item.url is not None:
        from broadcaster.prepare.readers.fetch import read_url

        return finish_document(read_url(item.url, offline=offline, where=f"{item.where}: {item.url}"), where=item.url)
    return open_article(item.path)


def item_text(item: Item, *, offline: bool = False) -> tuple[str, bool]:
    """(text, starts with a headline) of a spoken item."""
    if isinstance(item, ArticleItem):
        return item_article(item, offline=offline).text, True
    return getattr(item, "text", ""), False


def item_segments(item: Item, programme: Programme, lexicon: Lexicon, text: str, headline: bool) -> list[Segment]:
    """The segments an item speaks once (repeats are added by `plan_item`)."""
    segments = prepare(text, lexicon=lexicon, limits=programme.limits, headline=headline)
    if not segments:
        raise TextError("nothing left to say after cleaning", where=item.where)
    return segments


class _Planner:
    """What an item calls to be planned (see `Item.plan`)."""

    def __init__(self, programme: Programme, lexicon: Lexicon, offline: bool, resolve_voice: VoiceResolver):
        self.programme, self.lexicon, self.offline = programme, lexicon, offline
        self.resolve_voice = resolve_voice

    def silent(self, item: Item) -> ItemPlan:
        return ItemPlan(item, item.title or item.default_title())

    def text(self, item: SpeechItem, text: str) -> ItemPlan:
        return self._spoken(item, text, headline=False)

    def article(self, item: ArticleItem) -> ItemPlan:
        article = item_article(item, offline=self.offline)
        return self._spoken(item, article.text, headline=True, reader=article.reader, notes=article.notes)

    def _spoken(self, item: SpeechItem, text: str, *, headline: bool, reader: str | None = None,
                notes: tuple[str, ...] = ()) -> ItemPlan:
        programme, lexicon = self.programme, self.lexicon
        try:
            voice = self.resolve_voice(item.voice or programme.voice)
        except InputError as exc:
            raise InputError(exc.message, where=f"{item.where}: items[{item.index}].voice") from None
        segments = item_segments(item, programme, lexicon, text, headline)
        title = item.title or _title_from(segments)
        cues = [Cue(s, SpeechRequest(s.spoken, voice, s.pinyin)) for s in segments]
        all_cues = list(cues)
        if item.repeat > 1:
            intro = [
                Cue(Segment(s.written, s.spoken, Break.PARAGRAPH, s.pinyin), SpeechRequest(s.spoken, voice, s.pinyin), repeat_intro=True)
                for s in prepare(programme.repeat_intro, lexicon=lexicon, limits=programme.limits)
            ]
            for _ in range(item.repeat - 1):
                all_cues += intro + cues
        return ItemPlan(item, title, tuple(all_cues), reader=reader, reader_notes=notes)


def plan_item(item: Item, programme: Programme, lexicon: Lexicon, *, resolve_voice: VoiceResolver,
              offline: bool = False) -> ItemPlan:
    return item.plan(_Planner(programme, lexicon, offline, resolve_voice))


def _title_from(segments: list[Segment], max_chars: int = 24) -> str:
    first = segments[0].written.strip().rstrip("。！？；，：")
    return first if len(first) <= max_chars else first[: max_chars - 1] + "…"


def plan_programme(programme: Programme, *, resolve_voice: VoiceResolver, offline: bool = False,
                   lexicon: Lexicon | None = None) -> list[ItemPlan]:
    """`resolve_voice`: fills in and checks a voice (`engines.base.resolve_voice`).
    `offline`: article links are refused instead of fetched. `lexicon`: the
    programme's, when the caller has built it already."""
    lexicon = lexicon or programme_lexicon(programme)
    return [plan_item(item, programme, lexicon, resolve_voice=resolve_voice, offline=offline) for item in programme.items]
