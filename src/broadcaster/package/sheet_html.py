"""programme.html: the programme sheet as one self-contained page.

No network and no CDN: the drawing is inline SVG made here, the style and
the script are inline, the caption font rides along as a subset of just the
characters on the page (a data: URL of a few tens of KB; a machine without
a Chinese font would otherwise show boxes), and the only other file it
names is programme.mp3 beside it, which the page plays. A cursor follows playback across the
timeline, the waveform and the loudness plot; a click on them seeks.
The page shows everything without its script too (the SVG is static).
"""
from __future__ import annotations

import base64
import html
import io
import json
import string

from broadcaster.package.sheet import (
    COLUMNS,
    KIND_COLOURS,
    LOUDNESS_FLOOR_LUFS,
    LOUDNESS_TOP_LUFS,
    Sheet,
    clock,
    lufs_fraction,
    tick_step_s,
    totals_line,
)

_TIMELINE_H, _WAVE_H, _LOUD_H, _GAP, _AXIS_H = 60, 140, 180, 24, 24
_HEIGHT = _TIMELINE_H + _WAVE_H + _LOUD_H + 2 * _GAP + _AXIS_H

_STYLE = """
body { font-family: "SheetFont", "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 28px; margin: 0 0 4px; }
.sub { color: #555; margin-bottom: 6px; }
.totals { margin: 8px 0 12px; }
svg { width: 100%; max-width: 1400px; height: auto; display: block; cursor: pointer; }
audio { width: 100%; max-width: 1400px; margin: 8px 0; }
table { border-collapse: collapse; margin-top: 16px; }
td, th { padding: 3px 10px; text-align: left; border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; }
"""

# Moves the cursor with playback; a click on the plot seeks there.
_SCRIPT = """
(function () {
  var audio = document.getElementById("player");
  var svg = document.getElementById("plot");
  var cursor = document.getElementById("cursor");
  var duration = Number(svg.dataset.duration);
  var width = Number(svg.dataset.width);
  function place() {
    var x = Math.min(width, Math.max(0, audio.currentTime / duration * width));
    cursor.setAttribute("x1", x.toFixed(1));
    cursor.setAttribute("x2", x.toFixed(1));
    if (!audio.paused) { window.requestAnimationFrame(place); }
  }
  audio.addEventListener("play", place);
  audio.addEventListener("seeked", place);
  audio.addEventListener("timeupdate", place);
  svg.addEventListener("click", function (event) {
    var box = svg.getBoundingClientRect();
    var t = (event.clientX - box.left) / box.width * duration;
    audio.currentTime = Math.min(duration, Math.max(0, t));
    place();
  });
})();
"""


