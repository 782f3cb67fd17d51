"""SubRip captions, one per spoken segment, on the programme timeline."""
from __future__ import annotations


def srt_time(seconds: float) -> str:
    """3723.5 -> "01:02:03,500"."""
    ms = max(0, round(seconds * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def srt(captions: list[tuple[float, float, str]]) -> str:
    """`captions` are (start s, end s, text) in order."""
    blocks = []
    for n, (start, end, text) in enumerate(captions, 1):
        text = " ".join(text.split())
        blocks.append(f"{n}\n{srt_time(start)} --> {srt_time(end)}\n{text}\n")
    return "\n".join(blocks)
