"""Is this audio from the speech service whole, or was the stream cut short?

When the connection closes in the middle of a turn, edge-tts ends the stream
without an error and with only part of the audio. Every segment is therefore
checked after decoding (`truncation_problem`): the turn must have ended
properly (``turn.end`` seen), the audio must reach the end of the last
SentenceBoundary, the boundaries must cover the whole text (checked only when
they can be found in it verbatim), and it must not be implausibly short for
its text (more than ``max_chars_per_s`` spoken characters a second at rate
+0%; Mandarin broadcast speech is 3-6).

    >>> spoken_units("今天下午3点开会，GDP增长。")
    11
"""
from __future__ import annotations

import re
from typing import Sequence

from broadcaster.errors import SynthesisError
from broadcaster.model import SentenceMark, Speech

# Characters the truncation check counts as at least one spoken syllable each.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_DIGITS = re.compile(r"\d+")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


class TruncatedAudio(SynthesisError):
    """The service sent less audio than the text needs (the stream was cut short)."""


class DecodeError(SynthesisError):
    """The MP3 from the service could not be decoded."""


class EmptyAudio(SynthesisError):
    """The stream ended normally but carried no audio."""


def spoken_units(text: str) -> int:
    """A lower bound on the syllables in `text`: Han characters, half the digits,
    one per Latin word. Punctuation and spaces count nothing."""
    units = len(_HAN.findall(text))
    units += sum((len(d) + 1) // 2 for d in _DIGITS.findall(text))
    units += len(_LATIN_WORD.findall(text))
    return units


def uncovered_tail(text: str, marks: Sequence[SentenceMark]) -> str | None:
    """The text after the last sentence boundary, when the boundaries can be found
    in order in `text`; None (no opinion) when they cannot, e.g. if the service
    reported a sentence differently from how it was sent."""
    if not marks:
        return None
    pos = 0
    for m in marks:
        piece = m.text.strip()
        if not piece:
            continue
        at = text.find(piece, pos)
        if at < 0:
            return None
        pos = at + len(piece)
    return text[pos:]


def truncation_problem(
    speech: Speech,
    text: str,
    rate_factor: float,
    *,
    turn_ended: bool = True,
    max_chars_per_s: float = 9.0,
    tolerance_s: float = 0.15,
) -> str | None:
    """Why this audio looks cut short, or None when it looks whole."""
    if not turn_ended:
        return f"the connection closed before the end of the turn ({speech.duration_s:.2f} s received)"
    duration = speech.duration_s
    if speech.marks:
        end = max(m.offset_s + m.duration_s for m in speech.marks)
        if duration + tolerance_s < end:
            return f"audio ends at {duration:.2f} s but the last sentence boundary ends at {end:.2f} s"
    tail = uncovered_tail(text, speech.marks)
    if tail is not None and spoken_units(tail):
        return f"the sentence boundaries stop before {tail.strip()[:24]!r}"
    units = spoken_units(text)
    if units:
        minimum = units / (max_chars_per_s * max(rate_factor, 0.05))
        if duration < minimum:
            return (
                f"{duration:.2f} s of audio for {units} spoken characters "
                f"(at least {minimum:.2f} s expected)"
            )
    return None
