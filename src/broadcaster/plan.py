"""Programme → plan: every item with the segments it will speak.

This is the text stage of the flow; nothing here synthesises. `broadcaster
check` prints a plan, `broadcaster text` prints its spoken segments.
"""
from __future__ import annotations

from dataclasses import dataclass

from broadcaster.errors import InputError, TextError
from broadcaster.script import Item, Programme
from broadcaster.text import Break, Lexicon, Segment, build_lexicon, prepare
from broadcaster.text.pipeline import finish_document, open_article
from broadcaster.text.readers import Article
from broadcaster.tts.base import SpeechRequest, resolve_voice


@dataclass(frozen=True)
class Cue:
    """One segment to speak, with the voice the script asked for."""

    segment: Segment
    request: SpeechRequest
    repeat_intro: bool = False  # the spoken lead-in before a repeat


@dataclass(frozen=True)
class ItemPlan:
    item: Item
    title: str
    cues: tuple[Cue, ...] = ()
    reader: str | None = None  # which reader read an article item (text.readers)
    reader_notes: tuple[str, ...] = ()  # what it left out or how it got it (a skipped table, a fetched link)

    @property
    def chars(self) -> int:
        return sum(len(c.segment.spoken) for c in self.cues)


def programme_lexicon(programme: Programme) -> Lexicon:
    return build_lexicon(programme.lexicon, list(programme.lexicon_files))


def item_article(item: Item, *, offline: bool = False) -> Article:
    """The cleaned article of an article item, from its file or its link
    (raises TextError naming the file or the link)."""
    if item.url is not None:
        from broadcaster.text.readers.fetch import read_url

        return finish_document(read_url(item.url, offline=offline, where=f"{item.where}: {item.url}"), where=item.url)
    return open_article(item.path)


def item_text(item: Item, *, offline: bool = False) -> tuple[str, bool]:
    """(text, starts with a headline) of a text or article item."""
    if item.kind == "text":
        return item.text or "", False
    return item_article(item, offline=offline).text, True


def item_segments(item: Item, programme: Programme, lexicon: Lexicon, text: str, headline: bool) -> list[Segment]:
    """The segments an item speaks once (repeats are added by `plan_item`)."""
    segments = prepare(text, lexicon=lexicon, limits=programme.limits, headline=headline)
    if not segments:
        raise TextError("nothing left to say after cleaning", where=item.where)
    return segments


def plan_item(item: Item, programme: Programme, lexicon: Lexicon, *, offline: bool = False) -> ItemPlan:
    if not item.spoken:
        return ItemPlan(item, item.title or (f"{item.duration_s:g} s pause" if item.kind == "pause" else item.kind))
    try:
        voice = resolve_voice(item.voice or programme.voice)
    except InputError as exc:
        raise InputError(exc.message, where=f"{item.where}: items[{item.index}].voice") from None
    article = item_article(item, offline=offline) if item.kind == "article" else None
    text, headline = (article.text, True) if article else item_text(item)
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
    return ItemPlan(item, title, tuple(all_cues), reader=article.reader if article else None,
                    reader_notes=article.notes if article else ())


def _title_from(segments: list[Segment], max_chars: int = 24) -> str:
    first = segments[0].written.strip().rstrip("。！？；，：")
    return first if len(first) <= max_chars else first[: max_chars - 1] + "…"


def plan_programme(programme: Programme, *, offline: bool = False, lexicon: Lexicon | None = None) -> list[ItemPlan]:
    """`offline`: article links are refused instead of fetched. `lexicon`:
    the programme's, when the caller has built it already."""
    lexicon = lexicon or programme_lexicon(programme)
    return [plan_item(item, programme, lexicon, offline=offline) for item in programme.items]
