"""The caption font: Noto Sans SC from pip, and a check that it has every character.

The font file comes from the `pylopdf-fonts-zh-cn` wheel (Noto Sans SC
Regular, Adobe/Google, SIL Open Font License 1.1: its own name table says so,
and the tests read it there). Nothing is downloaded and no system font is
used, so a video looks the same on every machine.

A font that lacks a character draws an empty box ("tofu") in its place. On
a screen in the village square that is a wrong notice, so the render checks
every caption and title first and names what is missing:

    >>> missing_characters("溱潼镇广播站")
    ''
    >>> missing_characters("\U0002a6a5")  # doctest: +SKIP   (a rare extension-B character)
    '\U0002a6a5'
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from broadcaster.errors import InputError


@dataclass(frozen=True)
class FontInfo:
    path: Path
    family: str  # what an ASS style names: "Noto Sans SC"
    licence: str  # the font's own licence description (name ID 13)
    units_per_em: int
    # libass sizes a font so that winAscent + winDescent fills the ASS font
    # size; Pillow sizes it by the em. This ratio turns one into the other.
    ass_size_per_em: float
    ascent_em: float  # winAscent / units_per_em: where the baseline sits in an ASS line
    descent_em: float  # winDescent / units_per_em: below the baseline, in an ASS line
    codepoints: frozenset[int]


def caption_font_path() -> Path:
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path())


@lru_cache(maxsize=2)
def font_info(path: Path | None = None) -> FontInfo:
    """Family, licence, vertical metrics and character map of the caption font
    (read once; lazily, so only the tables named here are parsed: ~0.2 s)."""
    from fontTools.ttLib import TTFont

    path = path or caption_font_path()
    font = TTFont(str(path), lazy=True)
    names = font["name"]
    os2 = font["OS/2"]
    units = font["head"].unitsPerEm
    return FontInfo(
        path=path,
        family=str(names.getDebugName(1)),
        licence=str(names.getDebugName(13) or ""),
        units_per_em=units,
        ass_size_per_em=(os2.usWinAscent + os2.usWinDescent) / units,
        ascent_em=os2.usWinAscent / units,
        descent_em=os2.usWinDescent / units,
        codepoints=frozenset(font["cmap"].getBestCmap()),
    )


def _drawn(ch: str) -> bool:
    """Characters that need a glyph: not spaces, not format or control characters."""
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def missing_characters(text: str, info: FontInfo | None = None) -> str:
    """The distinct characters of `text` the font cannot draw, in order of first appearance."""
    info = info or font_info()
    seen: dict[str, None] = {}
    for ch in text:
        if _drawn(ch) and ord(ch) not in info.codepoints:
            seen.setdefault(ch, None)
    return "".join(seen)


def check_coverage(texts: list[tuple[str, str]], where: str, info: FontInfo | None = None) -> None:
    """Raise InputError naming each missing character and the first text it is in.

    `texts` are (what, text) pairs, e.g. ("caption 12", "…"); `where` is the
    script file, for the message's location.
    """
    info = info or font_info()
    missing: dict[str, str] = {}
    for what, text in texts:
        for ch in missing_characters(text, info):
            missing.setdefault(ch, what)
    if missing:
        listed = ", ".join(f"{ch} (U+{ord(ch):04X}, {what})" for ch, what in list(missing.items())[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        raise InputError(
            f"the caption font {info.family} lacks {len(missing)} character{'' if len(missing) == 1 else 's'}: "
            f"{listed}{more}; write {'it' if len(missing) == 1 else 'them'} another way for the video", where=where)
