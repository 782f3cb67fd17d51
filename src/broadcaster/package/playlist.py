"""Extended M3U (UTF-8, .m3u8) listing the item files."""
from __future__ import annotations


def m3u8(entries: list[tuple[str, float, str]]) -> str:
    """`entries` are (relative path, duration in seconds, title).

    >>> print(m3u8([("items/01-a.mp3", 12.34, "通知")]), end="")
    #EXTM3U
    #EXTINF:12.34,通知
    items/01-a.mp3
    """
    lines = ["#EXTM3U"]
    for path, duration_s, title in entries:
        # Decimal durations (allowed since M3U version 3) keep the playlist within 0.01 s of the files.
        title = " ".join(title.split())
        lines.append(f"#EXTINF:{duration_s:.2f},{title}")
        lines.append(path)
    return "\n".join(lines) + "\n"
