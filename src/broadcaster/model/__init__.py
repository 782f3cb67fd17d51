"""The values that pass between the stages of the flow.

script → `Programme` (with its `Item`s) → prepare → `ItemPlan`s of `Cue`s
(each a `Segment` and a `SpeechRequest`) → synthesise → `SpokenItem`s of
`Clip`s (`Speech`) → mix → `Master` (samples on disk, `ItemSpan`s, `SegmentSpan`s)
and a `LoudnessReport` → package.

Every stage imports these from here and nothing from the stages before it,
so no import runs back up the flow (tests/test_layout.py checks it).
"""
from broadcaster.model.mix import ItemSpan, LoudnessReport, Master, SegmentSpan
from broadcaster.model.plan import Cue, ItemPlan
from broadcaster.model.programme import (
    ArticleItem, Item, JingleItem, MusicBed, PauseItem, Pauses, Programme, SpeechItem, TextItem,
)
from broadcaster.model.speech import SentenceMark, Speech, SpeechRequest, Voice, VoiceInfo
from broadcaster.model.spoken import Clip, SpokenItem, SynthesisStats
from broadcaster.model.text import Break, Lexicon, LexiconEntry, Limits, Segment

__all__ = [
    "ArticleItem", "Break", "Clip", "Cue", "Item", "ItemPlan", "ItemSpan", "JingleItem", "Lexicon", "LexiconEntry",
    "Limits", "LoudnessReport", "Master", "MusicBed", "PauseItem", "Pauses", "Programme", "Segment", "SegmentSpan", "SentenceMark", "Speech",
    "SpeechItem", "SpeechRequest", "SpokenItem", "SynthesisStats", "TextItem", "Voice", "VoiceInfo",
]
