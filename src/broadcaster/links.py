"""Links given as articles: which strings are links, and which can be fetched."""
from __future__ import annotations

import urllib.parse


def is_url(value: str) -> bool:
    return value.strip().lower().startswith(("http://", "https://"))


def check_url(url: str) -> str | None:
    """None if the URL can be fetched, else what is wrong with it."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return "only http:// and https:// links can be fetched"
    if not parts.hostname:
        return "the link has no host name"
    return None
