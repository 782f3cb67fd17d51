"""Where text goes on a screen of W×H pixels: sizes, line breaks, boxes.

Pure geometry, measured with the caption font (Pillow), so that the video
writer and the tests agree on where every caption is:

- **stacked** (most screens, and 1080×1920 for phones): a header line with
  the programme title at the top; each caption centred below it,
  wrapped to the width and never cut off (the font shrinks, down to a floor,
  until the caption fits the caption area);
- **ticker** (strips wider than 4:1, such as 1280×256 LED bars): one line
  that scrolls from the right edge to the left during the caption's time.

Sizes are in pixels per em (what Pillow calls the size); the ASS writer
turns them into libass sizes with the font's own metrics.

    >>> layout = ScreenLayout.for_size(1920, 1080)
    >>> layout.mode, layout.caption_em
    ('stacked', 108)
    >>> [len(line) for line in layout.wrap("各位村民请注意，" * 4)]
    [16, 16]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from broadcaster.package.fonts import caption_font_path

TICKER_ASPECT = 4.0  # wider than this: a single scrolling line instead of stacked lines
LINE_SPACING = 1.25  # line pitch in ems (CJK reads best with some air between lines)

# A line may not start with closing punctuation nor end with opening
# punctuation (the Chinese line-breaking rules, 禁则): such characters stay
# with their neighbour.
NO_LINE_START = set("，。、；：？！）》」』】〕〉”’…—·%％,.;:?!)]}>℃")
NO_LINE_END = set("（《「『【〔〈“‘([{<")


@lru_cache(maxsize=32)
def _font(em_px: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(caption_font_path()), em_px)


def text_width(text: str, em_px: int) -> float:
    """Advance width of `text` in pixels at `em_px`."""
    return float(_font(em_px).getlength(text))


def text_ink(text: str, em_px: int) -> tuple[float, float]:
    """Left and right of the drawn pixels of `text` from its start, at `em_px`
    (a line ending in "。" has its ink well left of its advance width)."""
    # getbbox() reaches to the last advance; the mask holds only drawn pixels.
    mask, (offset_x, _) = _font(em_px).getmask2(text, mode="L")
    box = mask.getbbox()
    if box is None:
        return 0.0, 0.0
    return float(offset_x + box[0]), float(offset_x + box[2])


_WORD_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:/-_%@#&?=+~")


def _units(text: str) -> list[str]:
    """Pieces that must not be split: a run of Latin letters, digits and the
    marks inside numbers and addresses stays whole ("4.2km", "0515-85212345",
    a URL: broken over two lines they are misread); every other character
    is its own piece."""
    units: list[str] = []
    for ch in text:
        if units and ch in _WORD_CHARS and units[-1][-1] in _WORD_CHARS:
            units[-1] += ch
        else:
            units.append(ch)
    return units


def wrap_text(text: str, em_px: int, width_px: float) -> list[str]:
    """Greedy wrap of `text` into lines no wider than `width_px`, keeping
    the line-breaking rules above. A single piece wider than the line (a
    long URL) is split by character, so nothing is ever cut off.

    >>> wrap_text("总长约4.2km，新建涵闸3座", 100, 700)
    ['总长约4.2km，', '新建涵闸3座']
    """
    text = " ".join(text.split())
    lines: list[list[str]] = []
    line: list[str] = []  # the units of the line being filled
    for unit in _units(text):
        if line and text_width("".join(line) + unit, em_px) > width_px:
            k = len(line)
            if len(line) > 1 and (unit[0] in NO_LINE_START or line[-1][-1] in NO_LINE_END):
                # Carry the last pieces down instead of starting a line with
                # closing punctuation or ending one with opening punctuation
                # ("案》，" moves down whole).
                k -= 1
                while k > 1 and (line[k][0] in NO_LINE_START or line[k - 1][-1] in NO_LINE_END):
                    k -= 1
            lines.append(line[:k])
            line = line[k:]
            if line and text_width("".join(line) + unit, em_px) > width_px:
                lines.append(line)  # a screen too narrow for the rule: fitting comes first
                line = []
        if not line and text_width(unit, em_px) > width_px:
            for ch in unit:  # only a piece wider than a whole line ends up here
                if line and text_width("".join(line) + ch, em_px) > width_px:
                    lines.append(line)
                    line = []
                line.append(ch)
            continue
        if line or unit != " ":
            line.append(unit)
    if line:
        lines.append(line)
    return [joined for joined in ("".join(units).strip() for units in lines) if joined]


@dataclass(frozen=True)
class Box:
    """A rectangle on the screen, in pixels: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class ScreenLayout:
    width: int
    height: int
    mode: str  # "stacked" or "ticker"
    caption_em: int  # the largest caption size; a long caption may shrink to min_caption_em
    min_caption_em: int
    header_em: int  # programme title above the captions (0: none, on a ticker)
    margin_px: int

    @classmethod
    def for_size(cls, width: int, height: int) -> ScreenLayout:
        if width / height > TICKER_ASPECT:
            # A strip: the text fills about half the height, big enough to
            # read from across a square on an LED bar a few modules tall.
            em = max(8, round(height * 0.55))
            return cls(width, height, "ticker", em, em, 0, 0)
        # Large for daylight and for reading from across a square: a tenth
        # of the screen's height on a landscape screen (about 17 characters
        # a line at 16:9); on a narrow (portrait) one, 12 characters to its width.
        em = max(12, round(min(height / 10, width / 12)))
        return cls(width, height, "stacked", em, max(10, round(em * 0.6)), max(10, round(em * 0.55)),
                   max(4, round(min(width, height) * 0.05)))

    @property
    def text_width_px(self) -> float:
        return self.width - 2 * self.margin_px

    @property
    def header_box(self) -> Box:
        return Box(self.margin_px, self.margin_px, self.text_width_px, self.header_em * LINE_SPACING)

    @property
    def caption_area(self) -> Box:
        """Where stacked captions may go: below the header, above the bottom margin."""
        top = self.header_box.bottom + self.margin_px
        return Box(self.margin_px, top, self.text_width_px, self.height - self.margin_px - top)

    def wrap(self, text: str) -> list[str]:
        return wrap_text(text, self.caption_em, self.text_width_px)

    def fit_caption(self, text: str) -> tuple[int, list[str]]:
        """The size and lines of a stacked caption: the largest size from
        caption_em down whose lines fit the caption area's height."""
        area = self.caption_area
        em = self.caption_em
        while True:
            lines = wrap_text(text, em, area.w)
            if len(lines) * em * LINE_SPACING <= area.h or em <= self.min_caption_em:
                return em, lines
            em = max(self.min_caption_em, int(em * 0.9))

    def caption_box(self, em: int, lines: list[str]) -> Box:
        """Where a stacked caption's lines sit: centred both ways in the caption
        area (the screen shows nothing else, so the text takes the middle)."""
        area = self.caption_area
        h = len(lines) * em * LINE_SPACING
        w = max(text_width(line, em) for line in lines)
        return Box((self.width - w) / 2, area.y + (area.h - h) / 2, w, h)

    def ticker_x(self, text: str, fraction: float) -> float:
        """Left edge of a ticker caption `fraction` (0..1) of the way through its
        time: it enters at the right edge and has just left at the left edge."""
        w = text_width(text, self.caption_em)
        return self.width - fraction * (self.width + w)

    def ticker_box(self, text: str, fraction: float) -> Box:
        h = self.caption_em * LINE_SPACING
        return Box(self.ticker_x(text, fraction), (self.height - h) / 2, text_width(text, self.caption_em), h)
