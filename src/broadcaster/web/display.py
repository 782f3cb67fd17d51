"""How the pages say things: states, durations and dates in Chinese conventions."""
from __future__ import annotations

import datetime as dt

RATES = ("-20%", "-10%", "+0%", "+10%", "+20%")
STATE_ZH = {"queued": "排队中", "running": "制作中", "done": "已完成", "failed": "失败", "cancelled": "已取消"}


def zh_duration(seconds: float | None) -> str:
    """Durations as announcers and clerks write them.

    >>> zh_duration(205.4), zh_duration(42), zh_duration(3725)
    ('3分25秒', '42秒', '1小时2分5秒')
    """
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = f"{hours}小时" if hours else ""
    out += f"{minutes}分" if minutes or hours else ""
    return out + f"{secs}秒"


def zh_time(timestamp: float | None, with_time: bool = True) -> str:
    """Dates as a Chinese office writes them, in local time.

    >>> zh_time(dt.datetime(2026, 11, 30, 8, 5).timestamp())
    '2026年11月30日 08:05'
    """
    if not timestamp:
        return ""
    t = dt.datetime.fromtimestamp(timestamp)
    return f"{t.year}年{t.month}月{t.day}日" + (f" {t:%H:%M}" if with_time else "")
