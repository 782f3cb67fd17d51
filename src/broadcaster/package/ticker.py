"""programme.ticker.txt: the captions as plain text, for screens that show text themselves.

LED strip controllers draw their own scrolling text, sharper than a video
scaled onto a few hundred pixels. One caption a line, in order, exactly the
text of programme.srt (whitespace closed up), UTF-8 with a final newline.
"""
from __future__ import annotations

from broadcaster.package.video import captions_of


def ticker_text(master) -> str:
    return "".join(c.text + "\n" for c in captions_of(master))


class TickerPackager:
    """Written with the video (the `screen` profile, or `render --video`)."""

    name = "ticker"

    def write(self, package) -> None:
        if getattr(package.profile, "video", False):
            package.add("programme.ticker.txt", ticker_text(package.master).encode("utf-8"))
