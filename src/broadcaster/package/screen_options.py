"""`render --video / --size / --vertical`: the profile a render uses for video, and where the sheet went."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from broadcaster.errors import InputError
from broadcaster.package.video import VERTICAL_SIZE, parse_size
from broadcaster.profiles import SoundProfile


def with_video(profile: SoundProfile, *, video: bool = False, size: str | None = None,
               vertical: bool = False) -> SoundProfile:
    """`profile`, asking for video at the size given (the manifest then
    records what was made). --size and --vertical imply --video.

    >>> with_video(get_profile("loudspeaker"), size="960x320").video_size  # doctest: +SKIP
    '960x320'
    """
    if size and vertical:
        raise InputError("--size and --vertical: give one of them", where="render")
    if not (video or size or vertical):
        return profile
    if size:
        w, h = parse_size(size)
        chosen = f"{w}x{h}"
    else:
        chosen = VERTICAL_SIZE if vertical else profile.video_size
    return replace(profile, video=True, video_size=chosen)


def print_sheet_paths(out_dir: Path) -> None:
    """The lines `render` ends with: where to look at and watch the programme."""
    for name, what in (("programme.html", "programme sheet (open in a browser; plays the MP3)"),
                       ("programme.png", "programme sheet as a picture"),
                       ("programme.mp4", "video with captions"),
                       ("programme.ticker.txt", "caption text for text-only screens")):
        if (out_dir / name).exists():
            print(f"{what}: {out_dir / name}")
