"""Captions for the page's <audio><track>: the render's SRT as WebVTT.

    >>> print(srt_to_vtt("1\\n00:00:01,200 --> 00:00:03,000\\n各位村民\\n"))
    WEBVTT
    <BLANKLINE>
    1
    00:00:01.200 --> 00:00:03.000
    各位村民
    <BLANKLINE>
"""
from __future__ import annotations

import re

_TIMING = re.compile(r"^(\d{2}:\d{2}:\d{2}),(\d{3}) --> (\d{2}:\d{2}:\d{2}),(\d{3})", re.M)


def srt_to_vtt(srt: str) -> str:
    body = _TIMING.sub(r"\1.\2 --> \3.\4", srt.replace("\r\n", "\n").lstrip("\ufeff"))
    return "WEBVTT\n\n" + body
