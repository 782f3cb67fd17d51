"""`broadcaster text INPUT`: the spoken segments of a script, an article or stdin."""
from __future__ import annotations

import sys
from pathlib import Path

from broadcaster.errors import TextError
from broadcaster.text import clean_article, explain, prepare, read_article
from broadcaster.text.decode import decode_bytes

SCRIPT_SUFFIXES = (".yaml", ".yml")


def _article_text(source: str, to_simplified: bool) -> str:
    """The cleaned article, headline first, from a file or stdin (cleaned as plain text)."""
    if source == "-":
        raw = decode_bytes(sys.stdin.buffer.read(), "<stdin>")
        return clean_article(raw, ".txt", where="<stdin>", to_simplified=to_simplified)
    path = Path(source)
    if not path.is_file():
        raise TextError("file not found", where=source)
    return read_article(path, to_simplified=to_simplified)


def spoken_lines(source: str, to_simplified: bool = False) -> list[str]:
    if source.endswith(SCRIPT_SUFFIXES):
        from broadcaster.plan import plan_programme
        from broadcaster.script import load_script

        return [cue.segment.spoken for plan in plan_programme(load_script(source)) for cue in plan.cues]
    segments = prepare(_article_text(source, to_simplified), headline=True)
    if not segments:
        raise TextError("nothing to say", where=source)
    return [s.spoken for s in segments]


def explain_lines(source: str, to_simplified: bool = False) -> list[str]:
    if source.endswith(SCRIPT_SUFFIXES):
        from broadcaster.plan import item_text, programme_lexicon
        from broadcaster.script import load_script

        programme = load_script(source)
        lexicon = programme_lexicon(programme)
        lines = []
        for item in programme.items:
            if item.spoken:
                text, headline = item_text(item)
                lines += explain(text, lexicon=lexicon, limits=programme.limits, headline=headline)
        return lines
    return explain(_article_text(source, to_simplified), headline=True)
