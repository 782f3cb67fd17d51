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


def zh_date(iso: str | None) -> str:
    """A day as "2026年11月30日" from its ISO form (what run.json and the music index keep).

    >>> zh_date("2026-11-30"), zh_date(""), zh_date("bad")
    ('2026年11月30日', '', 'bad')
    """
    try:
        day = dt.date.fromisoformat((iso or "")[:10])
    except ValueError:
        return iso or ""
    return f"{day.year}年{day.month}月{day.day}日"


# The built-in profiles' descriptions are English (for the CLI's `profiles` list); the page says what each is for.
PROFILES_ZH = {
    "loudspeaker": "室外大喇叭（村村响）",
    "ip-broadcast": "IP广播终端、4G云喇叭（文件小）",
    "sdcard": "SD卡、U盘播放器（数字文件名）",
    "web": "微信公众号、网页（不做喇叭处理）",
    "screen": "户外大屏、视频号（另生成MP4视频）",
}


def profile_label(name: str, description: str = "") -> str:
    """A profile as the form lists it: its Chinese description when it has one, else its name.

    >>> profile_label("loudspeaker"), profile_label("村东", "村东头的旧喇叭"), profile_label("x", "English only")
    ('室外大喇叭（村村响）', '村东头的旧喇叭（村东）', 'x')
    """
    if name in PROFILES_ZH:
        return PROFILES_ZH[name]
    if any("\u4e00" <= ch <= "\u9fff" for ch in description):
        return f"{description}（{name}）"
    return name


def profile_options() -> list[tuple[str, str]]:
    """(name, label) of every registered profile, the loudspeaker's first (the default on a form)."""
    from broadcaster.profiles import DEFAULT_PROFILE, get_profile, profile_names

    names = sorted(profile_names(), key=lambda n: (n != DEFAULT_PROFILE, n))
    return [(n, profile_label(n, get_profile(n).description)) for n in names]
