"""The programme a script describes: its settings and its items.

Each kind of item is a small frozen class. It says how the later stages
treat it, so that no stage dispatches on a kind name:

- `plan(planner)`: the prepare stage hands itself in and the item calls the
  one method that fits it (`planner.silent`, `planner.text`, `planner.article`);
- `place(timeline, spoken)`: the mix stage's timeline is handed in and the
  item puts itself on it (`timeline.pause`, `timeline.audio`, `timeline.speech`);
- `source()` and `describe()`: what the manifest and `check` show.

The script stage parses each kind (`script/items.py`). Adding a kind means
a class here, a parser there, and nothing in the stages unless it needs a
new timeline or planner primitive.

    >>> PauseItem(index=3, where="morning.yaml:14", duration_s=2.0).default_title()
    '2 s pause'
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from broadcaster.model.speech import Voice
from broadcaster.model.text import Limits
from broadcaster.profiles import LOUDSPEAKER, SoundProfile

DEFAULT_REPEAT_INTRO = "下面重复播送一遍。"


@dataclass(frozen=True)
class Pauses:
    """Silence, in seconds, inserted after each kind of boundary."""

    clause_s: float = 0.25
    sentence_s: float = 0.45
    paragraph_s: float = 0.9
    headline_s: float = 1.2
    item_s: float = 1.5


@dataclass(frozen=True)
class MusicBed:
    """`music: {file: bed.mp3, level_db: -20, duck_db: -12}`: a bed under the
    whole programme or one item, looped or trimmed to length, faded in and
    out, `level_db` relative to the speech's loudness, and lowered a further
    `duck_db` while speech plays (mix/beds.py)."""

    path: Path
    level_db: float = -20.0
    duck_db: float = -12.0


@dataclass(frozen=True, kw_only=True)
class Item:
    """What every item has: its place in the script and an optional title."""

    kind: ClassVar[str] = ""  # the script key that makes it, and its name in the manifest
    spoken: ClassVar[bool] = False
    # Items are kept apart by `pauses.item_s`; a pause item is itself the gap.
    spaced: ClassVar[bool] = True

    index: int  # 1-based position in the script (the programme's intro: is 0, its outro: one past the last)
    where: str  # "file:line" for messages
    title: str | None = None
    music: MusicBed | None = None  # a bed under this item alone (spoken items only)

    def default_title(self) -> str:
        return self.kind

    def describe(self) -> str:
        """What `check` shows in its "what" column."""
        return ""

    def source(self) -> str | None:
        """Where the item's content comes from (a file, a link, a built-in), for the manifest."""
        return None

    def plan(self, planner: Any) -> Any:
        return planner.silent(self)

    def place(self, timeline: Any, spoken: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot be placed")


@dataclass(frozen=True, kw_only=True)
class PauseItem(Item):
    kind: ClassVar[str] = "pause"
    spaced: ClassVar[bool] = False

    duration_s: float

    def default_title(self) -> str:
        return f"{self.duration_s:g} s pause"

    def place(self, timeline: Any, spoken: Any) -> None:
        timeline.pause(self.duration_s)


@dataclass(frozen=True, kw_only=True)
class JingleItem(Item):
    """A built-in signal (`builtin`, see mix/jingles.py) or an audio file (`path`)."""

    kind: ClassVar[str] = "jingle"

    builtin: str | None = None
    path: Path | None = None

    def default_title(self) -> str:
        return self.builtin or (self.path.stem if self.path else self.kind)

    def describe(self) -> str:
        return self.source() or ""

    def source(self) -> str | None:
        return self.builtin or (str(self.path) if self.path else None)

    def place(self, timeline: Any, spoken: Any) -> None:
        timeline.audio(timeline.jingle(self))


@dataclass(frozen=True, kw_only=True)
class SpeechItem(Item):
    """An item the engines speak, in one voice, `repeat` times."""

    spoken: ClassVar[bool] = True

    voice: Voice | None = None
    repeat: int = 1

    def place(self, timeline: Any, spoken: Any) -> None:
        timeline.speech(spoken)


@dataclass(frozen=True, kw_only=True)
class TextItem(SpeechItem):
    kind: ClassVar[str] = "text"

    text: str

    def plan(self, planner: Any) -> Any:
        return planner.text(self, self.text)


@dataclass(frozen=True, kw_only=True)
class ArticleItem(SpeechItem):
    """A document read from a file (`path`) or fetched from a link (`url`)."""

    kind: ClassVar[str] = "article"

    path: Path | None = None
    url: str | None = None

    def source(self) -> str | None:
        return self.url or (str(self.path) if self.path else None)

    def describe(self) -> str:
        return self.source() or ""

    def plan(self, planner: Any) -> Any:
        return planner.article(self)


@dataclass(frozen=True)
class Programme:
    title: str
    date: dt.date
    source: Path
    items: tuple[Item, ...]
    station: str | None = None
    voice: Voice = field(default_factory=Voice)
    fallback: tuple[str, ...] = ("kokoro",)
    lexicon: dict = field(default_factory=dict)
    lexicon_files: tuple[Path, ...] = ()
    pauses: Pauses = field(default_factory=Pauses)
    limits: Limits = field(default_factory=Limits)
    repeat_intro: str = DEFAULT_REPEAT_INTRO
    profile: SoundProfile = LOUDSPEAKER
    # The daily job (issue 12): `output:` (templated), articles taken from
    # inboxes as (inbox folder, file) pairs, and what was skipped there.
    output: Path | None = None
    inbox_articles: tuple[tuple[Path, Path], ...] = ()
    warnings: tuple[str, ...] = ()
    music: MusicBed | None = None  # a bed under the whole programme
