"""The programme sheet: what goes out, when, how long and how loud, at a glance.

Every render writes `programme.png` and a self-contained `programme.html`
(`sheet_html.py`): a timeline of the items (jingle, speech, pause) with
titles and durations, the waveform, the short-term loudness (3 s) against
the profile's target, and the totals the manifest records. The figures come
from the levelled master; the totals (loudness, true peak, duration) are
those measured on the written programme.mp3.

    >>> sheet = sheet_data(package)  # doctest: +SKIP
    >>> sheet.items[0].kind, sheet.target_lufs  # doctest: +SKIP
    ('jingle', -16.0)
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from broadcaster.meter import LoudnessMeter, duplicated_channels_db
from broadcaster.model import JingleItem

COLUMNS = 1200  # waveform columns: one per pixel of the PNG's plot width
LOUDNESS_FLOOR_LUFS = -40.0  # the plot's bottom; quieter (silence) is drawn on the floor
LOUDNESS_TOP_LUFS = -5.0
KIND_COLOURS = {"jingle": "#9b59b6", "speech": "#2e86de", "pause": "#b0b0b0", "music": "#27ae60"}


@dataclass(frozen=True)
class SheetItem:
    number: int
    kind: str  # jingle, speech, pause (an audio file given as a jingle is music)
    title: str
    start_s: float
    duration_s: float


@dataclass(frozen=True)
class Sheet:
    title: str
    station: str
    date: str
    profile: str
    duration_s: float
    integrated_lufs: float
    true_peak_dbtp: float
    target_lufs: float
    ceiling_dbtp: float
    items: list[SheetItem]
    envelope: np.ndarray  # (COLUMNS, 2): min and max sample of each column
    loudness_step_s: float
    short_term_lufs: np.ndarray  # one value per step, from 0 s

    @property
    def speech_s(self) -> float:
        return sum(i.duration_s for i in self.items if i.kind == "speech")


def _kind(span) -> str:
    item = span.plan.item
    if isinstance(item, JingleItem):
        return "jingle" if item.builtin else "music"  # a file is usually a piece of music
    return "speech" if item.spoken else "pause"


def envelope(samples: np.ndarray, columns: int = COLUMNS) -> np.ndarray:
    """Min and max of each of `columns` equal slices of `samples`."""
    return envelope_of_blocks([samples], len(samples), columns)


def envelope_of_blocks(blocks, n_samples: int, columns: int = COLUMNS) -> np.ndarray:
    """`envelope` of a programme that arrives in blocks (in order, `n_samples`
    in all): each block's share of each column is reduced where it lies, so
    the programme is never held whole.

    >>> envelope_of_blocks([np.array([1, -2, 3]), np.array([4, 0, -5])], 6, 2).tolist()
    [[-2.0, 3.0], [-5.0, 4.0]]
    """
    out = np.zeros((columns, 2), dtype=np.float32)
    low = np.full(columns, np.inf, dtype=np.float32)
    high = np.full(columns, -np.inf, dtype=np.float32)
    # Column c covers [edges[c], max(edges[c + 1], edges[c] + 1)): at least one sample.
    edges = np.linspace(0, n_samples, columns + 1).astype(np.int64)
    ends = np.maximum(edges[1:], edges[:-1] + 1)
    at = 0
    for block in blocks:
        block = np.asarray(block, dtype=np.float32)
        stop = at + len(block)
        # The columns that meet this block: start before its end and end after its start.
        for c in range(np.searchsorted(ends, at, side="right"), np.searchsorted(edges[:-1], stop, side="left")):
            a, b = max(edges[c], at) - at, min(ends[c], stop) - at
            if a < b:
                low[c] = min(low[c], block[a:b].min())
                high[c] = max(high[c], block[a:b].max())
        at = stop
    seen = np.isfinite(low)
    out[seen, 0], out[seen, 1] = low[seen], high[seen]
    return out


def sheet_data(package) -> Sheet:
    master, programme, profile = package.master, package.programme, package.profile
    meter = LoudnessMeter(master.rate_hz, true_peak=False)
    for block in master.blocks():
        meter.feed(block)
    # counted on as many channels as the file has (the encoder's ~0.4 dB is not taken off)
    short_term = meter.short_term_lufs() + duplicated_channels_db(profile.channels)
    items = [SheetItem(n, _kind(span), span.plan.title or span.plan.item.kind, span.start_s, span.duration_s)
             for n, span in enumerate(master.items, 1)]
    loudness = package.loudness
    return Sheet(
        title=programme.title, station=programme.station or "", date=programme.date.isoformat(), profile=profile.name,
        duration_s=package.duration_s or master.duration_s,
        integrated_lufs=loudness.integrated_lufs if loudness else float("nan"),
        true_peak_dbtp=loudness.true_peak_dbtp if loudness else float("nan"),
        target_lufs=profile.target_lufs, ceiling_dbtp=profile.ceiling_dbtp, items=items,
        envelope=envelope_of_blocks(master.blocks(), len(master.audio)), loudness_step_s=0.1, short_term_lufs=short_term,
    )


def clock(seconds: float) -> str:
    """125.4 → "2:05"."""
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def totals_line(sheet: Sheet) -> str:
    return (f"{clock(sheet.duration_s)} ({sheet.duration_s:.1f} s) · {len(sheet.items)} items · speech "
            f"{clock(sheet.speech_s)} · {sheet.integrated_lufs:.1f} LUFS (target {sheet.target_lufs:g}) · "
            f"true peak {sheet.true_peak_dbtp:.1f} dBTP (ceiling {sheet.ceiling_dbtp:g}) · profile {sheet.profile}")


def lufs_fraction(lufs: float) -> float:
    """0 at the plot's floor, 1 at its top."""
    value = min(max(lufs, LOUDNESS_FLOOR_LUFS), LOUDNESS_TOP_LUFS) if np.isfinite(lufs) else LOUDNESS_FLOOR_LUFS
    return (value - LOUDNESS_FLOOR_LUFS) / (LOUDNESS_TOP_LUFS - LOUDNESS_FLOOR_LUFS)


