"""The prepare stage's result: every item with the segments it will speak."""
from __future__ import annotations

from dataclasses import dataclass

from broadcaster.model.programme import Item
from broadcaster.model.speech import SpeechRequest
from broadcaster.model.text import Segment


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
    reader: str | None = None  # which reader read an article item (prepare.readers)
    reader_notes: tuple[str, ...] = ()  # what it left out or how it got it (a skipped table, a fetched link)

    @property
    def chars(self) -> int:
        return sum(len(c.segment.spoken) for c in self.cues)
