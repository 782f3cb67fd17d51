"""programme.mp4: the broadcast with burned-in captions, for outdoor screens and 视频号.

H.264 (yuv420p) and AAC, constant 25 fps, faststart, at the screen's exact
pixel size. A title card (title, station, date) until the first caption,
then every caption of programme.srt at its SRT times.

Made by ffmpeg in ONE pass, never frame by frame in Python: a black colour
source, the captions as an ASS file drawn by libass (ffmpeg's `subtitles`
filter) with the font from pip, and the audio of the written programme.mp3.
Python only decides where each line goes (`screen_layout`), so the tests
can check the pixels against the same layout. On a strip wider than 4:1 the
captions scroll as a single-line ticker (`\\move`), one caption across the
screen during its own time.

ffmpeg is the one imageio-ffmpeg ships (libx264, aac and libass are in it).
x264's `ultrafast` preset with `stillimage` tuning: the picture changes a
few times a minute, and this keeps a 10-minute 1080p programme well under
0.2 × real time on two cores (see scripts/bench.py video).
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from broadcaster.errors import BroadcasterError, InputError
from broadcaster.package.fonts import FontInfo, check_coverage, font_info
from broadcaster.package.screen_layout import LINE_SPACING, ScreenLayout, text_width

FPS = 25
DEFAULT_SIZE = "1920x1080"
VERTICAL_SIZE = "1080x1920"
MIN_SIDE_PX, MAX_SIDE_PX = 64, 7680
_WHITE, _YELLOW, _GREY = "&H00FFFFFF", "&H0000D7FF", "&H00C0C0C0"  # ASS colours are &HAABBGGRR


class VideoError(BroadcasterError):
    """ffmpeg could not make the video (exit 1: the input was fine)."""


def parse_size(text: str, where: str = "--size") -> tuple[int, int]:
    """ "1280x256" → (1280, 256). Both sides even: H.264 in yuv420p halves the
    colour planes, so an odd side cannot be encoded at its exact size.

    >>> parse_size("960x320")
    (960, 320)
    """
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise InputError(f"{text!r} is not a size; write WIDTHxHEIGHT in pixels, e.g. 1920x1080", where=where)
    w, h = (int(p) for p in parts)
    for side, value in (("width", w), ("height", h)):
        if not MIN_SIDE_PX <= value <= MAX_SIDE_PX:
            raise InputError(f"{side} {value} must be between {MIN_SIDE_PX} and {MAX_SIDE_PX} pixels", where=where)
        if value % 2:
            raise InputError(f"{side} {value} must be even (H.264 yuv420p); LED walls are multiples of their modules",
                             where=where)
    return w, h


@dataclass(frozen=True)
class Caption:
    start_s: float
    end_s: float
    text: str


def captions_of(master) -> list[Caption]:
    """The captions exactly as the SRT packager writes them (same spans, same text)."""
    return [Caption(seg.caption_start_s, seg.caption_end_s, " ".join(seg.clip.cue.segment.written.split()))
            for span in master.items for seg in span.segments]


def check_caption_font(programme, texts: list[str]) -> None:
    """Before any work: every character of the captions and the title card must be in the font."""
    card = [("title", programme.title), ("station", programme.station or "")]
    check_coverage(card + [(f"caption {n}", t) for n, t in enumerate(texts, 1)], where=str(programme.source))


def _ass_time(seconds: float) -> str:
    cs = max(0, round(seconds * 100))
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s, cs = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def _ass_text(text: str) -> str:
    # Braces start override blocks and a backslash an escape in ASS: swap
    # them for their full-width forms, which read the same on a screen.
    return text.replace("\\", "＼").replace("{", "｛").replace("}", "｝")


class _AssWriter:
    """Lines of an ASS script in screen pixels, each placed by its baseline."""

    def __init__(self, layout: ScreenLayout, font: FontInfo):
        self.layout, self.font = layout, font
        self.events: list[str] = []

    def _line(self, start: float, end: float, text: str, em: float, colour: str, x: float, slot_top: float,
              move_to_x: float | None = None) -> None:
        # Centre the ideographs' ink (about -0.1..0.85 em around the baseline)
        # in a slot LINE_SPACING ems high; \an2 anchors the bottom of libass's
        # line box, which is the baseline plus the font's descent.
        baseline = slot_top + em * (LINE_SPACING / 2 + 0.38)
        y = baseline + em * self.font.descent_em
        size = em * self.font.ass_size_per_em
        place = (f"\\move({x:.1f},{y:.1f},{move_to_x:.1f},{y:.1f})" if move_to_x is not None
                 else f"\\pos({x:.1f},{y:.1f})")
        self.events.append(f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},Text,,0,0,0,,"
                           f"{{\\an2{place}\\fs{size:.2f}\\c{colour}}}{_ass_text(text)}")

    def block(self, start: float, end: float, lines: list[str], em: float, top: float, colour: str = _WHITE) -> float:
        """Centred lines from `top`; returns the bottom."""
        for n, line in enumerate(lines):
            self._line(start, end, line, em, colour, self.layout.width / 2, top + n * em * LINE_SPACING)
        return top + len(lines) * em * LINE_SPACING

    def scroll(self, start: float, end: float, text: str, em: float, colour: str = _WHITE) -> None:
        w = text_width(text, int(em))
        top = (self.layout.height - em * LINE_SPACING) / 2
        self._line(start, end, text, em, colour, self.layout.width + w / 2, top, move_to_x=-w / 2)

    def script(self) -> str:
        head = [
            "[Script Info]", "ScriptType: v4.00+", f"PlayResX: {self.layout.width}", f"PlayResY: {self.layout.height}",
            "WrapStyle: 2",  # never wrap: the lines are broken here, by the Chinese rules
            "ScaledBorderAndShadow: yes", "",
            "[V4+ Styles]",
            ("Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
             "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
             "Alignment, MarginL, MarginR, MarginV, Encoding"),
            (f"Style: Text,{self.font.family},48,{_WHITE},{_WHITE},&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,0,"
             "2,0,0,0,1"), "",
            "[Events]", "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        ]
        return "\n".join(head + self.events) + "\n"


def _one_line(text: str, em: int, width: float, min_em: int) -> tuple[int, str]:
    """A header: shrink to fit one line, then shorten with an ellipsis."""
    while em > min_em and text_width(text, em) > width:
        em = max(min_em, int(em * 0.9))
    if text_width(text, em) <= width:
        return em, text
    while len(text) > 1 and text_width(text + "…", em) > width:
        text = text[:-1]
    return em, text + "…"


def ass_script(layout: ScreenLayout, captions: list[Caption], programme, duration_s: float,
               font: FontInfo | None = None) -> str:
    """The whole ASS script: the title card, then the captions (and a header on stacked screens)."""
    font = font or font_info()
    ass = _AssWriter(layout, font)
    card_end = captions[0].start_s if captions else duration_s
    subtitle = "  ".join(x for x in (programme.station or "", programme.date.isoformat()) if x)
    if layout.mode == "ticker":
        if card_end >= 1.0:
            ass.scroll(0.0, card_end, "  ".join(x for x in (programme.title, subtitle) if x), layout.caption_em, _YELLOW)
        for cap in captions:
            ass.scroll(cap.start_s, cap.end_s, cap.text, layout.caption_em)
        return ass.script()
    # The title card: the title as large as a caption, centred, with station and date below it.
    em, title_lines = layout.fit_caption(programme.title)
    small = layout.header_em
    height = len(title_lines) * em * LINE_SPACING + small * LINE_SPACING * 1.5
    top = (layout.height - height) / 2
    bottom = ass.block(0.0, card_end, title_lines, em, top, _YELLOW)
    if subtitle:
        ass.block(0.0, card_end, [_one_line(subtitle, small, layout.text_width_px, small // 2)[1]], small,
                  bottom + small * LINE_SPACING * 0.5, _GREY)
    if captions:
        header_em, header = _one_line(programme.title, layout.header_em, layout.text_width_px, layout.header_em // 2)
        ass.block(card_end, duration_s, [header], header_em, layout.header_box.y, _YELLOW)
    for cap in captions:
        em, lines = layout.fit_caption(cap.text)
        box = layout.caption_box(em, lines)
        ass.block(cap.start_s, cap.end_s, lines, em, box.y)
    return ass.script()


def video_command(ffmpeg: str, layout: ScreenLayout, audio: Path, out: Path, duration_s: float, rate_hz: int,
                  title: str) -> list[str]:
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"color=c=black:s={layout.width}x{layout.height}:r={FPS}",
        "-i", str(audio),
        # Relative names: ffmpeg's filter syntax gives ':' and '\' meanings,
        # so paths are kept out of it (ffmpeg runs in the folder holding them).
        "-filter_complex", "[0:v]subtitles=filename=captions.ass:fontsdir=fonts,format=yuv420p[v]",
        "-map", "[v]", "-map", "1:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-crf", "23", "-g", str(FPS * 5),
        "-r", str(FPS), "-fps_mode", "cfr", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-ar", str(rate_hz),
        "-t", f"{duration_s:.3f}", "-movflags", "+faststart", "-metadata", f"title={title}",
        str(out),
    ]


def write_video(package, out: Path, size: tuple[int, int]) -> ScreenLayout:
    """Encode `out` from the package's programme.mp3 and captions at `size`."""
    from broadcaster.codec import ffmpeg_exe

    layout = ScreenLayout.for_size(*size)
    captions = captions_of(package.master)
    check_caption_font(package.programme, [c.text for c in captions])
    font = font_info()
    duration_s = package.duration_s or package.master.duration_s
    with tempfile.TemporaryDirectory(prefix="broadcaster-video-") as tmp:
        work = Path(tmp)
        (work / "captions.ass").write_text(ass_script(layout, captions, package.programme, duration_s, font), "utf-8")
        (work / "fonts").mkdir()
        os.symlink(font.path, work / "fonts" / font.path.name)
        command = video_command(ffmpeg_exe(), layout, (package.folder / "programme.mp3").resolve(), out.resolve(),
                                duration_s, package.profile.rate_hz, package.programme.title)
        proc = subprocess.run(command, cwd=work, capture_output=True, check=False)
    if proc.returncode != 0 or not out.exists():
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VideoError(f"video encoding failed: {reason[-1] if reason else 'ffmpeg exited ' + str(proc.returncode)}")
    return layout


def video_size(profile) -> tuple[int, int]:
    return parse_size(getattr(profile, "video_size", DEFAULT_SIZE) or DEFAULT_SIZE, where="profile video_size")


class VideoPackager:
    """programme.mp4, when the profile asks for video (the `screen` profile, or `render --video`)."""

    name = "video"

    def write(self, package) -> None:
        if not getattr(package.profile, "video", False):
            return
        write_video(package, package.folder / "programme.mp4", video_size(package.profile))
        package.checksum("programme.mp4")
