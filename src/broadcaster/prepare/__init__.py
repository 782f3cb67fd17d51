"""The text front end: raw article or text in, speakable segments out.

Public API (the rest of the package uses only these names):

    from broadcaster.prepare import Segment, Break, Limits, Lexicon
    from broadcaster.prepare import read_article, prepare, build_lexicon, explain

    lexicon = build_lexicon({"溱潼": "琴潼"})
    body = read_article(Path("news.html"))          # decoded and cleaned text
    segments = prepare(body, lexicon=lexicon)        # list[Segment]
    segments[0].written, segments[0].spoken          # "会议于2023-05-08召开。", "会议于二零二三年五月八日召开。"
"""
from broadcaster.model.text import Break, Lexicon, LexiconEntry, Limits, Segment
from broadcaster.prepare.pipeline import build_lexicon, clean_article, explain, prepare, read_article, read_text_input

__all__ = [
    "Break",
    "Lexicon",
    "LexiconEntry",
    "Limits",
    "Segment",
    "build_lexicon",
    "clean_article",
    "explain",
    "prepare",
    "read_article",
    "read_text_input",
]