def _font_face(text: str) -> str:
    """@font-face with the caption font cut down to the characters of `text`."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from broadcaster.package.fonts import caption_font_path

    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and OFL licence records with the font
    options.notdef_outline = True
    font = TTFont(str(caption_font_path()), recalcTimestamp=False)  # the same render gives the same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + string.printable)
    subsetter.subset(font)
    data = io.BytesIO()
    font.save(data)
    encoded = base64.b64encode(data.getvalue()).decode("ascii")
    return f'@font-face {{ font-family: "SheetFont"; src: url(data:font/otf;base64,{encoded}) format("opentype"); }}'


def _svg(sheet: Sheet) -> str:
    scale = COLUMNS / max(sheet.duration_s, 1e-6)
    parts = []
    for item in sheet.items:
        x, w = item.start_s * scale, max(item.duration_s * scale, 1.5)
        tip = html.escape(f"{item.number} {item.kind}: {item.title}, {clock(item.start_s)}, {item.duration_s:.1f} s")
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{_TIMELINE_H}" fill="{KIND_COLOURS[item.kind]}" '
                     f'stroke="white"><title>{tip}</title></rect>')
        if w > 40:  # labels in a nested <svg>, which clips them to the item's block
            parts.append(f'<svg x="{x:.1f}" y="0" width="{w:.1f}" height="{_TIMELINE_H}" overflow="hidden">'
                         f'<text x="4" y="22" font-size="14" fill="white">{item.number} {html.escape(item.title)}</text>'
                         f'<text x="4" y="44" font-size="12" fill="white">{item.duration_s:.1f} s</text></svg>')
    top = _TIMELINE_H + _GAP
    mid = top + _WAVE_H / 2
    wave = " ".join(f"M{c}.5 {mid - hi * _WAVE_H / 2:.1f}V{mid - lo * _WAVE_H / 2:.1f}"
                    for c, (lo, hi) in enumerate(sheet.envelope))
    parts.append(f'<path d="{wave}" stroke="#2e86de" stroke-width="1" fill="none"/>')
    parts.append(f'<line x1="0" x2="{COLUMNS}" y1="{mid}" y2="{mid}" stroke="#ccc"/>')
    top += _WAVE_H + _GAP
    parts.append(f'<rect x="0" y="{top}" width="{COLUMNS}" height="{_LOUD_H}" fill="none" stroke="#ddd"/>')
    for lufs in range(int(LOUDNESS_FLOOR_LUFS), int(LOUDNESS_TOP_LUFS) + 1, 5):
        y = top + _LOUD_H * (1 - lufs_fraction(lufs))
        parts.append(f'<line x1="0" x2="{COLUMNS}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="2" y="{y - 2:.1f}" font-size="10" fill="#999">{lufs}</text>')
    target_y = top + _LOUD_H * (1 - lufs_fraction(sheet.target_lufs))
    parts.append(f'<line x1="0" x2="{COLUMNS}" y1="{target_y:.1f}" y2="{target_y:.1f}" stroke="#e74c3c" '
                 f'stroke-dasharray="6 6" stroke-width="2"><title>target {sheet.target_lufs:g} LUFS</title></line>')
    points = " ".join(f"{i * sheet.loudness_step_s * scale:.1f},{top + _LOUD_H * (1 - lufs_fraction(v)):.1f}"
                      for i, v in enumerate(sheet.short_term_lufs))
    if points:
        parts.append(f'<polyline points="{points}" fill="none" stroke="#111" stroke-width="1.5"/>')
    top += _LOUD_H
    step = tick_step_s(sheet.duration_s)
    t = 0.0
    while t <= sheet.duration_s:
        parts.append(f'<line x1="{t * scale:.1f}" x2="{t * scale:.1f}" y1="{top}" y2="{top + 6}" stroke="#555"/>'
                     f'<text x="{t * scale + 2:.1f}" y="{top + 18}" font-size="11" fill="#555">{clock(t)}</text>')
        t += step
    parts.append(f'<line id="cursor" x1="0" x2="0" y1="0" y2="{top}" stroke="#e67e22" stroke-width="2"/>')
    return (f'<svg id="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {COLUMNS} {_HEIGHT}" '
            f'data-duration="{sheet.duration_s:.3f}" data-width="{COLUMNS}" role="img" '
            f'aria-label="timeline, waveform and loudness">{"".join(parts)}</svg>')


def sheet_html(sheet: Sheet) -> str:
    rows = "".join(
        f'<tr><td class="n">{i.number}</td><td><span class="swatch" style="background:{KIND_COLOURS[i.kind]}"></span>'
        f'{i.kind}</td><td>{html.escape(i.title)}</td><td class="n">{clock(i.start_s)}</td>'
        f'<td class="n">{i.duration_s:.1f} s</td></tr>'
        for i in sheet.items)
    subtitle = "  ".join(x for x in (sheet.station, sheet.date) if x)
    data = json.dumps({"duration_s": round(sheet.duration_s, 3), "items": len(sheet.items)})
    page_text = "".join([sheet.title, subtitle, totals_line(sheet), "…", *(i.title for i in sheet.items)])
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(sheet.title)}</title>
<style>{_font_face(page_text)}{_STYLE}</style>
</head>
<body>
<h1>{html.escape(sheet.title)}</h1>
<div class="sub">{html.escape(subtitle)}</div>
<div class="totals">{html.escape(totals_line(sheet))}</div>
<audio id="player" controls preload="metadata" src="programme.mp3"></audio>
{_svg(sheet)}
<table>
<thead><tr><th>#</th><th>kind</th><th>title</th><th>start</th><th>duration</th></tr></thead>
<tbody>{rows}</tbody>
</table>
<script type="application/json" id="sheet-data">{data}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