def tick_step_s(duration_s: float) -> float:
    """A round time step giving 5 to 12 ticks."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if duration_s / step <= 12:
            return float(step)
    return 3600.0


# The PNG: 1600 px wide; a plot area of COLUMNS px with the labels at its left.
_W, _LEFT, _TOP = 1600, 140, 150
_TIMELINE_H, _WAVE_H, _LOUD_H, _GAP = 90, 160, 200, 40


def sheet_png(sheet: Sheet) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    from broadcaster.package.fonts import caption_font_path

    def font(size: int):
        return ImageFont.truetype(str(caption_font_path()), size)

    height = _TOP + _TIMELINE_H + _WAVE_H + _LOUD_H + 3 * _GAP + 60
    img = Image.new("RGB", (_W, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((40, 24), sheet.title, fill="#111111", font=font(40))
    draw.text((40, 80), "  ".join(x for x in (sheet.station, sheet.date) if x), fill="#555555", font=font(22))
    draw.text((40, 112), totals_line(sheet), fill="#222222", font=font(20))
    scale = COLUMNS / max(sheet.duration_s, 1e-6)

    def x_of(t: float) -> float:
        return _LEFT + t * scale

    small = font(16)
    y0 = _TOP
    draw.text((40, y0 + 30), "items", fill="#333333", font=small)
    for item in sheet.items:
        x1, x2 = x_of(item.start_s), max(x_of(item.start_s + item.duration_s), x_of(item.start_s) + 2)
        draw.rectangle((x1, y0, x2, y0 + _TIMELINE_H - 30), fill=KIND_COLOURS[item.kind], outline="white")
        label = f"{item.number} {item.title} {item.duration_s:.1f}s"
        while label and small.getlength(label) > x2 - x1 - 6:
            label = label[:-1]
        if label:
            draw.text((x1 + 3, y0 + 4), label, fill="white", font=small)
    for kind, colour in KIND_COLOURS.items():  # a legend under the timeline
        n = list(KIND_COLOURS).index(kind)
        draw.rectangle((_LEFT + n * 120, y0 + _TIMELINE_H - 20, _LEFT + n * 120 + 14, y0 + _TIMELINE_H - 6), fill=colour)
        draw.text((_LEFT + n * 120 + 20, y0 + _TIMELINE_H - 24), kind, fill="#333333", font=small)

    y0 += _TIMELINE_H + _GAP
    draw.text((40, y0 + _WAVE_H / 2 - 10), "waveform", fill="#333333", font=small)
    mid = y0 + _WAVE_H / 2
    for c, (lo, hi) in enumerate(sheet.envelope):
        draw.line((_LEFT + c, mid - hi * _WAVE_H / 2, _LEFT + c, mid - lo * _WAVE_H / 2), fill="#2e86de")
    draw.line((_LEFT, mid, _LEFT + COLUMNS, mid), fill="#cccccc")

    y0 += _WAVE_H + _GAP
    draw.text((40, y0 - 24), "short-term loudness (LUFS, 3 s window) against the profile's target", fill="#333333", font=small)
    draw.rectangle((_LEFT, y0, _LEFT + COLUMNS, y0 + _LOUD_H), outline="#dddddd")
    for lufs in range(int(LOUDNESS_FLOOR_LUFS), int(LOUDNESS_TOP_LUFS) + 1, 5):
        y = y0 + _LOUD_H * (1 - lufs_fraction(lufs))
        draw.line((_LEFT, y, _LEFT + COLUMNS, y), fill="#eeeeee")
        draw.text((_LEFT - 40, y - 9), str(lufs), fill="#888888", font=font(14))
    target_y = y0 + _LOUD_H * (1 - lufs_fraction(sheet.target_lufs))
    for x in range(_LEFT, _LEFT + COLUMNS, 12):  # dashed: the profile's target
        draw.line((x, target_y, x + 6, target_y), fill="#e74c3c", width=2)
    draw.text((_LEFT + COLUMNS + 8, target_y - 10), f"target {sheet.target_lufs:g}", fill="#e74c3c", font=small)
    points = [(x_of(i * sheet.loudness_step_s), y0 + _LOUD_H * (1 - lufs_fraction(v)))
              for i, v in enumerate(sheet.short_term_lufs)]
    if len(points) > 1:
        draw.line(points, fill="#111111", width=2)

    y0 += _LOUD_H + 8
    step = tick_step_s(sheet.duration_s)
    t = 0.0
    while t <= sheet.duration_s:
        draw.line((x_of(t), y0, x_of(t), y0 + 6), fill="#555555")
        draw.text((x_of(t) - 12, y0 + 8), clock(t), fill="#555555", font=font(14))
        t += step
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()

