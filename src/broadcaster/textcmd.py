"""`broadcaster text INPUT`: the spoken segments of a script, an article or stdin."""
from __future__ import annotations

import sys
from pathlib import Path

from broadcaster.errors import TextError
from broadcaster.model.text import Lexicon, Segment
from broadcaster.prepare import build_lexicon, explain, prepare
from broadcaster.prepare.pipeline import finish_document, open_article
from broadcaster.prepare.readers import Article, read_bytes
from broadcaster.prepare.readers.fetch import is_url, read_url

SCRIPT_SUFFIXES = (".yaml", ".yml")


def _article(source: str, to_simplified: bool) -> Article:
    """The cleaned article, headline first, from a file, a link or stdin."""
    if source == "-":  # any document can be piped in: the router reads content, not names
        return finish_document(read_bytes(sys.stdin.buffer.read(), "", "<stdin>"), where="<stdin>", to_simplified=to_simplified)
    if is_url(source):
        return finish_document(read_url(source), where=source, to_simplified=to_simplified)
    path = Path(source)
    if not path.is_file():
        raise TextError("file not found", where=source)
    return open_article(path, to_simplified=to_simplified)


def _article_text(source: str, to_simplified: bool) -> str:
    return _article(source, to_simplified).text


def reader_lines(article: Article) -> list[str]:
    """--explain's first lines for an article: which reader read it, and its notes."""
    return [f"reader: {article.reader}", *(f"note: {n}" for n in article.notes), ""]


def spoken_lines(source: str, to_simplified: bool = False, date=None) -> list[str]:
    return [s.spoken for s in _segments(source, to_simplified, date)]


def _segments(source: str, to_simplified: bool, date, lexicon: Lexicon | None = None) -> list[Segment]:
    """The segments a render would speak (an article with `lexicon`)."""
    if source.endswith(SCRIPT_SUFFIXES):
        from broadcaster.render import plan_programme
        from broadcaster.script import load_script

        return [cue.segment for plan in plan_programme(load_script(source, date)) for cue in plan.cues]
    segments = prepare(_article_text(source, to_simplified), headline=True, lexicon=lexicon)
    if not segments:
        raise TextError("nothing to say", where=source)
    return segments


def pinyin_lines(source: str, to_simplified: bool = False, date=None) -> list[str]:
    """`text --pinyin`: each segment, then the syllables the offline engine
    will say for it, read by the engine's own G2P (`MandarinG2P.pieces`): one
    per Han character, tones as spoken (1-4, 5 neutral), a merged 儿 as r5.
    An article is read with the lexicon a render would use (built in and
    $BROADCASTER_LEXICON); a script with its own."""
    from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P
    from broadcaster.synthesise.engines.mandarin_show import pinyin_line

    g2p = MandarinG2P()
    lines: list[str] = []
    for seg in _segments(source, to_simplified, date, build_lexicon()):
        lines += [seg.spoken, pinyin_line(g2p.pieces(seg.spoken, seg.pinyin))]
    return lines


def _reading_notes():
    """`--explain`'s last lines for a segment, from the engine's G2P: the
    syllables (as `--pinyin` prints them) and the reading of each polyphone."""
    from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P
    from broadcaster.synthesise.engines.mandarin_show import pinyin_line, reading_notes

    g2p = MandarinG2P()

    def notes(seg: Segment) -> list[str]:
        pieces = g2p.pieces(seg.spoken, seg.pinyin)
        return [f"  says:     {pinyin_line(pieces)}", *reading_notes(pieces)]

    return notes


def explain_lines(source: str, to_simplified: bool = False, date=None) -> list[str]:
    if source.endswith(SCRIPT_SUFFIXES):
        from broadcaster.model import ArticleItem, TextItem
        from broadcaster.prepare.plan import item_article, programme_lexicon
        from broadcaster.script import load_script

        programme = load_script(source, date)
        lexicon = programme_lexicon(programme)
        notes = _reading_notes()
        lines = []
        for item in programme.items:
            if isinstance(item, TextItem):
                lines += explain(item.text, lexicon=lexicon, limits=programme.limits, notes=notes)
            elif isinstance(item, ArticleItem):
                article = item_article(item)
                lines += reader_lines(article) + explain(article.text, lexicon=lexicon, limits=programme.limits, headline=True, notes=notes)
        return lines
    article = _article(source, to_simplified)
    return reader_lines(article) + explain(article.text, lexicon=build_lexicon(), headline=True, notes=_reading_notes())
