"""`broadcaster text INPUT`: the spoken segments of a script, an article or stdin."""
from __future__ import annotations

import sys
from pathlib import Path

from broadcaster.errors import TextError
from broadcaster.text import explain, prepare, read_article

SCRIPT_SUFFIXES = (".yaml", ".yml")


def _article_text(source: str) -> tuple[str, bool]:
    """(text, has_headline) for a file or stdin."""
    if source == "-":
        data = sys.stdin.buffer.read()
        try:
            return data.decode("utf-8-sig"), False
        except UnicodeDecodeError:
            raise TextError("standard input is not UTF-8 text", where="<stdin>") from None
    path = Path(source)
    if not path.is_file():
        raise TextError("file not found", where=source)
    return read_article(path), True


def spoken_lines(source: str) -> list[str]:
    if source.endswith(SCRIPT_SUFFIXES):
        from broadcaster.plan import plan_programme
        from broadcaster.script import load_script

        return [cue.segment.spoken for plan in plan_programme(load_script(source)) for cue in plan.cues]
    text, headline = _article_text(source)
    segments = prepare(text, headline=headline)
    if not segments:
        raise TextError("nothing to say", where=source)
    return [s.spoken for s in segments]


def explain_lines(source: str) -> list[str]:
    if source.endswith(SCRIPT_SUFFIXES):
        from broadcaster.plan import programme_lexicon
        from broadcaster.script import load_script

        programme = load_script(source)
        lexicon = programme_lexicon(programme)
        lines = []
        for item in programme.items:
            if item.kind == "text":
                lines += explain(item.text or "", lexicon=lexicon, limits=programme.limits)
            elif item.kind == "article":
                lines += explain(read_article(item.path), lexicon=lexicon, limits=programme.limits, headline=True)
        return lines
    text, headline = _article_text(source)
    return explain(text, headline=headline)
